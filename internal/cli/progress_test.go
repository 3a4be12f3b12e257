package cli

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exoplay/exoplay/results"
	"github.com/exoplay/exoplay/runner"
)

// syncBuffer is a bytes.Buffer safe for the ticker goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fakeClock is an injected clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)}
}
func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func tenantResult(name string, st results.Status, err *results.Error) *results.Tenant {
	started := time.Now()
	return &results.Tenant{Name: name, Status: st, Error: err, Started: &started}
}

// stepWith runs one step of n cells for tenant through o.
func stepWith(o runner.Observer, tenant, step string, n int, st results.Status, err *results.Error) {
	o.StepStarted(tenant, step)
	o.StepCells(tenant, step, n, 0)
	for range n {
		o.CallDone(tenant, step, runner.CallStats{Attempts: 1}, nil)
		o.CellDone(tenant, step, st, err)
	}
	o.StepDone(tenant, step, st)
}

func feed(o runner.Observer) {
	o.RunStarted(runner.RunInfo{Tenants: 2, Steps: 1})
	o.TenantStarted("contoso")
	o.TenantStarted("fabrikam")
	stepWith(o, "contoso", "org", 1, results.StatusOK, nil)
	o.CallDone("fabrikam", "org", runner.CallStats{Attempts: 2}, errors.New("boom"))
	o.StepStarted("fabrikam", "org")
	o.StepCells("fabrikam", "org", 1, 0)
	o.CellDone("fabrikam", "org", results.StatusFailed, &results.Error{Code: "boom", Message: "it broke"})
	o.StepDone("fabrikam", "org", results.StatusFailed)
	o.Throttled("tid", time.Second)
	o.TenantDone(tenantResult("contoso", results.StatusOK, nil))
	o.TenantDone(tenantResult("fabrikam", results.StatusFailed, nil))
	o.RunFinished(results.Summary{Tenants: results.Counts{Total: 2, OK: 1, Failed: 1}})
}

func TestPlainProgress(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	feed(newPlainProgress(&buf, time.Hour, newFakeClock().now))
	out := buf.String()
	for _, want := range []string{
		"progress: starting 2 tenant(s), 1 step(s) each",
		"progress: FAILED fabrikam/org: boom: it broke",
		"progress: tenant contoso ok (1/2)",
		"progress: tenant fabrikam failed (2/2)",
		"progress: cells 2/2 (1 failed), tenants 2/2 done (0 running, 1 failed), calls 2 (1 failed), throttled waits 1 (1s), 1 distinct error(s)",
		"progress: error: fabrikam/org: boom: it broke",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plain progress lacks %q:\n%s", want, out)
		}
	}
	// The failure is told when it happens, before its tenant is done.
	if strings.Index(out, "FAILED fabrikam/org") > strings.Index(out, "tenant fabrikam failed") {
		t.Errorf("the failure is printed after its tenant's end:\n%s", out)
	}
}

// The ETA comes from finished cells, only once enough are done, and is
// never "0s" while cells are left: a one-tenant run of 40 items at a
// steady second per item shows no ETA for its first items, then the time
// its remaining items take.
func TestProgressETAFromCells(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	ta := newTally(clk.now)
	ta.runStarted(runner.RunInfo{Tenants: 1, Steps: 1})
	ta.tenantStarted("contoso")
	ta.stepStarted("set")
	ta.stepCells("contoso", "set", 40, 0)
	for i := 1; i <= 40; i++ {
		clk.add(time.Second)
		ta.cellDone("contoso", "set", results.StatusChanged, nil)
		line := ta.line()
		switch {
		case i < etaMinCells && strings.Contains(line, "ETA"):
			t.Fatalf("after %d of 40 cells: an ETA already: %s", i, line)
		case i >= etaMinCells && i < 40 && !strings.Contains(line, fmt.Sprintf("ETA %s", time.Duration(40-i)*time.Second)):
			t.Fatalf("after %d of 40 cells at 1s each: %s, want ETA %ds", i, line, 40-i)
		case i == 40 && strings.Contains(line, "ETA"):
			t.Fatalf("nothing left, an ETA: %s", line)
		}
		if strings.Contains(line, "ETA 0s") {
			t.Fatalf("a fake ETA 0s: %s", line)
		}
	}
	if !strings.Contains(ta.line(), "cells 40/40") || !strings.Contains(ta.line(), "step set (1)") {
		t.Errorf("status %s", ta.line())
	}
	// A one-tenant, one-call run never has enough cells for an ETA.
	one := newTally(clk.now)
	one.runStarted(runner.RunInfo{Tenants: 1, Steps: 1})
	clk.add(30 * time.Second)
	if l := one.line(); strings.Contains(l, "ETA") || !strings.Contains(l, "cells 0/1") {
		t.Errorf("one cell: %s", l)
	}
}

// Tenants not yet started are expected to have as many cells as the
// finished ones had (their foreach lists are not known yet), so the ETA
// of a many-tenant run does not drop to nothing after the first tenants.
func TestProgressExpectsForeachCellsOfTenantsNotStarted(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	ta := newTally(clk.now)
	ta.runStarted(runner.RunInfo{Tenants: 4, Steps: 2})
	for _, n := range []string{"a01", "a02"} {
		ta.tenantStarted(n)
		ta.stepCells(n, "list", 1, 0)
		ta.cellDone(n, "list", results.StatusOK, nil)
		ta.stepCells(n, "set", 10, 0)
		for range 10 {
			clk.add(time.Second)
			ta.cellDone(n, "set", results.StatusChanged, nil)
		}
		ta.tenantDone(tenantResult(n, results.StatusChanged, nil))
	}
	if got := ta.expected(); got != 44 {
		t.Errorf("expected cells %d, want 44 (2 tenants × 11 done, 2 not started × 11)", got)
	}
	if l := ta.line(); !strings.Contains(l, "cells 22/44") || !strings.Contains(l, "ETA 20s") {
		t.Errorf("status %s, want cells 22/44 and ETA 20s", l)
	}
}

