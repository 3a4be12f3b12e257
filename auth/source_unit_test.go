package auth

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// fakeAcquirer hands out unsigned JWTs for contoso with a fixed lifetime.
type fakeAcquirer struct {
	mu        sync.Mutex
	now       func() time.Time
	lifetime  time.Duration
	fromCache func(call int, force bool) (exp time.Time, cached bool)
	calls     []bool   // force flag of each call
	claims    []string // the claims each call asked for
}

func (f *fakeAcquirer) interactive() bool { return false }

func (f *fakeAcquirer) acquire(_ context.Context, _, _, claims string) (tokenResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	force := claims != ""
	f.calls = append(f.calls, force)
	f.claims = append(f.claims, claims)
	now := f.now()
	exp, cached := now.Add(f.lifetime), false
	if f.fromCache != nil {
		exp, cached = f.fromCache(len(f.calls), force)
	}
	iat := exp.Add(-f.lifetime)
	tok := fakeJWT(fmt.Sprintf(`{"tid":%q,"appid":"app","roles":["Exchange.ManageAsApp"],"iat":%d,"exp":%d,"n":%d}`, contosoID, iat.Unix(), exp.Unix(), len(f.calls)))
	return tokenResult{token: tok, fromCache: cached}, nil
}

func unitSource(t *testing.T, acq acquirer, now func() time.Time) *Source {
	m := NewManager(Options{Now: now})
	t.Cleanup(func() { m.Close() })
	return &Source{m: m, cred: secretCred(), acq: acq, gate: newCredGate(), authority: "https://login.microsoftonline.com", tenant: contosoID, resource: exchange}
}

// MSAL's cache may hand back a token we would renew at once (it keeps
// tokens until 5 minutes before expiry, we renew earlier with a larger
// RefreshMargin): then the source goes to the network.
func TestCachedNearExpiryTokenIsReplaced(t *testing.T) {
	clk := newClock()
	fa := &fakeAcquirer{now: clk.Now, lifetime: time.Hour}
	fa.fromCache = func(call int, force bool) (time.Time, bool) {
		if !force {
			return clk.Now().Add(6 * time.Minute), true // MSAL's cached token
		}
		return clk.Now().Add(time.Hour), false
	}
	s := unitSource(t, fa, clk.Now)
	s.m.opts.RefreshMargin = 10 * time.Minute
	if _, err := s.Token(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if len(fa.calls) != 2 || fa.calls[0] || !fa.calls[1] {
		t.Fatalf("calls (force flags) %v, want [false true]", fa.calls)
	}
	if got := s.Identity().ExpiresOn.Sub(clk.Now()); got < 59*time.Minute {
		t.Fatalf("kept the near-expiry token: %v left", got)
	}
}

// The renewal margin is a tenth of the lifetime, at most RefreshMargin.
func TestRenewalMargin(t *testing.T) {
	for _, tc := range []struct {
		lifetime, margin, wantRenewAt time.Duration
	}{
		{time.Hour, 5 * time.Minute, 55 * time.Minute},
		{90 * time.Minute, 5 * time.Minute, 85 * time.Minute},
		{20 * time.Second, 5 * time.Minute, 18 * time.Second},
		{time.Hour, time.Minute, 59 * time.Minute},
	} {
		clk := newClock()
		fa := &fakeAcquirer{now: clk.Now, lifetime: tc.lifetime}
		s := unitSource(t, fa, clk.Now)
		s.m.opts.RefreshMargin = tc.margin
		start := clk.Now()
		_, _ = s.Token(context.Background(), false)
		clk.Add(tc.wantRenewAt - time.Second)
		_, _ = s.Token(context.Background(), false)
		if len(fa.calls) != 1 {
			t.Errorf("%v/%v: renewed before %v", tc.lifetime, tc.margin, tc.wantRenewAt)
		}
		clk.Set(start.Add(tc.wantRenewAt))
		_, _ = s.Token(context.Background(), false)
		if len(fa.calls) != 2 {
			t.Errorf("%v/%v: not renewed at %v", tc.lifetime, tc.margin, tc.wantRenewAt)
		}
	}
}

// A source that hands back the same token until it renews it (an
// access_token file or command, a managed identity endpoint's own cache) is
// asked again every staleRecheck once that token is due for renewal, not on
// every call, and its token is never handed out past expiry.
func TestStaleTokenRecheckedNotPerCall(t *testing.T) {
	clk := newClock()
	exp := clk.Now().Add(2 * time.Minute) // inside the renewal margin of an hour's token
	fa := &fakeAcquirer{now: clk.Now, lifetime: time.Hour}
	fa.fromCache = func(int, bool) (time.Time, bool) { return exp, false }
	s := unitSource(t, fa, clk.Now)
	ctx := context.Background()
	for range 10 {
		if _, err := s.Token(ctx, false); err != nil {
			t.Fatal(err)
		}
	}
	if len(fa.calls) != 1 {
		t.Fatalf("%d acquisitions for 10 calls, want 1", len(fa.calls))
	}
	clk.Add(staleRecheck - time.Second)
	_, _ = s.Token(ctx, false)
	if len(fa.calls) != 1 {
		t.Fatalf("asked again %v before the recheck", time.Second)
	}
	clk.Add(time.Second)
	_, _ = s.Token(ctx, false)
	if len(fa.calls) != 2 {
		t.Fatalf("not asked again after %v: %d acquisitions", staleRecheck, len(fa.calls))
	}
	clk.Set(exp.Add(-time.Second))
	_, _ = s.Token(ctx, false)
	clk.Set(exp)
	if _, err := s.Token(ctx, false); err == nil || len(fa.calls) != 4 {
		t.Fatalf("at expiry: %v after %d acquisitions, want an error after 4", err, len(fa.calls))
	}
}

// A claims challenge reaches the acquirer as given (not a made-up one),
// bypassing the current token. (That callers passing the same challenge at
// once share one acquisition is singleflight's keying by challenge; this
// test does not show it.)
func TestSourceTokenWithClaims(t *testing.T) {
	fa := &fakeAcquirer{now: time.Now, lifetime: time.Hour}
	s := unitSource(t, fa, time.Now)
	if _, err := s.Token(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	const challenge = `{"access_token":{"acrs":{"essential":true,"value":"c1"}}}`
	if _, err := s.TokenWithClaims(context.Background(), challenge); err != nil {
		t.Fatal(err)
	}
	fa.mu.Lock()
	defer fa.mu.Unlock()
	if len(fa.claims) != 2 || fa.claims[0] != "" || fa.claims[1] != challenge {
		t.Fatalf("claims asked for: %q", fa.claims)
	}
}
