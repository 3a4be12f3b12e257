package exchange

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Test doubles: a two-tenant backend and a table of tokens.

const (
	tidA = "11111111-1111-4111-8111-111111111111"
	tidB = "22222222-2222-4222-8222-222222222222"
	domA = "contoso.onmicrosoft.com"
	domB = "fabrikam.onmicrosoft.com"
)

type fakeBackend struct {
	mailboxes int
	block     chan struct{} // when set, Get-Mailbox waits on it
	entered   chan struct{}
	mu        sync.Mutex
	city      string
}

func (f *fakeBackend) Resolve(key string) (string, string, bool) {
	switch strings.ToLower(key) {
	case tidA, domA:
		return tidA, domA, true
	case tidB, domB:
		return tidB, domB, true
	}
	return "", "", false
}

var fakeCmdlets = []string{"Get-AcceptedDomain", "Get-Mailbox", "Set-Mailbox"}

func (f *fakeBackend) Cmdlets(svc Service) []string {
	if svc == Compliance {
		return []string{"Get-DlpCompliancePolicy"}
	}
	return fakeCmdlets
}

func (f *fakeBackend) Known(svc Service, cmdlet string) bool {
	for _, c := range f.Cmdlets(svc) {
		if strings.EqualFold(c, cmdlet) {
			return true
		}
	}
	return false
}

func (f *fakeBackend) Invoke(ctx context.Context, tenantID string, svc Service, cmdlet string, params map[string]any) (*Result, error) {
	switch cmdlet {
	case "Get-AcceptedDomain":
		dom := domA
		if tenantID == tidB {
			dom = domB
		}
		return &Result{Len: 1, Object: func(int) Object {
			return Object{
				{Name: "DomainName", Value: dom},
				{Name: "Default", Value: true},
				{Name: "Guid", Value: "aaaaaaaa-0000-4000-8000-000000000001", ODataType: "#Guid", DataType: "System.Guid"},
				{Name: "Capabilities", Value: []string{"None"}},
			}
		}}, nil
	case "Get-Mailbox":
		if f.block != nil {
			f.entered <- struct{}{}
			select {
			case <-f.block:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if id, ok := params["Identity"].(string); ok && id == "nobody" {
			return nil, &CmdletError{Status: 404, Code: "NotFound", Message: "Error executing cmdlet", ErrorID: "Ex6F9304",
				ExceptionType: "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
				Detail:        "The operation couldn't be performed because object 'nobody' couldn't be found on 'DC1.PROD.OUTLOOK.COM'.", Target: "nobody"}
		}
		if _, ok := params["Bogus"]; ok {
			return nil, errors.New("backend exploded")
		}
		f.mu.Lock()
		city := f.city
		f.mu.Unlock()
		return &Result{Len: f.mailboxes, Object: func(i int) Object {
			return Object{{Name: "Name", Value: fmt.Sprintf("user%04d", i)}, {Name: "City", Value: city}, {Name: "RecipientTypeDetails", Value: "UserMailbox"}}
		}}, nil
	case "Set-Mailbox":
		f.mu.Lock()
		defer f.mu.Unlock()
		c, _ := params["City"].(string)
		if c == f.city {
			return &Result{Warnings: []string{"The command completed successfully but no settings of 'x' have been modified."}}, nil
		}
		f.city = c
		return &Result{Write: &Write{Cmdlet: "set-mailbox", Params: params}}, nil
	}
	return nil, fmt.Errorf("fake: %s not implemented", cmdlet)
}

// Tokens of the fake verifier.
const (
	tokAppA      = "app-a"
	tokAppB      = "app-b"
	tokUserA     = "user-a"
	tokNoRole    = "norole-a"
	tokWrongAud  = "wrongaud-a"
	tokExpiresA  = "expires-a"
	tokCompliant = "ipps-a"
	tokNoScope   = "noscope-a"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type harness struct {
	t        *testing.T
	srv      *Server
	be       *fakeBackend
	clock    *testClock
	exo      *httptest.Server
	ipps     *httptest.Server
	door     *httptest.Server
	client   *http.Client
	verified int
	vmu      sync.Mutex
}

func newHarness(t *testing.T, mutate func(*Config)) *harness {
	t.Helper()
	h := &harness{t: t, be: &fakeBackend{mailboxes: 5}, clock: &testClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}}
	var exoURL, doorURL string
	verify := VerifierFunc(func(tok string) (*Claims, error) {
		h.vmu.Lock()
		h.verified++
		h.vmu.Unlock()
		exp := h.clock.Now().Add(time.Hour)
		switch tok {
		case tokAppA:
			return &Claims{TenantID: tidA, Audience: exoURL, AppID: "app", Roles: []string{roleManageAsApp}, ExpiresAt: exp}, nil
		case tokAppB:
			return &Claims{TenantID: tidB, Audience: exoURL, AppID: "app", Roles: []string{roleManageAsApp}, ExpiresAt: exp}, nil
		case tokUserA:
			return &Claims{TenantID: tidA, Audience: exoURL + "/", AppID: "pub", UPN: "admin@" + domA, Scopes: []string{scopeAccessAsUser}, ExpiresAt: exp}, nil
		case tokNoScope:
			return &Claims{TenantID: tidA, Audience: exoURL, AppID: "pub", UPN: "admin@" + domA, Scopes: []string{"User.Read"}, ExpiresAt: exp}, nil
		case tokNoRole:
			return &Claims{TenantID: tidA, Audience: exoURL, AppID: "app", ExpiresAt: exp}, nil
		case tokWrongAud:
			return &Claims{TenantID: tidA, Audience: "https://graph.microsoft.com", AppID: "app", Roles: []string{roleManageAsApp}, ExpiresAt: exp}, nil
		case tokExpiresA:
			return &Claims{TenantID: tidA, Audience: exoURL, AppID: "app", Roles: []string{roleManageAsApp}, ExpiresAt: h.clock.Now().Add(time.Minute)}, nil
		case "acrs-c1":
			return &Claims{TenantID: tidA, Audience: exoURL, AppID: "app", Roles: []string{roleManageAsApp}, Acrs: []string{"c1"}, ExpiresAt: exp}, nil
		case tokCompliant:
			return &Claims{TenantID: tidA, Audience: doorURL, AppID: "app", Roles: []string{roleManageAsApp}, ExpiresAt: exp}, nil
		}
		return nil, errors.New("signature does not verify")
	})
	cfg := Config{Backend: h.be, Verifier: verify, AuthorityURL: "https://login.test", Seed: 7, Now: h.clock.Now}
	if mutate != nil {
		mutate(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	// Listeners need their URL before their handler: route through a switch.
	var exoH, ippsH, doorH http.Handler
	h.exo = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { exoH.ServeHTTP(w, r) }))
	h.ipps = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ippsH.ServeHTTP(w, r) }))
	h.door = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { doorH.ServeHTTP(w, r) }))
	exoURL, doorURL = h.exo.URL, h.door.URL
	exoH = srv.Handler(Exchange, h.exo.URL, exoURL)
	ippsH = srv.Handler(Compliance, h.ipps.URL, doorURL)
	doorH = srv.FrontDoor(h.ipps.URL, "")
	tr := h.exo.Client().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} // three httptest certs; TLS itself is what matters here
	tr.DisableCompression = true
	h.client = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	t.Cleanup(func() { h.exo.Close(); h.ipps.Close(); h.door.Close(); tr.CloseIdleConnections() })
	return h
}
