package runner_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exoplay/exoplay/internal/category"
	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
	"github.com/exoplay/exoplay/runner"
)

// turns records, through the Observer and a wrapper of the real connector,
// when each tenant's turn started and when it was signed in: a sign-in
// before its tenant's turn was done ahead.
type turns struct {
	runner.NopObserver
	runner.Connector
	mu      sync.Mutex
	started map[string]bool
	connect []string                       // tenants in the order Connect was called
	ahead   map[string]bool                // Connect called before the tenant's turn
	pending int                            // signed in ahead, turn not started yet
	most    int                            // the largest pending
	signal  map[string]chan struct{}       // closed when the tenant's Connect was called
	refuse  func(t *playbook.Tenant) error // nil = call the real connector
}

func newTurns(c runner.Connector) *turns {
	return &turns{Connector: c, started: map[string]bool{}, ahead: map[string]bool{}, signal: map[string]chan struct{}{}}
}

func (o *turns) sig(name string) chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.signal[name] == nil {
		o.signal[name] = make(chan struct{})
	}
	return o.signal[name]
}

func (o *turns) TenantStarted(name string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.started[name] = true
	if o.ahead[name] {
		o.pending--
	}
}

func (o *turns) Connect(ctx context.Context, t *playbook.Tenant) (runner.Session, error) {
	o.mu.Lock()
	o.connect = append(o.connect, t.Name)
	if !o.started[t.Name] {
		o.ahead[t.Name] = true
		o.pending++
		o.most = max(o.most, o.pending)
	}
	o.mu.Unlock()
	close(o.sig(t.Name)) // once per tenant: the tests check it
	if o.refuse != nil {
		if err := o.refuse(t); err != nil {
			return nil, err
		}
	}
	return o.Connector.Connect(ctx, t)
}

// waitSession makes the first call of a tenant wait until another tenant's
// sign-in began: with one tenant at a time, that happens only if it is
// signed in ahead.
type waitSession struct {
	runner.Connector
	o      *turns
	holder string
	waitOn string
	err    chan error
}

func (w *waitSession) Connect(ctx context.Context, t *playbook.Tenant) (runner.Session, error) {
	s, err := w.Connector.Connect(ctx, t)
	if err != nil || t.Name != w.holder {
		return s, err
	}
	return &heldSession{Session: s, w: w}, nil
}

type heldSession struct {
	runner.Session
	w *waitSession
}

func (h *heldSession) Invoke(ctx context.Context, c runner.Call, lim runner.Limiter, emit func(json.RawMessage) error) (runner.CallStats, error) {
	select {
	case <-h.w.o.sig(h.w.waitOn):
	case <-time.After(10 * time.Second):
		h.w.err <- fmt.Errorf("%s's sign-in did not start while %s held the only place", h.w.waitOn, h.w.holder)
	}
	return h.Session.Invoke(ctx, c, lim, emit)
}

func fleetYAML(n int, settings string, auth func(i int) string) string {
	var b strings.Builder
	b.WriteString("version: 1\nname: fleet\nsettings: {" + settings + "}\n")
	b.WriteString("auth:\n  prompt: {method: interactive}\n  code: {method: device_code}\n")
	b.WriteString("tenants:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {name: t%02d, organization: t%02d.onmicrosoft.com, environment: Emulator%s}\n", i, i, auth(i))
	}
	b.WriteString("steps:\n  - {name: Org, id: org, cmdlet: Get-OrganizationConfig}\n")
	return b.String()
}

func fleetEnv(t *testing.T, n int, settings string, auth func(i int) string) *env {
	var specs []emulator.TenantSpec
	for i := range n {
		specs = append(specs, emulator.TenantSpec{Domain: fmt.Sprintf("t%02d.onmicrosoft.com", i), Mailboxes: 1})
	}
	return startEnv(t, emulator.Options{Tenants: specs}, fleetYAML(n, settings, auth))
}

func noAuth(int) string { return "" }

