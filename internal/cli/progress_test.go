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
