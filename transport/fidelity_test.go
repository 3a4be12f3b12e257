package transport_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"

	"github.com/exoplay/exoplay/internal/category"
	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/transport"
)

// These tests hold the client to the service's behaviours of
// exo-rest-protocol.md §10, each against the emulator in its strict
// default (internal/emulator/BEHAVIOURS.md).

// rewriteRT changes each request before it is sent, standing in for a
// client that gets one header wrong.
type rewriteRT struct {
	next http.RoundTripper
	edit func(*http.Request)
	mu   sync.Mutex
	seen []string // Content-Type of each answer
}

func (r *rewriteRT) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	r.edit(req)
	resp, err := r.next.RoundTrip(req)
	if err == nil {
		r.mu.Lock()
		r.seen = append(r.seen, resp.Header.Get("Content-Type"))
		r.mu.Unlock()
	}
	return resp, err
}

func batchOf(t *testing.T, v *env) ([]int, []error) {
	t.Helper()
	reqs := []transport.Request{
		{Cmdlet: "Get-OrganizationConfig", Select: []string{"Name"}},
		{Cmdlet: "Get-Mailbox", Parameters: map[string]any{"ResultSize": "Unlimited"}},
		{Cmdlet: "Get-Mailbox", Parameters: map[string]any{"Identity": "nobody@contoso.onmicrosoft.com"}},
	}
	var mu sync.Mutex
	counts := make([]int, len(reqs))
	_, errs := v.c.Batch(context.Background(), v.ep, reqs, func(i int, o json.RawMessage) error {
		var m map[string]any
		if err := json.Unmarshal(o, &m); err != nil {
			return err
		}
		mu.Lock()
		counts[i]++
		mu.Unlock()
		return nil
	})
	return counts, errs
}

