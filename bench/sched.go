package main

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"time"

	"github.com/exoplay/exoplay/internal/emulator"
)

// schedRun is one foreach-write run: n tenants × m mailboxes.
type schedRun struct {
	tenants, mailboxes int
	latency            time.Duration
	cap                int
	reads              bool // the foreach reads each mailbox instead of writing it

	child        *childResult
	makespan     time.Duration // first write applied -> last write applied, + one latency
	tenantWorst  time.Duration // the slowest tenant's own write makespan
	ideal        time.Duration
	minIn, maxIn int // emulator MaxInFlight over tenants
	throttled    int
	calls        int // InvokeCommand calls and pages the emulator counted
}

func (r *schedRun) ratio() float64 { return r.makespan.Seconds() / r.ideal.Seconds() }

// measureSched runs the list + foreach playbook of shape and reads the write
// makespan from the emulator's write timestamps. A write's At is when the
// emulator applied it, at the end of its latency, so the step's makespan is
// last - first + one latency (the first write's own service time).
func measureSched(ctx context.Context, h *harness, shape schedRun, profileName string) (*schedRun, error) {
	return quietest(h, profileName, func(r *schedRun) *childResult { return r.child },
		func() (*schedRun, error) { return measureSchedOnce(ctx, h, shape, profileName) })
}

func measureSchedOnce(ctx context.Context, h *harness, shape schedRun, profileName string) (*schedRun, error) {
	r := &shape
	e, err := h.startEmulator(emulator.Options{
		Tenants: benchTenants(r.tenants, r.mailboxes), Seed: 1,
		Latency: emulator.LatencySpec{Fixed: r.latency}, ConcurrencyCap: r.cap,
	})
	if err != nil {
		return nil, err
	}
	defer e.emu.Close()
	settings := map[string]int{"max_parallel_tenants": r.tenants}
	if r.cap != 3 {
		settings["max_sessions_per_org"] = r.cap
	}
	steps, what := readWriteSteps, "writes"
	if r.reads {
		steps, what = readReadSteps, "reads"
	}
	pb, err := h.writePlaybook(playbookSpec{Name: "bench-sched", Settings: settings, Steps: steps}, e.emu)
	if err != nil {
		return nil, err
	}
	h.settle(ctx, fmt.Sprintf("%s %d×%d", profileName, r.tenants, r.mailboxes))
	h.log("%s: %d tenants × %d %s, latency %s, cap %d", profileName, r.tenants, r.mailboxes, what, r.latency, r.cap)
	if r.child, err = h.run(ctx, e, pb, profileName); err != nil {
		return nil, err
	}
	if f := r.child.Results.failed(); len(f) > 0 {
		return nil, fmt.Errorf("%d steps did not succeed, e.g. %v", len(f), f[:min(3, len(f))])
	}
	r.ideal = time.Duration(math.Ceil(float64(r.mailboxes)/float64(r.cap))) * r.latency
	if err := r.fromCounters(e.emu.Counters()); err != nil {
		return nil, err
	}
	return r, nil
}

// fromCounters reads the write makespan, in-flight maxima, 429s and calls
// from what the emulator saw.
func (r *schedRun) fromCounters(c emulator.Counters) error {
	var first, last time.Time
	writes := 0
	r.minIn = math.MaxInt
	for _, tc := range c.Tenants {
		r.calls += tc.Requests
		r.throttled += tc.Throttled
		r.minIn, r.maxIn = min(r.minIn, tc.MaxInFlight), max(r.maxIn, tc.MaxInFlight)
		if len(tc.Writes) == 0 {
			continue
		}
		writes += len(tc.Writes)
		f, l := tc.Writes[0].At, tc.Writes[len(tc.Writes)-1].At
		r.tenantWorst = max(r.tenantWorst, l.Sub(f)+r.latency)
		if first.IsZero() || f.Before(first) {
			first = f
		}
		if l.After(last) {
			last = l
		}
	}
	if r.reads {
		if writes != 0 {
			return fmt.Errorf("the emulator applied %d writes in a read-only run", writes)
		}
		return nil
	}
	if want := r.tenants * r.mailboxes; writes != want {
		return fmt.Errorf("the emulator applied %d writes, want %d (one per mailbox)", writes, want)
	}
	r.makespan = last.Sub(first) + r.latency
	return nil
}

