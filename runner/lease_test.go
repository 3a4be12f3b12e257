package runner

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/exoplay/exoplay/runner/lease"
)

// Two limiters of one organization on one lease directory stand for two
// processes: together they never have more than the cap in flight, and
// the adaptive limit of each still applies.
func TestLimitersSharingALeaseDirectoryShareTheCap(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "leases")
	var lims []*orgLimiter
	for range 2 {
		d, err := lease.Open(dir) // each process opens the directory itself
		if err != nil {
			t.Fatal(err)
		}
		d.SetSleep(func(ctx context.Context, _ time.Duration) error {
			time.Sleep(50 * time.Microsecond) // yield to the holders; not a timing assertion
			return ctx.Err()
		})
		l := newOrgLimiter(3, newFakeClock().clock(), Adaptive{}, nil)
		l.leases, l.key = d, "6a2b0c4d-0000-4000-8000-000000000001"
		lims = append(lims, l)
	}
	var inflight, peak atomic.Int64
	var wg sync.WaitGroup
	for i := range 120 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := lims[i%2]
			if err := l.Acquire(context.Background()); err != nil {
				t.Error(err)
				return
			}
			n := inflight.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(100 * time.Microsecond)
			inflight.Add(-1)
			l.Release()
		}()
	}
	wg.Wait()
	if p := peak.Load(); p > 3 || p < 1 {
		t.Fatalf("peak in flight %d across the two limiters, want 1..3", p)
	}
	for _, l := range lims {
		if len(l.slots) != 0 {
			t.Errorf("%d slots still held after every release", len(l.slots))
		}
	}
}

// A caller waiting for a slot another process holds gives its permit back
// when its context ends.
func TestLeaseWaitRespectsCancellation(t *testing.T) {
	d, err := lease.Open(filepath.Join(t.TempDir(), "leases"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := d.Acquire(context.Background(), "contoso", 1) // the other process
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	waits := 0
	d.SetSleep(func(context.Context, time.Duration) error {
		if waits++; waits == 3 {
			cancel()
		}
		return ctx.Err()
	})
	l := newOrgLimiter(1, newFakeClock().clock(), Adaptive{}, nil)
	l.leases, l.key = d, "contoso"
	if err := l.Acquire(ctx); err == nil {
		t.Fatal("Acquire returned a slot another process holds")
	}
	other.Release()
	d.SetSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() })
	if err := l.Acquire(context.Background()); err != nil { // the permit came back
		t.Fatal(err)
	}
	l.Release()
}
