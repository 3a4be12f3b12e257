package entra

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"
)

// grantStore holds the short-lived, single-use grants: authorization codes and device codes.
// Expired entries are pruned on insert, so the store stays as small as the traffic of the last
// few minutes.
type grantStore struct {
	mu      sync.Mutex
	codes   map[string]*authCode
	devices map[string]*deviceCode
}

type authCode struct {
	clientID    string
	redirectURI string
	challenge   string
	method      string
	upn         string
	ref         tenantRef
	scope       string
	expires     time.Time
	redeemed    bool
}

type deviceCode struct {
	clientID  string
	scope     string
	upn       string
	ref       tenantRef
	pollsLeft int
	expires   time.Time
}

const (
	authCodeLifetime   = 10 * time.Minute
	deviceCodeLifetime = 15 * time.Minute
)

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *grantStore) putCode(c *authCode, now time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return put(&s.codes, c, 32, now)
}

func (c *authCode) expiry() time.Time   { return c.expires }
func (d *deviceCode) expiry() time.Time { return d.expires }

// put prunes the expired entries of *m and stores v under a new random id
// of n bytes. The caller holds the store's lock.
func put[T interface{ expiry() time.Time }](m *map[string]T, v T, n int, now time.Time) string {
	if *m == nil {
		*m = map[string]T{}
	}
	for k, x := range *m {
		if now.After(x.expiry()) {
			delete(*m, k)
		}
	}
	id := randomToken(n)
	(*m)[id] = v
	return id
}

// takeCode returns the code and marks it redeemed; a second redemption sees redeemed == true.
func (s *grantStore) takeCode(id string) (authCode, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.codes[id]
	if !ok {
		return authCode{}, false
	}
	out := *c
	c.redeemed = true
	return out, true
}

func (s *grantStore) putDevice(d *deviceCode, now time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return put(&s.devices, d, 48, now)
}

// pollDevice counts one poll. pending is true while the code is not yet approved; an approved
// code is removed, so it can be redeemed once.
func (s *grantStore) pollDevice(id string) (d deviceCode, pending, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.devices[id]
	if !ok {
		return deviceCode{}, false, false
	}
	if p.pollsLeft > 0 {
		p.pollsLeft--
		return *p, true, true
	}
	delete(s.devices, id)
	return *p, false, true
}
