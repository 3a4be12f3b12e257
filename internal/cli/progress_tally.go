package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/exoplay/exoplay/results"
	"github.com/exoplay/exoplay/runner"
)

// ETA thresholds: no estimate is shown before etaMinCells cells and
// 1/etaMinShare of the expected cells are done; before that, a rate is
// noise (a one-tenant run would show "ETA 0s" for its whole length).
const (
	etaMinCells = 10
	etaMinShare = 20
)

// tally is what both progress displays show, counted in cells (one step of
// one tenant, or one foreach item). It is safe for concurrent use.
type tally struct {
	now func() time.Time

	mu      sync.Mutex
	start   time.Time
	tenants int
	steps   int // selected steps per tenant
	wave    string

	started, finished, failedTenants int
	runningTenants                   int
	unstartedSettled                 int // settled without starting (finished by an earlier run)
	ten                              map[string]*tenantTally
	running                          map[string]int // step -> tenants in it

	cells, cellsDone, cellsFailed int // cells: expected (planned, grown by foreach lists)
	// extraDone counts the cells that foreach lists added to tenants
	// already finished: it scales the guess for tenants not yet started.
	extraDone, tenantsSettled int

	calls, callErrors int
	throttled         int
	throttledFor      time.Duration

	errors []*errGroup // in order of first sight
	final  *results.Summary
}

type tenantTally struct {
	cells, done int
	expanded    map[string]bool // steps whose cells are known
	began       bool
	settled     bool
}

// errGroup is one error as many cells or tenants met it.
type errGroup struct {
	key     string
	first   string // "tenant/step: code: message" of the first
	count   int
	tenants map[string]bool
}

func newTally(now func() time.Time) *tally {
	return &tally{now: now, ten: map[string]*tenantTally{}, running: map[string]int{}}
}

func (t *tally) runStarted(ri runner.RunInfo) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.start, t.tenants, t.steps = t.now(), ri.Tenants, ri.Steps
	t.cells = ri.Tenants * ri.Steps
}

func (t *tally) tenant(name string) *tenantTally {
	tt := t.ten[name]
	if tt == nil {
		tt = &tenantTally{cells: t.steps, expanded: map[string]bool{}}
		t.ten[name] = tt
	}
	return tt
}

func (t *tally) waveStarted(name string, n, count, tenants int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.wave = fmt.Sprintf("%s (%d/%d, %d tenants)", name, n, count, tenants)
}

func (t *tally) tenantStarted(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.started++
	t.runningTenants++
	t.tenant(name).began = true
}

func (t *tally) stepStarted(step string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.running[step]++
}

func (t *tally) stepCells(tenant, step string, cells, done int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	tt := t.tenant(tenant)
	tt.expanded[step] = true
	tt.cells += cells - 1
	t.cells += cells - 1
	tt.done += done
	t.cellsDone += done
}

// cellDone counts a cell and returns the line to print now, if this error
// is new ("" otherwise: it is counted in its group).
func (t *tally) cellDone(tenant, step string, st results.Status, err *results.Error) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	tt := t.tenant(tenant)
	tt.done++
	t.cellsDone++
	if st != results.StatusFailed {
		return ""
	}
	t.cellsFailed++
	return t.failure(tenant, step, err)
}

func (t *tally) stepDone(tenant, step string, st results.Status) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.running[step]--; t.running[step] <= 0 {
		delete(t.running, step)
	}
	tt := t.tenant(tenant)
	if !tt.expanded[step] && st.Final() && st != results.StatusIncomplete {
		tt.done++ // decided without cells (when false, empty list): its one planned cell
		t.cellsDone++
	}
}

// tenantDone settles a finished tenant: the steps it did not run (a
// failed sign-in, a failed step before them) are decided, so done. An
// incomplete tenant keeps its unfinished cells: they are what is left.
// It returns the line to print for a tenant-level failure, if new.
func (t *tally) tenantDone(res *results.Tenant) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if res.Status != results.StatusIncomplete {
		t.finished++ // an incomplete tenant is not done: the last frame says so
	}
	tt := t.tenant(res.Name)
	if tt.began {
		t.runningTenants--
	}
	if res.Status != results.StatusIncomplete && !tt.settled {
		tt.settled = true
		if !tt.began {
			t.unstartedSettled++
		}
		t.cellsDone += tt.cells - tt.done
		t.extraDone += tt.cells - t.steps
		t.tenantsSettled++
		tt.done = tt.cells
	}
	if res.Status != results.StatusFailed {
		return ""
	}
	t.failedTenants++
	if res.Error == nil {
		return "" // a step failed: its cells were told
	}
	return t.failure(res.Name, "", res.Error)
}