func schedScenario(ctx context.Context, h *harness, c *config) ([]Figure, error) {
	cmd := fmt.Sprintf("go run ./bench -only sched -tenants %d -mailboxes %d -latency %s -cap %d", c.tenants, c.mailboxes, c.latency, c.cap)
	r, err := measureSched(ctx, h, schedRun{tenants: c.tenants, mailboxes: c.mailboxes, latency: c.latency, cap: c.cap}, "sched")
	if err != nil {
		return nil, err
	}
	label := fmt.Sprintf("%d tenants × %d writes", r.tenants, r.mailboxes)
	figs := schedFigures(r, label, cmd, "≤ 1.10")
	cpu := r.child.CPU()
	figs = append(figs,
		Figure{Scenario: "sched", Name: "sched: whole run (results.json duration)", Value: r.child.Results.Summary.DurationSeconds, Unit: "s",
			Shown:   fmt.Sprintf("%.3f s", r.child.Results.Summary.DurationSeconds),
			Command: cmd, Detail: fmt.Sprintf("child process wall %s incl. start-up and sign-in; %d calls; peak RSS %s; %d TCP connections opened machine-wide (%d tenants × %d sessions + token requests would need about %d)",
				secs(r.child.Wall), r.child.Results.Summary.Calls, mib(r.child.MaxRSSKiB), r.child.TCPOpens, r.tenants, r.cap, r.tenants*r.cap+1)},
		Figure{Scenario: "sched", Name: "sched: emulator MaxInFlight per tenant (min..max)", Value: float64(r.maxIn), Unit: "requests",
			Shown: fmt.Sprintf("%d..%d, %d × 429", r.minIn, r.maxIn, r.throttled),
			Aim:   fmt.Sprintf("= %d, no 429", r.cap), Met: boolPtr(r.minIn == r.cap && r.maxIn == r.cap && r.throttled == 0),
			Command: cmd},
		Figure{Scenario: "sched", Name: "sched: machine CPU busy (client + emulator | other processes)", Value: busy(r.child), Unit: "%",
			Shown:   fmt.Sprintf("%.0f%% | %s", busy(r.child), others(r.child)),
			Command: cmd,
			Detail: fmt.Sprintf("client %s + emulator %s CPU over %d cores × %s wall; other processes %s", secs(cpu), secs(r.child.HarnessCPU),
				runtime.NumCPU(), secs(r.child.Wall), secs(max(0, r.child.OthersCPU)))},
		Figure{Scenario: "sched", Name: "sched: CPU bound of the run ((client + emulator CPU) ÷ cores)", Value: cpuBound(r.child).Seconds(), Unit: "s",
			Shown:   fmt.Sprintf("%s = %.2f × ideal", secs(cpuBound(r.child)), cpuBound(r.child).Seconds()/r.ideal.Seconds()),
			Command: cmd,
			Detail: fmt.Sprintf("the shortest the whole run could be with every core busy: client %s + emulator %s (%.3f s per 10,000 calls) over %d cores",
				secs(cpu), secs(r.child.HarnessCPU), per10k(r.child.HarnessCPU, r.calls), runtime.NumCPU())},
		Figure{Scenario: "sched", Name: "sched: client CPU per 10,000 calls (this run)", Value: per10k(cpu, r.calls), Unit: "s",
			Shown: fmt.Sprintf("%.3f s", per10k(cpu, r.calls)), Aim: "≤ 0.5 s", Met: boolPtr(per10k(cpu, r.calls) <= 0.5),
			Command: cmd, Detail: fmt.Sprintf("user %s + sys %s over %d calls", secs(r.child.User), secs(r.child.Sys), r.calls)},
	)
	f, err := floorFigure(ctx, h, r, cmd)
	if err != nil {
		return figs, err
	}
	figs = append(figs, f)
	if c.smallTenants > 0 && c.smallTenants != c.tenants {
		// The same shape with few tenants: the scheduler alone, off the CPU limit.
		scmd := fmt.Sprintf("go run ./bench -only sched -tenants %d -mailboxes %d -latency %s -cap %d -small-tenants 0", c.smallTenants, c.mailboxes, c.latency, c.cap)
		s, err := measureSched(ctx, h, schedRun{tenants: c.smallTenants, mailboxes: c.mailboxes, latency: c.latency, cap: c.cap}, "sched-small")
		if err != nil {
			return figs, err
		}
		figs = append(figs, schedFigures(s, fmt.Sprintf("%d tenants × %d writes", s.tenants, s.mailboxes), scmd, "≤ 1.10 (diagnostic)")...)
		f, err := floorFigure(ctx, h, s, scmd)
		if err != nil {
			return figs, err
		}
		figs = append(figs, f)
	}
	return figs, nil
}

