package entra

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	contosoID   = "11111111-aaaa-4aaa-8aaa-111111111111"
	fabrikamID  = "22222222-bbbb-4bbb-8bbb-222222222222"
	partnerID   = "33333333-cccc-4ccc-8ccc-333333333333"
	otherID     = "44444444-dddd-4ddd-8ddd-444444444444"
	exoResource = "https://outlook.office365.com"
	exoScope    = exoResource + "/.default"

	secretAppID  = "a0000000-0000-4000-8000-00000000000a"
	certAppID    = "b0000000-0000-4000-8000-00000000000b"
	publicAppID  = "fb78d390-0c51-40cd-8e17-fdbfab77341b"
	fedAppID     = "c0000000-0000-4000-8000-00000000000c"
	narrowAppID  = "d0000000-0000-4000-8000-00000000000d" // consented in contoso only
	miClientID   = "e0000000-0000-4000-8000-00000000000e"
	miObjectID   = "e1000000-0000-4000-8000-00000000000e"
	mi2ClientID  = "f0000000-0000-4000-8000-00000000000f"
	mi2ObjectID  = "f1000000-0000-4000-8000-00000000000f"
	testSecret   = "s3cr3t-value-never-logged"
	identityHdr  = "mi-header-secret"
	adminUPN     = "admin@contoso.onmicrosoft.com"
	mfaUPN       = "mfa@contoso.onmicrosoft.com"
	partnerUPN   = "tech@partner.onmicrosoft.com"
	userPassword = "P@ssw0rd-not-logged"
)

// testCert is a self-signed certificate and its key, made once per test binary (RSA key
// generation is the slow part of these tests).
type testCert struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
}

var (
	certsOnce sync.Once
	goodCert  testCert
	badCert   testCert
)

func certs(t testing.TB) (good, bad testCert) {
	certsOnce.Do(func() {
		goodCert = makeCert(t, "good")
		badCert = makeCert(t, "unregistered")
	})
	return goodCert, badCert
}

func makeCert(t testing.TB, cn string) testCert {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return testCert{cert: c, key: key}
}

// fakeClock is an injected clock for time-dependent checks.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func testOptions(t testing.TB) Options {
	good, _ := certs(t)
	return Options{
		Tenants: []Tenant{
			{ID: contosoID, Domain: "contoso.onmicrosoft.com"},
			{ID: fabrikamID, Domain: "fabrikam.onmicrosoft.com"},
			{ID: partnerID, Domain: "partner.onmicrosoft.com"},
			{ID: otherID, Domain: "other.onmicrosoft.com"},
		},
		Apps: []App{
			{ClientID: secretAppID, Secret: testSecret, Tenants: []string{contosoID, fabrikamID}},
			{ClientID: certAppID, Certificates: []*x509.Certificate{good.cert}},
			{ClientID: publicAppID, Public: true},
			{ClientID: fedAppID, FederatedSubjects: []string{miObjectID}},
			{ClientID: narrowAppID, Public: true, Tenants: []string{contosoID}},
		},
		Users: []User{
			{UPN: adminUPN, Password: userPassword, TenantID: contosoID},
			{UPN: mfaUPN, Password: userPassword, TenantID: contosoID, MFA: true},
			{UPN: partnerUPN, Password: userPassword, TenantID: partnerID, PartnerOf: []string{contosoID, fabrikamID}},
		},
		Resources:      []string{exoResource, "https://ps.compliance.protection.outlook.com"},
		IdentityHeader: identityHdr,
		ManagedIdentities: []ManagedIdentity{
			{ClientID: miClientID, ObjectID: miObjectID, TenantID: partnerID},
			{ClientID: mi2ClientID, ObjectID: mi2ObjectID, TenantID: partnerID, ResourceID: "/subscriptions/x/mi2"},
		},
	}
}

// newServer starts the authority on a TLS test server.
func newServer(t testing.TB, opts Options) (*Authority, *httptest.Server) {
	t.Helper()
	a, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(a.Handler())
	t.Cleanup(srv.Close)
	a.SetBaseURL(srv.URL)
	return a, srv
}

// postForm posts a form to the server and decodes the JSON answer.
func postForm(t testing.TB, srv *httptest.Server, path string, form url.Values) (int, http.Header, map[string]any) {
	t.Helper()
	resp, err := srv.Client().Post(srv.URL+path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("%s: decode answer: %v", path, err)
	}
	return resp.StatusCode, resp.Header, body
}

// aadCode is the first AADSTS code of an error answer.
func aadCode(body map[string]any) int {
	codes, _ := body["error_codes"].([]any)
	if len(codes) == 0 {
		return 0
	}
	f, _ := codes[0].(float64)
	return int(f)
}

func secretForm(tenantScope string) url.Values {
	return url.Values{
		"grant_type": {"client_credentials"}, "client_id": {secretAppID},
		"client_secret": {testSecret}, "scope": {tenantScope + " openid offline_access profile"},
	}
}

func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }

func toJSON(v any) string { b, _ := json.Marshal(v); return string(b) }