// After an interrupt the last frame says what is left: not "6/6".
func TestProgressFinalFrameAfterInterrupt(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	p := newPlainProgress(&buf, time.Hour, newFakeClock().now)
	p.RunStarted(runner.RunInfo{Tenants: 6, Steps: 2})
	p.TenantStarted("t1")
	stepWith(p, "t1", "a", 1, results.StatusOK, nil)
	stepWith(p, "t1", "b", 1, results.StatusOK, nil)
	p.TenantDone(tenantResult("t1", results.StatusOK, nil))
	p.TenantStarted("t2")
	p.StepStarted("t2", "a")
	p.StepCells("t2", "a", 5, 0)
	p.CellDone("t2", "a", results.StatusOK, nil)
	p.StepDone("t2", "a", results.StatusIncomplete)
	p.TenantDone(tenantResult("t2", results.StatusIncomplete, nil))
	for _, n := range []string{"t3", "t4", "t5", "t6"} {
		p.TenantDone(&results.Tenant{Name: n, Status: results.StatusIncomplete})
	}
	p.RunFinished(results.Summary{Interrupted: true, Tenants: results.Counts{Total: 6, OK: 1, Incomplete: 5}})
	out := buf.String()
	want := "progress: interrupted: 5 of 6 tenant(s) incomplete, 13 of 16 cell(s) not done; --resume finishes them"
	if !strings.Contains(out, want) || !strings.Contains(out, "cells 3/16") {
		t.Errorf("last frame lacks %q and cells 3/16:\n%s", want, out)
	}
}

// One error met by many tenants is one line as it happens and one line
// with its count at the end (was: a line per tenant and step).
func TestProgressGroupsIdenticalErrors(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	p := newPlainProgress(&buf, time.Hour, newFakeClock().now)
	p.RunStarted(runner.RunInfo{Tenants: 60, Steps: 4})
	for i := range 60 {
		n := fmt.Sprintf("cust%02d", i)
		p.TenantStarted(n)
		p.TenantDone(tenantResult(n, results.StatusFailed, &results.Error{Code: "AADSTS7000215", Message: "tenant " + n + ".onmicrosoft.com: the client secret is wrong"}))
	}
	p.RunFinished(results.Summary{Tenants: results.Counts{Total: 60, Failed: 60}})
	out := buf.String()
	if c := strings.Count(out, "the client secret is wrong"); c != 2 {
		t.Errorf("the error is printed %d times, want 2 (when it happens, in the final frame):\n%s", c, out)
	}
	if !strings.Contains(out, "error ×60 (60 tenant(s)), first cust00: AADSTS7000215") || !strings.Contains(out, "cells 240/240") {
		t.Errorf("no grouped error with its count:\n%s", out)
	}
}

// The periodic status line is printed on each tick with the counts of the
// moment (driven by an injected ticker, not by waiting); waves are shown.
func TestPlainProgressTicks(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	clk := newFakeClock()
	p := newPlainProgress(&buf, time.Hour, clk.now)
	ticks := make(chan time.Time)
	stopped := false
	p.ticker = func(d time.Duration) (<-chan time.Time, func()) {
		if d != time.Hour {
			t.Errorf("ticker interval %s, want the one given", d)
		}
		return ticks, func() { stopped = true }
	}
	p.RunStarted(runner.RunInfo{Tenants: 2, Steps: 1})
	p.WaveStarted("canary", 1, 2, 1)
	p.TenantStarted("contoso")
	p.StepStarted("contoso", "org")
	clk.add(42 * time.Second)
	// Unbuffered: the second send returns only once the first line is out.
	for range 2 {
		select {
		case ticks <- clk.now():
		case <-time.After(10 * time.Second): // a safety net, not timing
			t.Fatal("the status goroutine does not read its ticker")
		}
	}
	want := "progress: canary (1/2, 1 tenants); cells 0/2, tenants 0/2 done (1 running, 0 failed), step org (1), calls 0 (0 failed), throttled waits 0, elapsed 42s"
	if out := buf.String(); !strings.Contains(out, want) || !strings.Contains(out, "progress: canary started (wave 1 of 2, 1 tenant(s))") {
		t.Errorf("no status line %q on a tick:\n%s", want, out)
	}
	p.RunFinished(results.Summary{})
	if !stopped {
		t.Error("the ticker was not stopped")
	}
}

func TestProgressModes(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	feed(newProgress("none", &buf, true))
	if buf.String() != "" {
		t.Fatalf("--progress none wrote %q", buf.String())
	}
	if _, ok := newProgress("auto", &buf, false).(*plainProgress); !ok {
		t.Fatal("auto without a terminal is not plain")
	}
	var tty syncBuffer
	live := newProgress("auto", &tty, true)
	if _, ok := live.(*liveProgress); !ok {
		t.Fatal("auto on a terminal is not the live view")
	}
	feed(live)
	out := tty.String()
	for _, want := range []string{"FAILED fabrikam/org: boom: it broke", "cells 2/2 (1 failed)", "calls 2 (1 failed), throttled waits 1", "error: fabrikam/org"} {
		if !strings.Contains(out, want) {
			t.Errorf("live view lacks %q: %q", want, out)
		}
	}
}
