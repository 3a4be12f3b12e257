package runner

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock advances only when someone sleeps on it.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	slept []time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)} }

func (f *fakeClock) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) advance(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

func (f *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.slept = append(f.slept, d)
	f.t = f.t.Add(d)
	f.mu.Unlock()
	return ctx.Err()
}

func (f *fakeClock) clock() clock { return clock{now: f.now, sleep: f.sleep} }

func TestLimiterCapsInFlight(t *testing.T) {
	t.Parallel()
	fc := newFakeClock()
	l := newOrgLimiter(3, fc.clock(), Adaptive{}, nil)
	var inflight, peak atomic.Int64
	var wg sync.WaitGroup
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := l.Acquire(context.Background()); err != nil {
				t.Error(err)
				return
			}
			n := inflight.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(50 * time.Microsecond) // let others pile up on the semaphore
			inflight.Add(-1)
			l.Release()
		}()
	}
	wg.Wait()
	if p := peak.Load(); p != 3 {
		t.Fatalf("peak in flight = %d, want exactly 3", p)
	}
	if s := l.stats(); s.MaxInflight != 3 || s.Limit != 3 {
		t.Fatalf("stats = %+v", s)
	}
}

func TestLimiterThrottleBlocksLowersAndRecovers(t *testing.T) {
	t.Parallel()
	fc := newFakeClock()
	var waits []time.Duration
	l := newOrgLimiter(3, fc.clock(), Adaptive{DecreaseGap: time.Second, Quiet: 5 * time.Second, RecoverAfter: 4}, func(d time.Duration) { waits = append(waits, d) })
	ctx := context.Background()

	// Three in flight; the service pushes back on one of them.
	for range 3 {
		if err := l.Acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	l.Throttled(2 * time.Second)
	l.Throttled(2 * time.Second) // same burst: counts once
	if s := l.stats(); s.Limit != 2 || s.Throttles != 2 {
		t.Fatalf("after a burst of 429s: %+v, want limit 2", s)
	}
	if len(waits) != 2 || waits[0] != 2*time.Second {
		t.Fatalf("observer saw %v", waits)
	}
	l.Release()
	l.Release()
	l.Release()

	// A new acquisition waits out Retry-After first.
	if err := l.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	if len(fc.slept) != 1 || fc.slept[0] != 2*time.Second {
		t.Fatalf("slept %v, want one wait of 2s", fc.slept)
	}
	// Now at most 2 run: the third permit is held by the limiter.
	if err := l.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	tctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	if err := l.Acquire(tctx); err == nil {
		t.Fatal("a third request was admitted while the limit is 2")
	}
	cancel()
	l.Release()
	l.Release()

	// Throttled again later: down to 1, never below.
	fc.advance(2 * time.Second)
	l.Throttled(0)
	fc.advance(2 * time.Second)
	l.Throttled(0)
	if s := l.stats(); s.Limit != 1 {
		t.Fatalf("limit = %d, want 1 (never below)", s.Limit)
	}

	// Recovery: RecoverAfter successes after the quiet period, +1 each time.
	fc.advance(6 * time.Second)
	for range 4 {
		if err := l.Acquire(ctx); err != nil {
			t.Fatal(err)
		}
		l.Release()
	}
	if s := l.stats(); s.Limit != 2 {
		t.Fatalf("limit after quiet successes = %d, want 2", s.Limit)
	}
	// Two can run again.
	if err := l.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	tctx, cancel = context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := l.Acquire(tctx); err != nil {
		t.Fatalf("second permit after recovery: %v", err)
	}
}

func TestLimiterAcquireHonoursCancel(t *testing.T) {
	t.Parallel()
	fc := newFakeClock()
	l := newOrgLimiter(1, fc.clock(), Adaptive{}, nil)
	if err := l.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Acquire(ctx); err == nil {
		t.Fatal("Acquire succeeded on a cancelled context with no permit free")
	}
}
