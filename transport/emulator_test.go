package transport_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"

	"github.com/exoplay/exoplay/cloud"
	"github.com/exoplay/exoplay/internal/category"
	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/transport"
)

// msalTokens is the TokenSource of these tests: the real MSAL confidential
// client against the emulator's authority; forceRefresh skips MSAL's cache.
type msalTokens struct {
	app        confidential.Client
	scope      string
	mu         sync.Mutex
	forced     int
	challenged []string // claims passed to TokenWithClaims
}

// prod is the service's own cloud table: the emulator answers those URLs
// when they are dialled to it, which its HTTPClient does.
var prod, _ = cloud.Lookup(cloud.Default)

func newTokens(t testing.TB, e *emulator.Emulator, tenant, resource string) *msalTokens {
	t.Helper()
	cred, err := confidential.NewCredFromSecret(e.DemoSecret)
	if err != nil {
		t.Fatal(err)
	}
	app, err := confidential.New(prod.AuthorityURL+"/"+tenant, e.DemoClientID, cred,
		confidential.WithHTTPClient(e.HTTPClient()), confidential.WithInstanceDiscovery(false))
	if err != nil {
		t.Fatal(err)
	}
	return &msalTokens{app: app, scope: resource + "/.default"}
}

func (m *msalTokens) Token(ctx context.Context, force bool) (string, error) {
	var opts []confidential.AcquireByCredentialOption
	if force {
		m.mu.Lock()
		m.forced++
		m.mu.Unlock()
		// MSAL answers from its cache unless claims are given (msal-go.md §3).
		opts = append(opts, confidential.WithClaims(`{"access_token":{"nbf":{"essential":true,"value":"`+
			strconv.FormatInt(time.Now().Unix(), 10)+`"}}}`))
	}
	r, err := m.app.AcquireTokenByCredential(ctx, []string{m.scope}, opts...)
	if err != nil {
		return "", err
	}
	return r.AccessToken, nil
}

