package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/trace"
	"syscall"
	"time"
)

type scenarioFunc func(context.Context, *harness, *config) ([]Figure, error)

var scenarios = map[string]scenarioFunc{
	"cold":     coldScenario,
	"sched":    schedScenario,
	"cpu":      cpuScenario,
	"rss":      rssScenario,
	"register": registerScenario,
}

func main() {
	if spec := os.Getenv(floorEnv); spec != "" {
		os.Exit(floorMain(spec))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole harness; it returns the exit code: 0 when every scenario
// was measured (aims missed included: they are findings, not failures),
// 1 when one could not be, 2 on bad flags.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseConfig(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	logf := func(format string, a ...any) {
		fmt.Fprintf(stderr, "bench %s  %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, a...))
	}
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if c.out == "" {
		c.out = filepath.Join(root, "bench", "out")
	}
	tmp, err := os.MkdirTemp("", "exoplay-bench-")
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	if c.keep {
		logf("scratch folder kept: %s", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	h := &harness{root: root, tmp: tmp, out: c.out, profile: c.profile, trace: c.trace, log: logf,
		quietBusy: c.quietBusy, quietWait: c.quietWait, waitLeft: c.quietBudget, maxOthers: c.maxOthers, retries: c.retries}
	began := time.Now()
	logf("building the binary under test")
	if err := h.build(ctx); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if c.harnessTrace != "" {
		f, err := os.Create(c.harnessTrace)
		if err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return 1
		}
		defer f.Close()
		if err := trace.Start(f); err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return 1
		}
		defer trace.Stop()
	}
	rep := &Report{Date: began.UTC(), Machine: describeMachine(), Options: c.options()}
	for _, name := range scenarioOrder {
		if !c.only[name] || ctx.Err() != nil {
			continue
		}
		t := time.Now()
		figs, err := scenarios[name](ctx, h, c)
		rep.Figures = append(rep.Figures, figs...)
		if err != nil {
			rep.Errors = append(rep.Errors, name+": "+err.Error())
			logf("%s FAILED: %v", name, err)
			continue
		}
		logf("%s done in %s", name, time.Since(t).Round(time.Millisecond))
	}
	rep.Conditions = h.conditions
	if ctx.Err() != nil {
		rep.Errors = append(rep.Errors, "interrupted")
	}
	rep.Duration = time.Since(began).Seconds()

	m := rep.Machine
	fmt.Fprintf(stdout, "exoplay bench %s — %d × %s, %s, %s\n\n", rep.Date.Format("2006-01-02 15:04 MST"), m.NumCPU, m.CPUModel, m.Go, m.OS)
	printTable(stdout, rep.Figures)
	fmt.Fprintln(stdout)
	for _, cd := range rep.Conditions {
		fmt.Fprintf(stdout, "before %-16s the machine was %3.0f%% busy with other work (load %.2f)\n", cd.Scenario, cd.Busy, cd.Load1)
	}
	if c.markdown {
		fmt.Fprintln(stdout)
		printMarkdown(stdout, rep.Figures)
	}
	for _, e := range rep.Errors {
		fmt.Fprintln(stdout, "\nnot measured:", e)
	}
	p, err := writeReport(c.out, rep)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "\nreport: %s (%.0f s)\n", p, rep.Duration)
	if len(rep.Errors) > 0 {
		return 1
	}
	return 0
}
