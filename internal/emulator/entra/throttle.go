package entra

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// throttles holds per-tenant fault injection for the token endpoint.
type throttles struct {
	mu sync.Mutex
	m  map[string]throttle // by lower-cased tenant GUID or domain
}

type throttle struct {
	remaining  int
	retryAfter time.Duration
}

// SetThrottle makes the next n token requests for tenant (GUID or domain) answer 429 with
// Retry-After (AADSTS90055, as Entra does when a tenant sends too many requests). n <= 0 clears it.
func (a *Authority) SetThrottle(tenant string, n int, retryAfter time.Duration) {
	key := strings.ToLower(tenant)
	if t, ok := a.tenantByID(tenant); ok {
		key = strings.ToLower(t.ID)
	}
	a.throttle.mu.Lock()
	defer a.throttle.mu.Unlock()
	if a.throttle.m == nil {
		a.throttle.m = map[string]throttle{}
	}
	if n <= 0 {
		delete(a.throttle.m, key)
		return
	}
	a.throttle.m[key] = throttle{remaining: n, retryAfter: retryAfter}
}

// throttled consumes one throttled answer for the tenant, if any is pending.
// behaviour entra.throttle (internal/emulator/BEHAVIOURS.md)
func (a *Authority) throttled(tenantID string) *aadError {
	a.throttle.mu.Lock()
	defer a.throttle.mu.Unlock()
	key := strings.ToLower(tenantID)
	t, ok := a.throttle.m[key]
	if !ok {
		return nil
	}
	t.remaining--
	if t.remaining <= 0 {
		delete(a.throttle.m, key)
	} else {
		a.throttle.m[key] = t
	}
	a.counters.update(func(c *Counters) { c.Throttled++ })
	e := newErr(http.StatusTooManyRequests, "temporarily_unavailable", 90055,
		"TenantThrottlingThreshold - The tenant '%s' is being throttled due to too many requests. Retry after the time in Retry-After.", tenantID)
	e.retryAfter = t.retryAfter
	return e
}
