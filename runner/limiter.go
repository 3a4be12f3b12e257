package runner

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/exoplay/exoplay/runner/lease"
)

// orgLimiter caps in-flight requests to one organization. It is a weighted
// semaphore of max permits; to run below max after throttling it holds the
// difference itself (taking permits as they are released), and gives them
// back one at a time once the organization has been quiet for a while.
type orgLimiter struct {
	sem    *semaphore.Weighted
	max    int64
	clock  clock
	tune   Adaptive
	onWait func(time.Duration)
	// leases, when set, caps the organization across processes too: each
	// permit also holds one of its max slot files (package lease).
	leases *lease.Dir
	key    string

	mu           sync.Mutex
	limit        int64 // current concurrency target, 1..max
	held         int64 // permits the limiter holds to enforce limit < max
	debt         int64 // permits still to take back (held + debt == max - limit)
	blockedUntil time.Time
	lastDecrease time.Time
	lastThrottle time.Time
	okSince      int // releases since the last throttle or increase
	inflight     int64
	maxInflight  int64
	throttles    int
	slots        []*lease.Slot // held, one per request in flight
}

func newOrgLimiter(max int, c clock, tune Adaptive, onWait func(time.Duration)) *orgLimiter {
	if max < 1 {
		max = 1
	}
	return &orgLimiter{
		sem: semaphore.NewWeighted(int64(max)), max: int64(max), limit: int64(max),
		clock: c, tune: tune.withDefaults(), onWait: onWait,
	}
}

// Acquire waits out a Retry-After block, then for a permit.
func (l *orgLimiter) Acquire(ctx context.Context) error {
	for {
		l.mu.Lock()
		wait := l.blockedUntil.Sub(l.clock.now())
		l.mu.Unlock()
		if wait > 0 {
			if err := l.clock.sleep(ctx, wait); err != nil {
				return err
			}
			continue
		}
		if err := l.sem.Acquire(ctx, 1); err != nil {
			return err
		}
		l.mu.Lock()
		// Throttled while this caller queued: give the permit back and
		// wait like everyone else.
		if l.blockedUntil.After(l.clock.now()) {
			l.mu.Unlock()
			l.returnPermit()
			continue
		}
		l.mu.Unlock()
		var slot *lease.Slot
		if l.leases != nil {
			// Holding the process's permit, wait for one of the
			// organization's slots shared with other processes.
			s, err := l.leases.Acquire(ctx, l.key, int(l.max))
			if err != nil {
				l.returnPermit()
				return err
			}
			slot = s
		}
		l.mu.Lock()
		if slot != nil {
			l.slots = append(l.slots, slot)
		}
		l.inflight++
		if l.inflight > l.maxInflight {
			l.maxInflight = l.inflight
		}
		l.mu.Unlock()
		return nil
	}
}

// returnPermit gives back a permit not used for a request: kept when the
// limit was lowered meanwhile.
func (l *orgLimiter) returnPermit() {
	l.mu.Lock()
	if l.debt > 0 {
		l.debt--
		l.held++
		l.mu.Unlock()
		return
	}
	l.mu.Unlock()
	l.sem.Release(1)
}

// Release returns a permit, or keeps it when the limit was lowered.
func (l *orgLimiter) Release() {
	l.mu.Lock()
	if n := len(l.slots); n > 0 { // slots are interchangeable: give back any
		l.slots[n-1].Release()
		l.slots = l.slots[:n-1]
	}
	l.inflight--
	if l.debt > 0 {
		l.debt--
		l.held++
		l.mu.Unlock()
		return
	}
	l.okSince++
	giveBack := int64(0)
	if l.limit < l.max && l.okSince >= l.tune.RecoverAfter && l.clock.now().Sub(l.lastThrottle) >= l.tune.Quiet {
		l.limit++
		l.okSince = 0
		if l.held > 0 {
			l.held--
			giveBack = 1
		}
	}
	l.mu.Unlock()
	l.sem.Release(1 + giveBack)
}

// Throttled blocks new acquisitions until Retry-After has passed and lowers
// the concurrency by one (not below 1, at most once per DecreaseGap).
func (l *orgLimiter) Throttled(retryAfter time.Duration) {
	l.mu.Lock()
	now := l.clock.now()
	l.throttles++
	l.lastThrottle = now
	l.okSince = 0
	if retryAfter > 0 {
		if until := now.Add(retryAfter); until.After(l.blockedUntil) {
			l.blockedUntil = until
		}
	}
	if l.limit > 1 && (l.lastDecrease.IsZero() || now.Sub(l.lastDecrease) >= l.tune.DecreaseGap) {
		l.limit--
		l.lastDecrease = now
		if l.sem.TryAcquire(1) {
			l.held++
		} else {
			l.debt++
		}
	}
	l.mu.Unlock()
	if l.onWait != nil {
		l.onWait(retryAfter)
	}
}

// limiterStats is a snapshot for logs and tests.
type limiterStats struct {
	Limit, MaxInflight int64
	Throttles          int
}

func (l *orgLimiter) stats() limiterStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return limiterStats{Limit: l.limit, MaxInflight: l.maxInflight, Throttles: l.throttles}
}

// callLimiter is the organization's limiter as one call sees it. The first
// time the call gets a slot it runs onFirst (the send gate: journal the
// call's writes as sent); when onFirst fails the slot is given back and the
// call does not go out.
type callLimiter struct {
	*orgLimiter
	acquired atomic.Bool
	onFirst  func() error
}

func (l *callLimiter) Acquire(ctx context.Context) error {
	if err := l.orgLimiter.Acquire(ctx); err != nil {
		return err
	}
	if l.onFirst != nil && !l.acquired.Load() {
		if err := l.onFirst(); err != nil {
			l.orgLimiter.Release()
			return err
		}
	}
	l.acquired.Store(true)
	return nil
}
