package entra

import (
	"maps"
	"strings"
	"sync"
)

// GrantKey identifies a token request: the tenant it was for (GUID when known, else the path
// segment, lower-cased) and its grant type (client_credentials, refresh_token, device_code,
// authorization_code, password, managed_identity).
type GrantKey struct{ Tenant, Grant string }

// Counters is a snapshot of what the authority was asked.
type Counters struct {
	TokenRequests    map[GrantKey]int // every token request, answered or refused
	TokensIssued     map[GrantKey]int // access tokens issued
	Failures         map[int]int      // refusals by AADSTS code (authorization_pending counts as 70016)
	Discovery        int              // openid-configuration requests
	DeviceCodes      int              // device codes handed out
	Authorizations   int              // authorize requests
	ManagedIdentity  int              // managed identity endpoint requests
	Throttled        int              // 429 answers
	UserRealmLookups int
}

// Requests sums token requests for a tenant and grant; "" matches any.
func (c Counters) Requests(tenant, grant string) int { return sumKeys(c.TokenRequests, tenant, grant) }

// Issued sums issued access tokens for a tenant and grant; "" matches any.
func (c Counters) Issued(tenant, grant string) int { return sumKeys(c.TokensIssued, tenant, grant) }

func sumKeys(m map[GrantKey]int, tenant, grant string) int {
	n := 0
	for k, v := range m {
		if (tenant == "" || strings.EqualFold(k.Tenant, tenant)) && (grant == "" || k.Grant == grant) {
			n += v
		}
	}
	return n
}

type counterSet struct {
	mu sync.Mutex
	c  Counters
}

func (s *counterSet) update(f func(c *Counters)) {
	s.mu.Lock()
	if s.c.TokenRequests == nil {
		s.c.TokenRequests = map[GrantKey]int{}
		s.c.TokensIssued = map[GrantKey]int{}
		s.c.Failures = map[int]int{}
	}
	f(&s.c)
	s.mu.Unlock()
}

func (s *counterSet) request(tenant, grant string) {
	s.update(func(c *Counters) { c.TokenRequests[GrantKey{strings.ToLower(tenant), grant}]++ })
}

func (s *counterSet) issued(tenant, grant string) {
	s.update(func(c *Counters) { c.TokensIssued[GrantKey{strings.ToLower(tenant), grant}]++ })
}

func (s *counterSet) failure(code int) { s.update(func(c *Counters) { c.Failures[code]++ }) }

// Counters returns a snapshot; later requests do not change it.
func (a *Authority) Counters() Counters {
	var out Counters
	a.counters.update(func(c *Counters) {
		out = *c
		out.TokenRequests = maps.Clone(c.TokenRequests)
		out.TokensIssued = maps.Clone(c.TokensIssued)
		out.Failures = maps.Clone(c.Failures)
	})
	return out
}