// §10.3: the token goes inside every $batch item; the emulator refuses an
// item without one.
func TestFidelityBatchItemsCarryAuthorization(t *testing.T) {
	v := newEnv(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso", Mailboxes: 25}}}, transport.Options{PageSize: 10})
	counts, errs := batchOf(t, v)
	if errs[0] != nil || errs[1] != nil || counts[0] != 1 || counts[1] != 25 {
		t.Fatalf("counts %v errs %v", counts, errs)
	}
	var e *transport.Error
	if !errors.As(errs[2], &e) || e.Category != category.NotFound {
		t.Errorf("item 2: %v", errs[2])
	}
	noViolations(t, v.e)
}

// §10.4: a multipart/mixed answer (what the service sends without the
// minimal-metadata Accept) is read as well as the JSON one.
func TestFidelityBatchMultipartAnswer(t *testing.T) {
	e := startEmulator(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso", Mailboxes: 25}}})
	rt := &rewriteRT{next: e.HTTPClient().Transport, edit: func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/$batch") {
			r.Header.Set("Accept", "application/json")
		}
	}}
	ten := e.Tenants()[0]
	v := &env{e: e, tenant: ten, tokens: newTokens(t, e, ten.Domain, prod.ExchangeURL),
		c: transport.New(transport.Options{HTTPClient: &http.Client{Transport: rt}, Clock: fastClock{}, PageSize: 10})}
	v.ep = &transport.Endpoint{BaseURL: prod.ExchangeURL, Tenant: ten.Domain, Tokens: v.tokens}
	counts, errs := batchOf(t, v)
	if errs[0] != nil || errs[1] != nil || counts[0] != 1 || counts[1] != 25 {
		t.Fatalf("counts %v errs %v", counts, errs)
	}
	var te *transport.Error
	if !errors.As(errs[2], &te) || te.Category != category.NotFound || te.ExceptionType == "" {
		t.Errorf("item 2: %v", errs[2])
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if len(rt.seen) < 3 || !strings.HasPrefix(rt.seen[0], "multipart/mixed") {
		t.Errorf("the emulator did not answer multipart: %v", rt.seen)
	}
}

// §10.7: whichever form the detail comes in, the error names the exception
// type and a readable message, never the raw JSON.
func TestFidelityErrorDetailForms(t *testing.T) {
	v := newEnv(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso"}}}, transport.Options{})
	cases := []struct {
		req  transport.Request
		cat  string
		typ  string
		text string
	}{
		{transport.Request{Cmdlet: "Get-Mailbox", Parameters: map[string]any{"Identity": "nobody@contoso.onmicrosoft.com"}},
			category.NotFound, "ManagementObjectNotFoundException", "couldn't be found"},
		{transport.Request{Cmdlet: "Get-Mailbox", Parameters: map[string]any{"Bogus": 1}},
			category.Validation, "ParameterBindingException", "Bogus"},
	}
	for _, form := range []string{"", "pipe", "json", "localized"} {
		if err := v.e.SetStrictness(emulator.Strictness{ErrorDetail: form}); err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			_, _, err := v.run(t, c.req)
			var e *transport.Error
			if !errors.As(err, &e) || e.Category != c.cat || !strings.HasSuffix(e.ExceptionType, "."+c.typ) ||
				!strings.Contains(e.Message, c.text) || strings.ContainsAny(e.Message, "{}") {
				t.Errorf("form %q, %v: got %v (type %q)", form, c.req.Parameters, err, exceptionType(err))
			}
			if form == "pipe" && c.cat == category.NotFound && e.Code != "Ex6F9304" {
				t.Errorf("pipe form lost the error id: %q", e.Code)
			}
		}
	}
	noViolations(t, v.e)
}

func exceptionType(err error) string {
	var e *transport.Error
	if errors.As(err, &e) {
		return e.ExceptionType
	}
	return ""
}

// §10.10: the concurrency refusal as plain text, at whatever status, means
// "not executed": even a New- is waited out and sent again, and applied
// once.
func TestFidelityConcurrencyTextAtAnyStatus(t *testing.T) {
	v := newEnv(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso"}}}, transport.Options{})
	for i, status := range []int{429, 503, 400, 200} {
		if err := v.e.SetStrictness(emulator.Strictness{ConcurrencyBody: "text", ConcurrencyStatus: status}); err != nil {
			t.Fatal(err)
		}
		f, _ := emulator.ParseFaults("concurrency:first1")
		_ = v.e.SetFaults(f)
		name := "exoplay-concurrency-" + strconv.Itoa(i)
		objs, st, err := v.run(t, transport.Request{Cmdlet: "New-TransportRule", Parameters: map[string]any{"Name": name, "SentToScope": "NotInOrganization"}})
		if err != nil || st.ThrottledWaits != 1 || len(objs) != 1 {
			t.Errorf("status %d: %v %+v", status, err, st)
		}
	}
	_ = v.e.SetFaults(emulator.FaultSpec{})
	if w := v.e.Counters().Tenant(v.tenant.ID).Writes; len(w) != 4 {
		t.Errorf("%d writes applied, want 4", len(w))
	}
	noViolations(t, v.e)
}

// §10.8: $true/$false inside filter text go out as 'True'/'False'.
func TestFidelityFilterBooleansRewritten(t *testing.T) {
	v := newEnv(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso", Mailboxes: 8}}}, transport.Options{})
	params := map[string]any{"ResultSize": "Unlimited", "Filter": "PopEnabled -eq $TRUE -or PopEnabled -eq $false"}
	objs, _, err := v.run(t, transport.Request{Cmdlet: "Get-CASMailbox", Parameters: params})
	if err != nil || len(objs) == 0 {
		t.Fatalf("%v: %d objects", err, len(objs))
	}
	if params["Filter"] != "PopEnabled -eq $TRUE -or PopEnabled -eq $false" {
		t.Errorf("the caller's parameters were changed: %v", params)
	}
	noViolations(t, v.e)
}

// §10.9: a mailbox-routed call anchors on SMTP:<address>, or
// MBX:<guid>@<tenant GUID>, as the module's routing hint does.
func TestFidelityMailboxRoutedAnchors(t *testing.T) {
	v := newEnv(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso", Mailboxes: 3}}}, transport.Options{})
	v.ep.TenantID = v.tenant.ID
	mbx, _, err := v.run(t, transport.Request{Cmdlet: "Get-Mailbox", Select: []string{"UserPrincipalName", "ExchangeGuid"}, ResultSize: 1})
	if err != nil || len(mbx) != 1 {
		t.Fatalf("%v %v", err, mbx)
	}
	upn, _ := mbx[0]["UserPrincipalName"].(string)
	guid, _ := mbx[0]["ExchangeGuid"].(string)
	if upn == "" || len(guid) != 36 {
		t.Fatalf("no UPN or GUID to route on: %v", mbx[0])
	}
	for _, id := range []string{upn, guid} {
		if _, _, err := v.run(t, transport.Request{Cmdlet: "Get-MailboxStatistics", Parameters: map[string]any{"Identity": id}}); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	noViolations(t, v.e)
}

// §10.2: a next link on the backend port 446 is followed on 443; the
// emulator closes connections addressed to 446, as the unreachable port
// does.
func TestFidelityNextLinkPort446(t *testing.T) {
	v := newEnv(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso", Mailboxes: 25}},
		Strict: emulator.Strictness{NextLinkPort446: true}}, transport.Options{PageSize: 10})
	objs, st, err := v.run(t, transport.Request{Cmdlet: "Get-Mailbox", Parameters: map[string]any{"ResultSize": "Unlimited"}})
	if err != nil || len(objs) != 25 || st.Pages != 3 {
		t.Fatalf("%v: %d objects %+v", err, len(objs), st)
	}
	noViolations(t, v.e)
}

// §10.1: the compliance front door redirects to
// <label>.admin.protection.outlook.com:446, where the REST API is not
// served; the client rebuilds <label>.ps.compliance.protection.outlook.com,
// and remembers it for the tenant (one redirect for three calls, $batch
// included).
func TestFidelityComplianceRegionalFromLabel(t *testing.T) {
	v := newEnv(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso"}}}, transport.Options{})
	ep := &transport.Endpoint{BaseURL: prod.ComplianceURL, Tenant: v.tenant.Domain, Service: transport.Compliance,
		Tokens: newTokens(t, v.e, v.tenant.Domain, prod.ComplianceURL)}
	for i := range 2 {
		if _, err := v.c.Invoke(context.Background(), ep, transport.Request{Cmdlet: "Get-DlpCompliancePolicy"}, nil); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	_, errs := v.c.Batch(context.Background(), ep, []transport.Request{{Cmdlet: "Get-DlpCompliancePolicy"}, {Cmdlet: "Get-RetentionCompliancePolicy"}}, nil)
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("batch: %v", errs)
	}
	if r := v.e.Counters().Redirects; r != 1 {
		t.Errorf("%d redirects, want 1", r)
	}
	noViolations(t, v.e)
}

// Compressed answers (issue 14 item 7): pages, errors and $batch rounds
// the emulator gzips are read as the plain ones.
func TestFidelityGzipAnswers(t *testing.T) {
	v := newEnv(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso", Mailboxes: 25}},
		Strict: emulator.Strictness{GzipAnswers: true}}, transport.Options{PageSize: 10})
	objs, st, err := v.run(t, transport.Request{Cmdlet: "Get-Mailbox", Parameters: map[string]any{"ResultSize": "Unlimited"}})
	if err != nil || len(objs) != 25 || st.Pages != 3 {
		t.Fatalf("%v: %d objects %+v", err, len(objs), st)
	}
	_, _, err = v.run(t, transport.Request{Cmdlet: "Get-Mailbox", Parameters: map[string]any{"Identity": "nobody@contoso.onmicrosoft.com"}})
	var e *transport.Error
	if !errors.As(err, &e) || e.Category != category.NotFound || e.Code != "Ex6F9304" {
		t.Errorf("gzip error body: %v", err)
	}
	counts, errs := batchOf(t, v)
	if errs[0] != nil || errs[1] != nil || counts[1] != 25 {
		t.Errorf("batch: %v %v", counts, errs)
	}
	noViolations(t, v.e)
}

// TokenWithClaims asks MSAL for a token with the challenge's claims, as
// auth.Source does.
func (m *msalTokens) TokenWithClaims(ctx context.Context, claims string) (string, error) {
	m.mu.Lock()
	m.challenged = append(m.challenged, claims)
	m.mu.Unlock()
	r, err := m.app.AcquireTokenByCredential(ctx, []string{m.scope}, confidential.WithClaims(claims))
	if err != nil {
		return "", err
	}
	return r.AccessToken, nil
}

// tokenOnly hides TokenWithClaims: a client that only refreshes.
type tokenOnly struct{ transport.TokenSource }

// §10.11: a 401 with a claims challenge is answered with a token asked
// for with those claims; a fresh token without them is refused again.
func TestFidelityClaimsChallenge(t *testing.T) {
	v := newEnv(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso", Mailboxes: 3}}}, transport.Options{})
	f, _ := emulator.ParseFaults("claims:first1")
	_ = v.e.SetFaults(f)
	objs, st, err := v.run(t, transport.Request{Cmdlet: "Get-Mailbox"})
	if err != nil || len(objs) != 3 || len(st.Retried) != 1 || !strings.Contains(st.Retried[0], "claims challenge") {
		t.Fatalf("%v %d %+v", err, len(objs), st)
	}
	v.tokens.mu.Lock()
	got := v.tokens.challenged
	v.tokens.mu.Unlock()
	if len(got) != 1 || !strings.Contains(got[0], `"acrs"`) || !strings.Contains(got[0], `"nbf"`) {
		t.Errorf("claims passed on: %q", got)
	}
	// In a $batch too.
	_ = v.e.SetFaults(f)
	if counts, errs := batchOf(t, v); errs[0] != nil || errs[1] != nil || counts[1] != 3 {
		t.Errorf("batch: %v %v", counts, errs)
	}

	// A token source that can only refresh gets the 401 again: a made-up
	// claims value is not the challenge.
	_ = v.e.SetFaults(f)
	ep := *v.ep
	ep.Tokens = tokenOnly{v.tokens}
	_, err = v.c.Invoke(context.Background(), &ep, transport.Request{Cmdlet: "Get-Mailbox"}, nil)
	var e *transport.Error
	if !errors.As(err, &e) || e.Status != 401 {
		t.Errorf("refresh only: %v", err)
	}
}
