package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// scenarios in the order they run: cold first, while the machine is quiet.
var scenarioOrder = []string{"cold", "sched", "cpu", "rss", "register"}

// config is the harness's flags.
type config struct {
	only         map[string]bool
	quick        bool
	tenants      int
	mailboxes    int
	latency      time.Duration
	cap          int
	smallTenants int
	cpuTenants   int
	cpuMailboxes int
	rssSizes     []int
	// register: sizes registered and iterated, sizes written, and the
	// playbook's register_memory_mib (-1: not set, the default)
	registerSizes  []int
	registerWrites []int
	registerMiB    int
	coldReps       int
	coldPoll       time.Duration
	out            string
	profile        bool
	trace          bool
	keep           bool
	markdown       bool
	harnessTrace   string
	maxOthers      float64
	retries        int
	quietBusy      float64
	quietWait      time.Duration
	quietBudget    time.Duration
}

// parseConfig reads the flags. -quick shrinks every size that was not set
// explicitly.
func parseConfig(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	only := fs.String("only", strings.Join(scenarioOrder, ","), "scenarios to run, comma-separated: "+strings.Join(scenarioOrder, ","))
	fs.BoolVar(&c.quick, "quick", false, "small smoke run: every size not set explicitly shrinks")
	fs.IntVar(&c.tenants, "tenants", 50, "sched: tenants, all in parallel")
	fs.IntVar(&c.mailboxes, "mailboxes", 600, "sched: mailboxes per tenant = foreach writes per tenant")
	fs.DurationVar(&c.latency, "latency", 10*time.Millisecond, "sched, cpu: the emulator's fixed latency per call")
	fs.IntVar(&c.cap, "cap", 3, "sched, cpu: per-tenant concurrency cap of the emulator and max_sessions_per_org (1..3)")
	fs.IntVar(&c.smallTenants, "small-tenants", 5, "sched: also run this many tenants (the scheduler off the CPU limit); 0 = skip")
	fs.IntVar(&c.cpuTenants, "cpu-tenants", 10, "cpu: tenants")
	fs.IntVar(&c.cpuMailboxes, "cpu-mailboxes", 1000, "cpu: writes per tenant")
	rss := fs.String("rss-sizes", "20000,200000", "rss: mailbox counts to export, comma-separated (the ratio compares the last to the first)")
	regSizes := fs.String("register-sizes", "20000,200000", "register: mailbox counts registered (all properties) and iterated, comma-separated (the ratio compares the last to the first)")
	regWrites := fs.String("register-writes", "", "register: also write every mailbox of a register of these sizes, comma-separated (client CPU per write); empty = skip")
	fs.IntVar(&c.registerMiB, "register-mib", -1, "register: the playbook's register_memory_mib (-1: not set; 65536 keeps every register in memory, as before issue 13)")
	fs.IntVar(&c.coldReps, "cold-reps", 5, "cold: repetitions (the median is reported)")
	fs.DurationVar(&c.coldPoll, "cold-poll", 0, "cold: sleep between reads of the emulator's counters (0 = a tight loop)")
	fs.StringVar(&c.out, "out", "", "folder for the JSON report and profiles (default <module>/bench/out)")
	fs.BoolVar(&c.profile, "profile", false, "run a build of exoplay with a pprof hook and write <scenario>.cpu.pprof, .heap.pprof (at exit) and .peakheap.pprof (largest live heap) to the out folder")
	fs.BoolVar(&c.trace, "trace", false, "with the pprof build, also write an execution trace <scenario>.trace to the out folder")
	fs.BoolVar(&c.keep, "keep", false, "keep the scratch folder (playbooks, run directories)")
	fs.Float64Var(&c.quietBusy, "quiet-busy", 15, "before each scenario, wait until other processes use under this % of the CPUs")
	fs.DurationVar(&c.quietWait, "quiet-wait", 30*time.Second, "the longest wait for a quiet machine before one measured run (0 = do not wait); the busy share is recorded either way")
	fs.StringVar(&c.harnessTrace, "harness-trace", "", "write an execution trace of the harness itself (the emulator's side) to `FILE`")
	fs.Float64Var(&c.maxOthers, "max-others", 10, "sched, cpu: measure a run again when other processes used more than this % of the machine during it")
	fs.DurationVar(&c.quietBudget, "quiet-budget", 90*time.Second, "the most time spent waiting for a quiet machine over the whole run")
	fs.IntVar(&c.retries, "retries", 1, "sched, cpu: how many times a disturbed run is measured again (the least disturbed is kept)")
	fs.BoolVar(&c.markdown, "markdown", false, "also print the table as Markdown")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("bench: unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if c.trace {
		c.profile = true
	}
	if c.quick {
		shrink := map[string]func(){
			"tenants":        func() { c.tenants = 10 },
			"mailboxes":      func() { c.mailboxes = 120 },
			"small-tenants":  func() { c.smallTenants = 0 },
			"cpu-tenants":    func() { c.cpuTenants = 4 },
			"cpu-mailboxes":  func() { c.cpuMailboxes = 250 },
			"rss-sizes":      func() { *rss = "2000,20000" },
			"register-sizes": func() { *regSizes = "2000,20000" },
			"cold-reps":      func() { c.coldReps = 3 },
		}
		for name, f := range shrink {
			if !set[name] {
				f()
			}
		}
	}
	var err error
	if c.rssSizes, err = parseInts(*rss); err != nil {
		return nil, fmt.Errorf("bench: -rss-sizes: %w", err)
	}
	if c.registerSizes, err = parseInts(*regSizes); err != nil {
		return nil, fmt.Errorf("bench: -register-sizes: %w", err)
	}
	if *regWrites != "" {
		if c.registerWrites, err = parseInts(*regWrites); err != nil {
			return nil, fmt.Errorf("bench: -register-writes: %w", err)
		}
	}
	c.only = map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !contains(scenarioOrder, s) {
			return nil, fmt.Errorf("bench: -only: unknown scenario %q (want some of %s)", s, strings.Join(scenarioOrder, ","))
		}
		c.only[s] = true
	}
	switch {
	case len(c.only) == 0:
		return nil, fmt.Errorf("bench: -only names no scenario")
	case c.cap < 1 || c.cap > 3:
		return nil, fmt.Errorf("bench: -cap %d: want 1..3 (Exchange Online's session limit)", c.cap)
	case c.tenants < 1 || c.mailboxes < 1 || c.cpuTenants < 1 || c.cpuMailboxes < 1 || c.smallTenants < 0:
		return nil, fmt.Errorf("bench: tenant and mailbox counts must be positive")
	case c.latency <= 0:
		return nil, fmt.Errorf("bench: -latency must be positive: the makespan's ideal is a multiple of it")
	case c.coldReps < 1:
		return nil, fmt.Errorf("bench: -cold-reps must be at least 1")
	}
	return c, nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive count", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// options records the effective settings in the report.
func (c *config) options() map[string]string {
	var only []string
	for _, s := range scenarioOrder {
		if c.only[s] {
			only = append(only, s)
		}
	}
	return map[string]string{
		"only": strings.Join(only, ","), "quick": strconv.FormatBool(c.quick),
		"tenants": strconv.Itoa(c.tenants), "mailboxes": strconv.Itoa(c.mailboxes),
		"latency": c.latency.String(), "cap": strconv.Itoa(c.cap), "small_tenants": strconv.Itoa(c.smallTenants),
		"cpu_tenants": strconv.Itoa(c.cpuTenants), "cpu_mailboxes": strconv.Itoa(c.cpuMailboxes),
		"rss_sizes": joinInts(c.rssSizes), "cold_reps": strconv.Itoa(c.coldReps), "cold_poll": c.coldPoll.String(),
		"profile": strconv.FormatBool(c.profile),
	}
}