// failure groups err with the identical errors seen before (the message
// without the tenant's name) and returns the line for a new one.
func (t *tally) failure(tenant, step string, err *results.Error) string {
	code, msg := "", "failed"
	if err != nil {
		code, msg = err.Code, err.Message
	}
	key := code + "\x00" + strings.ReplaceAll(msg, tenant, "")
	where := tenant
	if step != "" {
		where += "/" + step
	}
	what := msg
	if code != "" {
		what = code + ": " + msg
	}
	for _, g := range t.errors {
		if g.key == key {
			g.count++
			g.tenants[tenant] = true
			return ""
		}
	}
	t.errors = append(t.errors, &errGroup{key: key, first: where + ": " + what, count: 1, tenants: map[string]bool{tenant: true}})
	return "FAILED " + where + ": " + what
}

func (t *tally) callDone(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.calls++
	// A call the interrupt cancelled did not fail: its cell is incomplete.
	if err != nil && !errors.Is(err, context.Canceled) {
		t.callErrors++
	}
}

func (t *tally) throttle(wait time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.throttled++
	t.throttledFor += wait
}

func (t *tally) runFinished(s results.Summary) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.final = &s
}

// expected is the number of cells the run will have: the known ones, and
// for tenants not yet started, as many per tenant as the finished ones
// had (their foreach lists are not known yet).
func (t *tally) expected() int {
	if t.tenantsSettled == 0 {
		return t.cells
	}
	notStarted := max(0, t.tenants-t.started-t.unstartedSettled)
	return t.cells + notStarted*t.extraDone/t.tenantsSettled
}

// eta is the time left, from the rate of finished cells; ok is false until
// enough cells are done to say, and when nothing is left to do.
func (t *tally) eta(now time.Time) (time.Duration, bool) {
	exp, done := t.expected(), t.cellsDone
	left := exp - done
	if t.final != nil || done < etaMinCells || done*etaMinShare < exp || left <= 0 {
		return 0, false
	}
	elapsed := now.Sub(t.start)
	d := time.Duration(float64(elapsed) * float64(left) / float64(done))
	// Rounded up: "0s" is never shown while cells are left.
	return max(time.Second, (d + time.Second - 1).Truncate(time.Second)), true
}

// line is the status of the moment, for both displays.
func (t *tally) line() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var b strings.Builder
	if t.wave != "" {
		fmt.Fprintf(&b, "%s; ", t.wave)
	}
	fmt.Fprintf(&b, "cells %d/%d", t.cellsDone, t.expected())
	if t.cellsFailed > 0 {
		fmt.Fprintf(&b, " (%d failed)", t.cellsFailed)
	}
	fmt.Fprintf(&b, ", tenants %d/%d done (%d running, %d failed)", t.finished, t.tenants, t.runningTenants, t.failedTenants)
	if s := t.runningSteps(); s != "" {
		fmt.Fprintf(&b, ", step %s", s)
	}
	fmt.Fprintf(&b, ", calls %d (%d failed), throttled waits %d", t.calls, t.callErrors, t.throttled)
	if t.throttled > 0 {
		fmt.Fprintf(&b, " (%s)", t.throttledFor.Round(time.Second))
	}
	if n := len(t.errors); n > 0 {
		fmt.Fprintf(&b, ", %d distinct error(s)", n)
	}
	fmt.Fprintf(&b, ", elapsed %s", now.Sub(t.start).Round(time.Second))
	if d, ok := t.eta(now); ok {
		fmt.Fprintf(&b, ", ETA %s", d)
	}
	return b.String()
}

// runningSteps names the steps running now, the busiest first (at most 3).
func (t *tally) runningSteps() string {
	type sc struct {
		step string
		n    int
	}
	var l []sc
	for s, n := range t.running {
		l = append(l, sc{s, n})
	}
	slices.SortFunc(l, func(a, b sc) int {
		if a.n != b.n {
			return b.n - a.n
		}
		return strings.Compare(a.step, b.step)
	})
	var parts []string
	for i, x := range l {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("+%d more", len(l)-3))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%d)", x.step, x.n))
	}
	return strings.Join(parts, ", ")
}

// finalLines are the last frame: the totals, what is left undone after an
// interrupt or a stop, and each distinct error once with its count.
func (t *tally) finalLines() []string {
	status := t.line()
	t.mu.Lock()
	defer t.mu.Unlock()
	out := []string{status}
	if s := t.final; s != nil && s.Tenants.Incomplete > 0 {
		why := "stopped"
		if s.Interrupted {
			why = "interrupted"
		}
		out = append(out, fmt.Sprintf("%s: %d of %d tenant(s) incomplete, %d of %d cell(s) not done; --resume finishes them",
			why, s.Tenants.Incomplete, s.Tenants.Total, max(0, t.expected()-t.cellsDone), t.expected()))
	}
	for _, g := range t.errors {
		if g.count == 1 {
			out = append(out, "error: "+g.first)
			continue
		}
		out = append(out, fmt.Sprintf("error ×%d (%d tenant(s)), first %s", g.count, len(g.tenants), g.first))
	}
	return out
}
