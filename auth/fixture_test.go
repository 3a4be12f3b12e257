package auth

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/exoplay/exoplay/internal/emulator/entra"
)

// Test identities. Secrets are distinctive so the leak test can grep for them.
const (
	contosoID     = "11111111-aaaa-4aaa-8aaa-111111111111"
	contosoDomain = "contoso.onmicrosoft.com"
	fabrikamID    = "22222222-bbbb-4bbb-8bbb-222222222222"
	fabrikamDom   = "fabrikam.onmicrosoft.com"
	partnerID     = "33333333-cccc-4ccc-8ccc-333333333333"
	partnerDomain = "partner.onmicrosoft.com"

	secretAppID  = "aaaaaaaa-0000-4000-8000-000000000001"
	secretValue  = "s3cr3t-Value~Do-Not-Leak-1234"
	certAppID    = "aaaaaaaa-0000-4000-8000-000000000002"
	publicAppID  = "aaaaaaaa-0000-4000-8000-000000000003"
	partnerAppID = "aaaaaaaa-0000-4000-8000-000000000004"
	partnerSecr  = "partner-S3cret-Do-Not-Leak-5678"
	fedAppID     = "aaaaaaaa-0000-4000-8000-000000000005"

	adminUPN    = "admin@contoso.onmicrosoft.com"
	adminPass   = "Adm1n-Passw0rd-Do-Not-Leak"
	mfaUPN      = "mfa@contoso.onmicrosoft.com"
	mfaPass     = "Mfa-Passw0rd-Do-Not-Leak"
	partnerUPN  = "tech@partner.onmicrosoft.com"
	partnerPass = "Partner-Passw0rd-Do-Not-Leak"

	miObjectID = "bbbbbbbb-0000-4000-8000-0000000000aa"
	miHeader   = "mi-identity-header-Do-Not-Leak"

	exchange = "https://outlook.office365.com"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

// Whole seconds, like JWT times, so lifetimes in tests are exact.
func newClock() *clock { return &clock{t: time.Now().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture is an emulated Entra ID authority over TLS with the real MSAL
// clients pointed at it.
type fixture struct {
	t      testing.TB
	a      *entra.Authority
	srv    *httptest.Server
	client *http.Client // dials login.microsoftonline.com (and any host) to srv, trusting its CA
	clock  *clock
	cert   *x509.Certificate
	key    *rsa.PrivateKey
	stderr *syncBuffer
	// miClientID is new per fixture: MSAL's managed identity token cache is
	// global to the process, and tokens of an earlier fixture's authority
	// (another signing key) must not be served to this one.
	miClientID string
}

type fixtureOptions struct {
	lifetime time.Duration
	polls    int
}

var (
	certOnce sync.Once
	testCert *x509.Certificate
	testKey  *rsa.PrivateKey
)

// sharedCert is one RSA certificate for all tests (key generation is slow).
func sharedCert(t testing.TB) (*x509.Certificate, *rsa.PrivateKey) {
	certOnce.Do(func() { testCert, testKey = makeCert(t, "exoplay-test") })
	return testCert, testKey
}

func makeCert(t testing.TB, cn string) (*x509.Certificate, *rsa.PrivateKey) {
	t.Helper()
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
	return c, key
}

func newFixture(t testing.TB, fo fixtureOptions) *fixture {
	t.Helper()
	cert, key := sharedCert(t)
	clk := newClock()
	miClientID := fmt.Sprintf("bbbbbbbb-0000-4000-8000-%012x", time.Now().UnixNano()&0xffffffffffff)
	a, err := entra.New(entra.Options{
		Tenants: []entra.Tenant{{ID: contosoID, Domain: contosoDomain}, {ID: fabrikamID, Domain: fabrikamDom}, {ID: partnerID, Domain: partnerDomain}},
		Apps: []entra.App{
			{ClientID: secretAppID, Secret: secretValue},
			{ClientID: certAppID, Certificates: []*x509.Certificate{cert}},
			{ClientID: publicAppID, Public: true},
			{ClientID: ExchangePowerShellClientID, Public: true},
			{ClientID: partnerAppID, Secret: partnerSecr},
			{ClientID: fedAppID, FederatedSubjects: []string{miObjectID}},
		},
		Users: []entra.User{
			{UPN: adminUPN, Password: adminPass, TenantID: contosoID},
			{UPN: mfaUPN, Password: mfaPass, TenantID: contosoID, MFA: true},
			{UPN: partnerUPN, Password: partnerPass, TenantID: partnerID, PartnerOf: []string{contosoID, fabrikamID}},
		},
		Resources:         []string{exchange},
		TokenLifetime:     fo.lifetime,
		DeviceCodePolls:   fo.polls,
		IdentityHeader:    miHeader,
		ManagedIdentities: []entra.ManagedIdentity{{ClientID: miClientID, ObjectID: miObjectID, TenantID: contosoID}},
		Now:               clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	// The authority answers at login.microsoftonline.com, as Entra does:
	// the client dials that name to the test server (what --connect-to
	// does), so auth runs its production path (MSAL's own handling of a
	// known Microsoft host) against it.
	srv, client := serveAs(t, a.Handler(), authorityHost)
	return &fixture{t: t, a: a, srv: srv, client: client, clock: clk, cert: cert, key: key, stderr: &syncBuffer{}, miClientID: miClientID}
}

// authorityHost is where the fixture's authority is reached.
const (
	authorityHost = "login.microsoftonline.com"
	authority     = "https://" + authorityHost
)

// serveAs serves h over TLS with a certificate for host (and 127.0.0.1,
// where the managed identity endpoint is reached) from a test CA, and
// returns a client that dials every address to it and trusts that CA.
func serveAs(t testing.TB, h http.Handler, host string) (*httptest.Server, *http.Client) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "auth test CA"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	addr := srv.Listener.Addr().String()
	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
	t.Cleanup(client.CloseIdleConnections)
	return srv, client
}

// manager returns a Manager on the fixture's clock, with waits recorded
// instead of slept.
func (f *fixture) manager(mod func(*Options)) (*Manager, *[]time.Duration) {
	opts := Options{
		HTTPClient: f.client,
		CacheDir:   f.t.TempDir(),
		Now:        f.clock.Now,
		Stderr:     f.stderr,
	}
	if mod != nil {
		mod(&opts)
	}
	m := NewManager(opts)
	var mu sync.Mutex
	waits := &[]time.Duration{}
	m.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		*waits = append(*waits, d)
		mu.Unlock()
		return ctx.Err()
	}
	f.t.Cleanup(func() { m.Close() })
	return m, waits
}

func (f *fixture) source(m *Manager, cred *Credential, tenant string) *Source {
	f.t.Helper()
	s, err := m.Source(cred, authority, tenant, exchange)
	if err != nil {
		f.t.Fatalf("Source: %v", err)
	}
	return s
}

// token gets a token and its claims, failing the test on error.
func (f *fixture) token(s *Source, force bool) tokenClaims {
	f.t.Helper()
	tok, err := s.Token(context.Background(), force)
	if err != nil {
		f.t.Fatalf("Token: %v", err)
	}
	c, err := parseClaims(tok)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.a.Verify(tok); err != nil {
		f.t.Fatalf("the authority does not accept its own token: %v", err)
	}
	return c
}

// syncBuffer is a goroutine-safe bytes.Buffer for Stderr.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var _ = http.MethodGet