// Issue 13 item 7: with one tenant at a time, the next tenant signs in
// while the first one holds the place; the journal still says, per tenant,
// tenant_started, then signed_in, then its steps, in turn order.
func TestSignInAheadRunsWhileEarlierTenantsHoldTheirPlace(t *testing.T) {
	t.Parallel()
	e := fleetEnv(t, 3, "max_parallel_tenants: 1", noAuth)
	o := newTurns(e.connector())
	w := &waitSession{Connector: o, o: o, holder: "t00", waitOn: "t01", err: make(chan error, 1)}
	res, rd := e.run(context.Background(), runner.Options{Connector: w, Observer: o}, "")
	select {
	case err := <-w.err:
		t.Fatal(err)
	default:
	}
	if res.Summary.ExitCode != results.ExitOK {
		t.Fatalf("exit %d, want 0", res.Summary.ExitCode)
	}
	if !o.ahead["t01"] || !o.ahead["t02"] {
		t.Fatalf("signed in ahead: %v, want t01 and t02", o.ahead)
	}
	f, err := os.Open(filepath.Join(rd.Path(), "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	evs, err := results.ReadEvents(f)
	if err != nil {
		t.Fatal(err)
	}
	var seq []string
	for _, ev := range evs {
		if ev.Tenant != "" && (ev.Type == results.EventTenantStarted || ev.Type == results.EventSignedIn || ev.Type == results.EventTenantDone) {
			seq = append(seq, ev.Tenant+":"+ev.Type)
		}
	}
	var want []string
	for _, n := range []string{"t00", "t01", "t02"} {
		want = append(want, n+":"+results.EventTenantStarted, n+":"+results.EventSignedIn, n+":"+results.EventTenantDone)
	}
	if strings.Join(seq, " ") != strings.Join(want, " ") {
		t.Fatalf("journal order:\n got %v\nwant %v", seq, want)
	}
}

// Methods that may prompt are never signed in ahead: their sign-in starts
// in their own turn (a prompt for a tenant that is not running would be
// wrong). The test refuses them instead of prompting.
func TestSignInAheadNeverForMethodsThatMayPrompt(t *testing.T) {
	t.Parallel()
	e := fleetEnv(t, 6, "max_parallel_tenants: 1", func(i int) string {
		switch i % 3 {
		case 1:
			return ", auth: prompt"
		case 2:
			return ", auth: code"
		}
		return ""
	})
	o := newTurns(e.connector())
	o.refuse = func(t *playbook.Tenant) error {
		if t.Auth != "" {
			return errors.New("test: no prompts here")
		}
		return nil
	}
	res, _ := e.run(context.Background(), runner.Options{Connector: o, Observer: o}, "")
	for _, name := range []string{"t01", "t02", "t04", "t05"} {
		if o.ahead[name] {
			t.Errorf("%s (may prompt) was signed in before its turn", name)
		}
		if tr := tenantOf(t, res, name); tr.Status != results.StatusFailed || tr.Error == nil || tr.Error.Category != category.Auth {
			t.Errorf("%s: %s %+v, want its own sign-in failure", name, tr.Status, tr.Error)
		}
	}
	if len(o.connect) != 6 {
		t.Fatalf("sign-ins %v, want one per tenant", o.connect)
	}
}

// The look-ahead is bounded by max_parallel_tenants: a large fleet does
// not fetch every token up front.
func TestSignInAheadIsBounded(t *testing.T) {
	t.Parallel()
	e := fleetEnv(t, 24, "max_parallel_tenants: 2", noAuth)
	o := newTurns(e.connector())
	res, _ := e.run(context.Background(), runner.Options{Connector: o, Observer: o}, "")
	if res.Summary.ExitCode != results.ExitOK {
		t.Fatalf("exit %d", res.Summary.ExitCode)
	}
	if o.most > 2 {
		t.Fatalf("%d tenants were signed in ahead at once, want at most max_parallel_tenants (2)", o.most)
	}
	if len(o.connect) != 24 {
		t.Fatalf("%d sign-ins, want 24 (one per tenant)", len(o.connect))
	}
}

// Tenants the run will not start are not signed in: a blocked tenant
// never, and after fail_fast stopped the run, none beyond the bounded
// look-ahead already under way.
func TestSignInAheadSkipsTenantsThatWillNotRun(t *testing.T) {
	t.Parallel()
	e := fleetEnv(t, 8, "max_parallel_tenants: 1, fail_fast: true", noAuth)
	o := newTurns(e.connector())
	_, _ = e.run(context.Background(), runner.Options{Connector: o, Observer: o, Blocked: map[string]string{"t00": "test: blocked"}}, "")
	for _, n := range o.connect {
		if n == "t00" {
			t.Fatal("the blocked tenant was signed in")
		}
	}
	notStarted := 0
	for _, n := range o.connect {
		if !o.started[n] {
			notStarted++
		}
	}
	if notStarted > 1 {
		t.Fatalf("%d tenants that never started were signed in (%v), want at most the look-ahead (1)", notStarted, o.connect)
	}

}

// drainAfter interrupts the run (as a first Ctrl-C) when a tenant is done.
type drainAfter struct {
	*turns
	tenant string
	drain  chan struct{}
}

func (d *drainAfter) TenantDone(tr *results.Tenant) {
	if tr.Name == d.tenant {
		close(d.drain)
	}
}

// A resume signs in none of the tenants an earlier run finished.
func TestSignInAheadSkipsTenantsAResumeFinished(t *testing.T) {
	t.Parallel()
	e := fleetEnv(t, 8, "max_parallel_tenants: 1", noAuth)
	o := newTurns(e.connector())
	d := &drainAfter{turns: o, tenant: "t00", drain: make(chan struct{})}
	first, rd := e.run(context.Background(), runner.Options{Connector: o, Observer: d, Drain: d.drain}, "")
	if !first.Summary.Interrupted || tenantOf(t, first, "t00").Status != results.StatusOK {
		t.Fatalf("first run: interrupted %v, t00 %s; want an interrupted run with t00 done", first.Summary.Interrupted, tenantOf(t, first, "t00").Status)
	}
	rd.Close()
	o2 := newTurns(e.connector())
	res, _ := e.run(context.Background(), runner.Options{Connector: o2, Observer: o2}, rd.Path())
	for _, n := range o2.connect {
		if n == "t00" {
			t.Fatal("the resume signed in a tenant the earlier run finished")
		}
	}
	if len(o2.connect) != 7 || res.Summary.ExitCode != results.ExitOK {
		t.Fatalf("resume signed in %v (exit %d), want the 7 unfinished tenants, each run", o2.connect, res.Summary.ExitCode)
	}
}