// floorFigure measures the floor for the shape of r.
func floorFigure(ctx context.Context, h *harness, r *schedRun, cmd string) (Figure, error) {
	f, err := measureFloor(ctx, h, r.tenants, r.mailboxes, r.latency, r.cap)
	if err != nil {
		return Figure{}, err
	}
	return Figure{
		Scenario: "sched", Name: fmt.Sprintf("sched: floor — same %d × %d writes from a minimal Go client", f.tenants, f.mailboxes), Value: f.ratio(), Unit: "ratio",
		Shown:   fmt.Sprintf("%.2f (%s / %s)", f.ratio(), secs(f.makespan), secs(f.ideal)),
		Command: cmd,
		Detail: fmt.Sprintf("what the emulator and this machine allow: %d tenants × %d workers sending back to back from their own process; client CPU %s; machine busy %.0f%% (client + emulator), others %s; %d TCP connections opened machine-wide",
			f.tenants, f.cap, secs(f.child.CPU()), busy(f.child), others(f.child), f.child.TCPOpens),
	}, nil
}

// schedFigures renders the makespan ratio of one run.
func schedFigures(r *schedRun, label, cmd, aim string) []Figure {
	return []Figure{{
		Scenario: "sched", Name: "sched: write makespan ÷ ideal (" + label + ")", Value: r.ratio(), Unit: "ratio",
		Shown: fmt.Sprintf("%.2f (%s / %s)", r.ratio(), secs(r.makespan), secs(r.ideal)),
		Aim:   aim, Met: boolPtr(r.ratio() <= 1.10), Command: cmd,
		Detail: fmt.Sprintf("ideal = ceil(%d/%d) × %s; slowest tenant alone %s; %d tenants at once, latency %s, cap %d; other processes %s of the machine",
			r.mailboxes, r.cap, r.latency, secs(r.tenantWorst), r.tenants, r.latency, r.cap, others(r.child)),
	}}
}

// busy is the share of the machine's CPU the child and the emulator used.
func busy(c *childResult) float64 {
	return 100 * (c.CPU() + c.HarnessCPU).Seconds() / (c.Wall.Seconds() * float64(runtime.NumCPU()))
}

// cpuBound is the CPU the client and the emulator used, spread over every core.
func cpuBound(c *childResult) time.Duration {
	return (c.CPU() + c.HarnessCPU) / time.Duration(runtime.NumCPU())
}

// others is the share of the machine other processes used during the run.
func others(c *childResult) string {
	if c.OthersCPU < 0 {
		return "?"
	}
	return fmt.Sprintf("%.0f%%", 100*c.OthersCPU.Seconds()/(c.Wall.Seconds()*float64(runtime.NumCPU())))
}

// per10k scales CPU time to 10,000 calls.
func per10k(cpu time.Duration, calls int) float64 {
	if calls == 0 {
		return math.Inf(1)
	}
	return cpu.Seconds() / float64(calls) * 10000
}