func startEmulator(t testing.TB, opts emulator.Options) *emulator.Emulator {
	t.Helper()
	e, err := emulator.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// fastClock waits for real but caps each wait (at most, 5ms when zero), so
// retry paths run quickly against the emulator while keeping the order of
// events real.
type fastClock struct{ most time.Duration }

func (fastClock) Now() time.Time { return time.Now() }
func (c fastClock) Sleep(ctx context.Context, d time.Duration) error {
	most := c.most
	if most == 0 {
		most = 5 * time.Millisecond
	}
	t := time.NewTimer(min(d, most))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

type env struct {
	e      *emulator.Emulator
	c      *transport.Client
	ep     *transport.Endpoint
	tokens *msalTokens
	tenant emulator.TenantInfo
}

func newEnv(t testing.TB, opts emulator.Options, copts transport.Options) *env {
	e := startEmulator(t, opts)
	ten := e.Tenants()[0]
	tok := newTokens(t, e, ten.Domain, prod.ExchangeURL)
	copts.HTTPClient = e.HTTPClient()
	if copts.Clock == nil {
		copts.Clock = fastClock{}
	}
	return &env{e: e, c: transport.New(copts), tenant: ten, tokens: tok,
		ep: &transport.Endpoint{BaseURL: prod.ExchangeURL, Tenant: ten.Domain, Tokens: tok}}
}

func (v *env) run(t testing.TB, req transport.Request) ([]map[string]any, transport.Stats, error) {
	t.Helper()
	var out []map[string]any
	st, err := v.c.Invoke(context.Background(), v.ep, req, func(o json.RawMessage) error {
		var m map[string]any
		if err := json.Unmarshal(o, &m); err != nil {
			return err
		}
		out = append(out, m)
		return nil
	})
	return out, st, err
}

func noViolations(t *testing.T, e *emulator.Emulator) {
	t.Helper()
	if v := e.Counters().Violations; len(v) > 0 {
		t.Errorf("protocol violations: %+v", v)
	}
}

func TestEmulatorPagingSelectAndAnchor(t *testing.T) {
	v := newEnv(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso", Mailboxes: 2345}}}, transport.Options{PageSize: 500})
	objs, st, err := v.run(t, transport.Request{Cmdlet: "Get-Mailbox", Parameters: map[string]any{"ResultSize": "Unlimited"},
		Select: []string{"UserPrincipalName", "DisplayName"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2345 || st.Pages != 5 || st.Requests != 5 {
		t.Fatalf("%d objects, %+v", len(objs), st)
	}
	seen := map[string]bool{}
	for _, o := range objs {
		upn, _ := o["UserPrincipalName"].(string)
		if upn == "" || seen[upn] || len(o) != 2 {
			t.Fatalf("bad or repeated object %v", o)
		}
		seen[upn] = true
		for k := range o {
			if strings.Contains(k, "@") {
				t.Fatalf("annotation left: %v", o)
			}
		}
	}
	// ResultSize stops early, even with more pages on offer.
	objs, st, err = v.run(t, transport.Request{Cmdlet: "Get-Mailbox", Parameters: map[string]any{"ResultSize": 700}})
	if err != nil || len(objs) != 700 {
		t.Fatalf("%v %d %+v", err, len(objs), st)
	}
	noViolations(t, v.e)
}

func TestEmulatorErrors(t *testing.T) {
	v := newEnv(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso"}}}, transport.Options{})
	cases := []struct {
		req  transport.Request
		cat  string
		code string
	}{
		{transport.Request{Cmdlet: "Get-Mailbox", Parameters: map[string]any{"Identity": "nobody@contoso.onmicrosoft.com"}}, category.NotFound, "Ex6F9304"},
		{transport.Request{Cmdlet: "Get-Mailbox", Parameters: map[string]any{"Bogus": 1}}, category.Validation, ""},
		{transport.Request{Cmdlet: "Get-Nonexistent"}, category.Permission, ""},
	}
	for _, c := range cases {
		_, st, err := v.run(t, c.req)
		var e *transport.Error
		if !errors.As(err, &e) || e.Category != c.cat || (c.code != "" && e.Code != c.code) || e.Message == "" || st.Requests != 1 {
			t.Errorf("%s: got %v (%+v)", c.req.Cmdlet, err, st)
		}
		if err != nil && strings.ContainsRune(err.Error(), 0) {
			t.Errorf("raw bytes in %q", err)
		}
	}
	noViolations(t, v.e)
}

func TestEmulatorFaultsAreRetriedForReads(t *testing.T) {
	v := newEnv(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso", Mailboxes: 60}}}, transport.Options{PageSize: 25, MaxRetries: 3})
	for _, spec := range []string{"429:first2", "429-frac:first1", "429-bare:first1", "500:first2", "400-proxy:first1", "400-busy:first1",
		"reset:first2", "html:first1", "empty:first1", "truncated:first2"} {
		t.Run(spec, func(t *testing.T) {
			f, err := emulator.ParseFaults(spec)
			if err != nil {
				t.Fatal(err)
			}
			if err := v.e.SetFaults(f); err != nil {
				t.Fatal(err)
			}
			objs, st, err := v.run(t, transport.Request{Cmdlet: "Get-Mailbox", Parameters: map[string]any{"ResultSize": "Unlimited"}})
			if err != nil || len(objs) != 60 {
				t.Fatalf("%v: %d objects %+v", err, len(objs), st)
			}
			if st.Attempts < 2 || len(st.Retried) == 0 {
				t.Errorf("no retry recorded: %+v", st)
			}
			if strings.HasPrefix(spec, "429") && st.ThrottledWaits == 0 {
				t.Errorf("throttled waits not counted: %+v", st)
			}
		})
	}
	noViolations(t, v.e)
}

func TestEmulatorWritesAreNotReplayedBlindly(t *testing.T) {
	v := newEnv(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso", Mailboxes: 5}}}, transport.Options{})
	var mbx []map[string]any
	mbx, _, err := v.run(t, transport.Request{Cmdlet: "Get-Mailbox", Select: []string{"UserPrincipalName"}})
	if err != nil || len(mbx) == 0 {
		t.Fatal(err)
	}
	upn := mbx[0]["UserPrincipalName"].(string)

	// An idempotent Set- is sent again after a 500 and applied once.
	f, _ := emulator.ParseFaults("500:first1")
	_ = v.e.SetFaults(f)
	_, st, err := v.run(t, transport.Request{Cmdlet: "Set-CASMailbox", Parameters: map[string]any{"Identity": upn, "PopEnabled": false}})
	if err != nil || st.Attempts != 2 {
		t.Fatalf("Set- after 500: %v %+v", err, st)
	}
	// A New- whose outcome is unknown is reported, not replayed.
	f, _ = emulator.ParseFaults("reset:first1")
	_ = v.e.SetFaults(f)
	_, st, err = v.run(t, transport.Request{Cmdlet: "New-TransportRule", Parameters: map[string]any{"Name": "exoplay-test", "SentToScope": "NotInOrganization"}})
	var e *transport.Error
	if !errors.As(err, &e) || !e.OutcomeUnknown || st.Requests != 1 {
		t.Fatalf("New- after reset: %v %+v", err, st)
	}
	// A 429 means not executed: even a New- is sent again.
	f, _ = emulator.ParseFaults("429:first1:0.01")
	_ = v.e.SetFaults(f)
	objs, st, err := v.run(t, transport.Request{Cmdlet: "New-TransportRule", Parameters: map[string]any{"Name": "exoplay-test-2", "SentToScope": "NotInOrganization"}})
	if err != nil || st.ThrottledWaits != 1 || len(objs) != 1 {
		t.Fatalf("New- after 429: %v %+v", err, st)
	}
	_ = v.e.SetFaults(emulator.FaultSpec{})
	writes := v.e.Counters().Tenant(v.tenant.ID).Writes
	var cmdlets []string
	for _, w := range writes {
		cmdlets = append(cmdlets, w.Cmdlet)
	}
	if strings.Join(cmdlets, ",") != "Set-CASMailbox,New-TransportRule" {
		t.Errorf("writes applied: %v", cmdlets)
	}
	noViolations(t, v.e)
}

func TestEmulatorExpiredNextLink(t *testing.T) {
	v := newEnv(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso", Mailboxes: 30}}}, transport.Options{PageSize: 10})
	f, _ := emulator.ParseFaults("expired:first1")
	_ = v.e.SetFaults(f)
	objs, st, err := v.run(t, transport.Request{Cmdlet: "Get-Mailbox"})
	var e *transport.Error
	if !errors.As(err, &e) || e.Category != category.Transient || !strings.Contains(e.Message, "pagination") || e.Code != "NextLinkExpired" || len(objs) != 10 || st.Requests != 2 {
		t.Fatalf("%v %d %+v", err, len(objs), st)
	}
}

func TestEmulatorCompliance(t *testing.T) {
	v := newEnv(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso"}}}, transport.Options{})
	tok := newTokens(t, v.e, v.tenant.Domain, prod.ComplianceURL)
	ep := &transport.Endpoint{BaseURL: prod.ComplianceURL, Tenant: v.tenant.ID, Service: transport.Compliance, Tokens: tok,
		Anchor: transport.ComplianceAnchor(v.tenant.Domain)} // as internal/connect anchors a GUID tenant (§10.6)
	for i := 0; i < 3; i++ {
		n := 0
		_, err := v.c.Invoke(context.Background(), ep, transport.Request{Cmdlet: "Get-DlpCompliancePolicy"}, func(json.RawMessage) error { n++; return nil })
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if r := v.e.Counters().Redirects; r != 1 {
		t.Errorf("%d redirects, want 1 (the regional host is remembered)", r)
	}
	noViolations(t, v.e)
}

func TestEmulatorBatch(t *testing.T) {
	v := newEnv(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso", Mailboxes: 30}}}, transport.Options{PageSize: 10})
	reqs := []transport.Request{
		{Cmdlet: "Get-OrganizationConfig", Select: []string{"Name"}},
		{Cmdlet: "Get-Mailbox", Parameters: map[string]any{"ResultSize": "Unlimited"}},
		{Cmdlet: "Get-Mailbox", Parameters: map[string]any{"Identity": "nobody@contoso.onmicrosoft.com"}},
		{Cmdlet: "Get-AcceptedDomain"},
	}
	var mu sync.Mutex
	counts := make([]int, len(reqs))
	st, errs := v.c.Batch(context.Background(), v.ep, reqs, func(i int, o json.RawMessage) error {
		mu.Lock()
		counts[i]++
		mu.Unlock()
		return nil
	})
	if errs[0] != nil || counts[0] != 1 || errs[1] != nil || counts[1] != 30 || st[1].Pages != 3 || errs[3] != nil || counts[3] == 0 {
		t.Fatalf("errs %v counts %v stats %+v", errs, counts, st)
	}
	var e *transport.Error
	if !errors.As(errs[2], &e) || e.Category != category.NotFound {
		t.Errorf("item 2: %v", errs[2])
	}
	noViolations(t, v.e)
}

// countingLimiter is a plain semaphore, like the runner's.
type countingLimiter struct {
	ch        chan struct{}
	mu        sync.Mutex
	throttled int
}

func (l *countingLimiter) Acquire(ctx context.Context) error {
	select {
	case l.ch <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
func (l *countingLimiter) Release() { <-l.ch }
func (l *countingLimiter) Throttled(time.Duration) {
	l.mu.Lock()
	l.throttled++
	l.mu.Unlock()
}

func TestEmulatorConcurrencyCap(t *testing.T) {
	v := newEnv(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso", Mailboxes: 10}}, ConcurrencyCap: 3,
		Latency: emulator.LatencySpec{Fixed: 10 * time.Millisecond}}, transport.Options{Clock: fastClock{most: 100 * time.Millisecond}})
	// With a limiter of 3, the cap is never hit.
	lim := &countingLimiter{ch: make(chan struct{}, 3)}
	v.ep.Limiter = lim
	var wg2 sync.WaitGroup
	for i := 0; i < 12; i++ {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			if _, _, err := v.run(t, transport.Request{Cmdlet: "Get-OrganizationConfig"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg2.Wait()
	if c := v.e.Counters(); c.Throttled != 0 || c.Tenant(v.tenant.ID).MaxInFlight > 3 {
		t.Errorf("throttled %d, max in flight %d", c.Throttled, c.Tenant(v.tenant.ID).MaxInFlight)
	}
	v.ep.Limiter = nil
	// Without a limiter, 12 callers overrun the cap: the 429s are absorbed.
	// Each call is held long enough that a fourth one arrives while three are
	// in flight even when, under -race on a busy machine, the nine new TLS
	// connections take tens of milliseconds each (with 10ms the three warm
	// connections served everything, 1 run in ~15); the waits (up to 100ms
	// each, 10 per call) outlast the four rounds the 12 calls need.
	v.e.SetLatency(emulator.LatencySpec{Fixed: 100 * time.Millisecond})
	var wg sync.WaitGroup
	errs := make(chan error, 12)
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := v.run(t, transport.Request{Cmdlet: "Get-OrganizationConfig"})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if c := v.e.Counters(); c.Throttled == 0 {
		t.Errorf("the cap was never hit: the test proves nothing (max in flight %d)", c.Tenant(v.tenant.ID).MaxInFlight)
	}
}

// A token the client's cache still holds but the service considers expired
// gets one 401, a forced refresh and the call goes through.
func TestEmulatorExpiredTokenRefreshedOnce(t *testing.T) {
	var mu sync.Mutex
	skew := time.Duration(0)
	now := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return time.Now().Add(skew)
	}
	v := newEnv(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso"}}, TokenLifetime: time.Hour, Now: now}, transport.Options{})
	if _, _, err := v.run(t, transport.Request{Cmdlet: "Get-OrganizationConfig"}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	skew = 2 * time.Hour // the service's clock moves on; MSAL's cache does not know
	mu.Unlock()
	_, st, err := v.run(t, transport.Request{Cmdlet: "Get-OrganizationConfig"})
	if err != nil || v.tokens.forced != 1 || st.Requests != 2 || !strings.Contains(strings.Join(st.Retried, ";"), "401") {
		t.Fatalf("%v forced=%d %+v", err, v.tokens.forced, st)
	}
}

// BenchmarkEmulatorInvoke is a whole small call over TLS on loopback,
// client and emulator in one process (so ns/op includes the server).
func BenchmarkEmulatorInvoke(b *testing.B) {
	v := newEnv(b, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso"}}, ConcurrencyCap: -1}, transport.Options{})
	req := transport.Request{Cmdlet: "Get-AcceptedDomain"}
	emit := func(json.RawMessage) error { return nil }
	b.ReportAllocs()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := v.c.Invoke(context.Background(), v.ep, req, emit); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}
