package exchange

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Counters is a snapshot of what the front ends saw.
type Counters struct {
	Requests   int                       // HTTP requests to the Exchange-side listeners, all outcomes
	Throttled  int                       // 429s sent (cap, rate budget and injected)
	Redirects  int                       // 302s sent by the compliance front door
	Faults     int                       // injected faults
	Violations []Violation               // protocol mistakes of the client, in order
	Tenants    map[string]TenantCounters // by tenant GUID
}

// TenantCounters is one tenant's share of Counters.
type TenantCounters struct {
	ID, Domain  string
	Requests    int            // authenticated cmdlet calls and continuation pages ($batch items included)
	ByCmdlet    map[string]int // cmdlet name (canonical when the backend lists it) -> calls
	InFlight    int            // requests being served now
	MaxInFlight int            // the most requests this tenant ever had in flight at once, rejected ones included
	Throttled   int            // 429s sent to this tenant
	Writes      []WriteRecord  // state changes applied, in order
}

// WriteRecord is one applied write.
type WriteRecord struct {
	Seq     int // 1-based order within the tenant
	Service Service
	Cmdlet  string
	Params  map[string]any
	At      time.Time
}

// Violation is a protocol mistake the emulator caught (and answered with 400).
type Violation struct {
	Tenant string // GUID, or the URL segment when unresolved
	Method string
	Path   string
	Reason string
	At     time.Time
}

// Tenant returns the counters of the tenant with that GUID or domain
// (case-insensitive); the zero value when it made no request.
func (c Counters) Tenant(key string) TenantCounters {
	if t, ok := c.Tenants[key]; ok {
		return t
	}
	for _, t := range c.Tenants {
		if strings.EqualFold(t.ID, key) || strings.EqualFold(t.Domain, key) {
			return t
		}
	}
	return TenantCounters{}
}

// Calls returns how often cmdlet was called (case-insensitive).
func (t TenantCounters) Calls(cmdlet string) int {
	n := 0
	for k, v := range t.ByCmdlet {
		if strings.EqualFold(k, cmdlet) {
			n += v
		}
	}
	return n
}

// tenantState is the live per-tenant bookkeeping. inFlight is atomic so the
// cap check takes no lock; the rest is guarded by mu.
type tenantState struct {
	id, domain  string
	inFlight    atomic.Int64
	maxInFlight atomic.Int64

	mu          sync.Mutex
	requests    int
	byCmdlet    map[string]int
	throttled   int
	writes      []WriteRecord
	windowStart time.Time
	windowCount int
	// an open claims challenge: the acrs value a token must carry, and
	// the claims JSON the 401 names
	challenge, challengeClaims string
}

// enter marks one more request in flight and returns the new count.
func (t *tenantState) enter() int64 {
	n := t.inFlight.Add(1)
	for {
		m := t.maxInFlight.Load()
		if n <= m || t.maxInFlight.CompareAndSwap(m, n) {
			return n
		}
	}
}

func (t *tenantState) leave() { t.inFlight.Add(-1) }

func (t *tenantState) count(cmdlet string) {
	t.mu.Lock()
	t.requests++
	t.byCmdlet[cmdlet]++
	t.mu.Unlock()
}

func (t *tenantState) snapshot() TenantCounters {
	t.mu.Lock()
	defer t.mu.Unlock()
	return TenantCounters{
		ID: t.id, Domain: t.domain,
		Requests:    t.requests,
		ByCmdlet:    maps.Clone(t.byCmdlet),
		InFlight:    int(t.inFlight.Load()),
		MaxInFlight: int(t.maxInFlight.Load()),
		Throttled:   t.throttled,
		Writes:      slices.Clone(t.writes),
	}
}

// stats holds the counters shared by every listener of one emulator.
type stats struct {
	requests  atomic.Int64
	throttled atomic.Int64
	redirects atomic.Int64
	faults    atomic.Int64

	claimsChallenges atomic.Int64

	tenants sync.Map // GUID -> *tenantState

	vmu        sync.Mutex
	violations []Violation
}

func (s *stats) tenant(id, domain string) *tenantState {
	if v, ok := s.tenants.Load(id); ok {
		return v.(*tenantState)
	}
	v, _ := s.tenants.LoadOrStore(id, &tenantState{id: id, domain: domain, byCmdlet: map[string]int{}})
	return v.(*tenantState)
}

func (s *stats) violation(v Violation) {
	s.vmu.Lock()
	s.violations = append(s.violations, v)
	s.vmu.Unlock()
}

func (s *stats) snapshot() Counters {
	c := Counters{
		Requests:  int(s.requests.Load()),
		Throttled: int(s.throttled.Load()),
		Redirects: int(s.redirects.Load()),
		Faults:    int(s.faults.Load()),
		Tenants:   map[string]TenantCounters{},
	}
	s.vmu.Lock()
	c.Violations = slices.Clone(s.violations)
	s.vmu.Unlock()
	s.tenants.Range(func(k, v any) bool {
		c.Tenants[k.(string)] = v.(*tenantState).snapshot()
		return true
	})
	return c
}
