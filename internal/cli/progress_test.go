package cli

import (
	"bytes"
	"errors"
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

func feed(o runner.Observer) {
	o.RunStarted(2)
	o.TenantStarted("contoso")
	o.TenantStarted("fabrikam")
	o.CallDone("contoso", "org", runner.CallStats{Attempts: 1}, nil)
	o.CallDone("fabrikam", "org", runner.CallStats{Attempts: 2}, errors.New("boom"))
	o.Throttled("tid", time.Second)
	o.TenantDone("contoso", results.StatusOK)
	o.TenantDone("fabrikam", results.StatusFailed)
	o.RunFinished(results.Summary{})
}

func TestPlainProgress(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	feed(newPlainProgress(&buf, time.Hour, func() time.Time { return now }))
	out := buf.String()
	for _, want := range []string{
		"progress: starting 2 tenant(s)",
		"progress: tenant contoso ok (1/2)",
		"progress: tenant fabrikam failed (2/2)",
		"progress: 2/2 tenants done (0 running, 1 failed), calls 2 (1 failed), throttled waits 1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plain progress lacks %q:\n%s", want, out)
		}
	}
}

// The periodic status line is printed on each tick with the counts of the
// moment (driven by an injected ticker, not by waiting).
func TestPlainProgressTicks(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	start := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	now := start
	var mu sync.Mutex
	p := newPlainProgress(&buf, time.Hour, func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	ticks := make(chan time.Time)
	stopped := false
	p.ticker = func(d time.Duration) (<-chan time.Time, func()) {
		if d != time.Hour {
			t.Errorf("ticker interval %s, want the one given", d)
		}
		return ticks, func() { stopped = true }
	}
	p.RunStarted(2)
	p.TenantStarted("contoso")
	p.TenantStarted("fabrikam")
	p.TenantDone("contoso", results.StatusOK)
	mu.Lock()
	now = start.Add(42 * time.Second)
	mu.Unlock()
	// Unbuffered: the second send returns only once the first line is out.
	for range 2 {
		select {
		case ticks <- now:
		case <-time.After(10 * time.Second): // a safety net, not timing
			t.Fatal("the status goroutine does not read its ticker")
		}
	}
	want := "progress: 1/2 tenants done (1 running, 0 failed), calls 0 (0 failed), throttled waits 0, elapsed 42s"
	if out := buf.String(); !strings.Contains(out, want) {
		t.Errorf("no status line %q on a tick:\n%s", want, out)
	}
	p.TenantDone("fabrikam", results.StatusOK)
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
	for _, want := range []string{"tenants 2/2", "calls 2 (1 failed), throttled waits 1", "1 tenant(s) failed", "ETA"} {
		if !strings.Contains(out, want) {
			t.Errorf("live view lacks %q: %q", want, out)
		}
	}
}
