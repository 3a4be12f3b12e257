package auth

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func secretCred() *Credential {
	return &Credential{Name: "app", Method: MethodClientSecret, ClientID: secretAppID, ClientSecret: secretValue}
}

func TestSingleflight(t *testing.T) {
	f := newFixture(t, fixtureOptions{lifetime: 2 * time.Second})
	m, _ := f.manager(nil)
	s := f.source(m, secretCred(), contosoDomain)
	const n = 32
	var wg sync.WaitGroup
	toks := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			toks[i], errs[i] = s.Token(context.Background(), false)
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || toks[i] != toks[0] {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
	}
	if got := f.a.Counters().Requests("", "client_credentials"); got != 1 {
		t.Fatalf("%d concurrent Token calls made %d token requests, want 1", n, got)
	}
}

// Tokens of 2 s (never cached by MSAL) are renewed when a tenth of their
// lifetime is left, by the injected clock.
func TestRenewBeforeExpiry(t *testing.T) {
	f := newFixture(t, fixtureOptions{lifetime: 2 * time.Second})
	m, _ := f.manager(nil)
	s := f.source(m, secretCred(), contosoID)
	requests := func() int { return f.a.Counters().Requests("", "client_credentials") }

	first := f.token(s, false)
	f.clock.Add(1700 * time.Millisecond) // 300 ms left: still fresh
	if f.token(s, false); requests() != 1 {
		t.Fatalf("renewed too early: %d requests", requests())
	}
	f.clock.Add(150 * time.Millisecond) // 150 ms left < 200 ms
	second := f.token(s, false)
	if requests() != 2 || !second.ExpiresAt.After(first.ExpiresAt) {
		t.Fatalf("not renewed: %d requests, exp %v -> %v", requests(), first.ExpiresAt, second.ExpiresAt)
	}
	// An hour of 2-second tokens in 1.9 s steps: every call gets a token
	// that is valid at that moment.
	for range 30 {
		f.clock.Add(1900 * time.Millisecond)
		c := f.token(s, false)
		if !f.clock.Now().Before(c.ExpiresAt) {
			t.Fatalf("handed out an expired token at %v (exp %v)", f.clock.Now(), c.ExpiresAt)
		}
	}
}

// Forced refreshes bypass MSAL's cache (1 h tokens are cached by MSAL), and
// a burst of them shares one new token.
func TestForceRefresh(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	m, _ := f.manager(nil)
	s := f.source(m, secretCred(), contosoID)
	requests := func() int { return f.a.Counters().Requests("", "client_credentials") }
	old, _ := s.Token(context.Background(), false)

	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); f.token(s, true) }()
	}
	wg.Wait()
	if requests() != 2 {
		t.Fatalf("8 forced refreshes: %d requests, want 2", requests())
	}
	cur, _ := s.Token(context.Background(), false)
	if cur == old {
		t.Fatal("forced refresh returned the old token")
	}
	f.clock.Add(forceWindow + time.Second)
	f.token(s, true)
	if requests() != 3 {
		t.Fatalf("a later forced refresh: %d requests, want 3", requests())
	}
}

func TestThrottledTokenRequestsWaitRetryAfter(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	m, waits := f.manager(nil)
	f.a.SetThrottle(contosoID, 2, 3*time.Second)
	f.token(f.source(m, secretCred(), contosoID), false)
	if len(*waits) != 2 || (*waits)[0] != 3*time.Second || (*waits)[1] != 3*time.Second {
		t.Fatalf("waits %v, want [3s 3s]", *waits)
	}
	// Throttled beyond the attempts: a clear error, no endless loop.
	f.a.SetThrottle(fabrikamID, 100, time.Second)
	_, err := f.source(m, secretCred(), fabrikamID).Token(context.Background(), false)
	var ae *Error
	if !errors.As(err, &ae) || ae.RetryAfter != time.Second || !strings.Contains(err.Error(), "throttl") {
		t.Fatalf("got %v", err)
	}
	if got := f.a.Counters().Requests(fabrikamID, ""); got != maxThrottledAttempts {
		t.Fatalf("%d attempts, want %d", got, maxThrottledAttempts)
	}
}

func TestTokenHonoursCallerContext(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	m, _ := f.manager(nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.source(m, secretCred(), contosoID).Token(ctx, false)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	// A caller already gone starts no token request.
	if got := f.a.Counters().Requests(contosoID, ""); got != 0 {
		t.Fatalf("%d token requests for a cancelled caller, want none", got)
	}
}

func TestSourceValidation(t *testing.T) {
	m := NewManager(Options{CacheDir: t.TempDir()})
	defer m.Close()
	cases := []struct {
		cred              *Credential
		authority, tenant string
		want              string
	}{
		{&Credential{Method: MethodClientSecret, ClientID: "x"}, "https://login.microsoftonline.com", contosoID, "client_secret"},
		{&Credential{Method: "kerberos"}, "https://login.microsoftonline.com", contosoID, "unknown method"},
		{secretCred(), "http://login.microsoftonline.com", contosoID, "https"},
		{secretCred(), "https://login.microsoftonline.com", "common", "not a tenant"},
		{&Credential{Method: MethodManagedIdentity, Federated: true}, "https://login.microsoftonline.com", contosoID, "client_id"},
		{&Credential{Method: MethodAccessToken}, "https://login.microsoftonline.com", contosoID, "access_token_file"},
	}
	for _, tc := range cases {
		_, err := m.Source(tc.cred, tc.authority, tc.tenant, exchange)
		var ae *Error
		if !errors.As(err, &ae) || ae.Code != CodeInvalidConfig || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.cred.Method, err, tc.want)
		}
	}
}
