package auth

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/cloud"
	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/internal/emulator/entra"
)

// prod is the service's own cloud table: the emulator answers those URLs
// when they are dialled to it, which its HTTPClient does.
var prod, _ = cloud.Lookup(cloud.Default)

// invoke runs Get-AcceptedDomain in tenant with token, as the Exchange
// module would, and returns the HTTP status and body.
func invoke(t *testing.T, e *emulator.Emulator, tenant, token, anchor string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, prod.ExchangeURL+"/adminapi/beta/"+tenant+"/InvokeCommand",
		strings.NewReader(`{"CmdletInput":{"CmdletName":"Get-AcceptedDomain","Parameters":{}}}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-AnchorMailbox", anchor)
	resp, err := e.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestEveryMethodRunsACmdlet signs in with each method at the emulator's
// authority (real MSAL clients over TLS) and runs a cmdlet with the token.
func TestEveryMethodRunsACmdlet(t *testing.T) {
	cert, key := sharedCert(t)
	const certApp = "c0c0c0c0-0000-4000-8000-00000000c001"
	e, err := emulator.Start(emulator.Options{Apps: []entra.App{{ClientID: certApp, Certificates: []*x509.Certificate{cert}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	t.Setenv("IDENTITY_ENDPOINT", e.IdentityEndpoint)
	t.Setenv("IDENTITY_HEADER", e.IdentityHeader)
	tenants := e.Tenants()
	home, other := tenants[0], tenants[1]

	pemFile := filepath.Join(t.TempDir(), "app.pem")
	_ = os.WriteFile(pemFile, append(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})...), 0o600)
	rt, err := e.Authority().IssueRefreshToken(home.AdminUPN, e.DemoPublicClientID)
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	m := NewManager(Options{
		HTTPClient: e.HTTPClient(), CacheDir: t.TempDir(), Stderr: &stderr, Interactive: true,
		OpenURL: func(u string) error {
			resp, err := e.HTTPClient().Get(u)
			if err == nil {
				resp.Body.Close()
			}
			return err
		},
	})
	defer m.Close()
	secret := &Credential{Name: "demo", Method: MethodClientSecret, ClientID: e.DemoClientID, ClientSecret: e.DemoSecret}
	appTok, err := m.Source(secret, prod.AuthorityURL, other.Domain, prod.ExchangeURL)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := appTok.Token(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		cred   *Credential
		tenant emulator.TenantInfo
	}{
		{secret, home},
		{&Credential{Method: MethodCertificate, ClientID: certApp, CertificateFile: pemFile}, other},
		{&Credential{Method: MethodDeviceCode}, home},
		{&Credential{Method: MethodInteractive, ClientID: e.DemoPublicClientID}, other},
		{&Credential{Method: MethodUsernamePassword, Username: home.AdminUPN, Password: emulator.DemoUserPassword}, home},
		{&Credential{Method: MethodManagedIdentity}, home},
		{&Credential{Method: MethodAccessToken, AccessToken: tok}, other},
		{&Credential{Method: MethodRefreshToken, RefreshToken: rt}, home},
	}
	for _, tc := range cases {
		cred := tc.cred
		cred.Name = cred.Method
		s, err := m.Source(cred, prod.AuthorityURL, tc.tenant.Domain, prod.ExchangeURL)
		if err != nil {
			t.Fatalf("%s: %v", cred.Method, err)
		}
		tok, err := s.Token(context.Background(), false)
		if err != nil {
			t.Fatalf("%s: %v", cred.Method, err)
		}
		id := s.Identity()
		anchor := "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@" + tc.tenant.Domain
		if id.Delegated {
			anchor = "UPN:" + id.UPN
		}
		if status, body := invoke(t, e, tc.tenant.Domain, tok, anchor); status != http.StatusOK || !strings.Contains(body, tc.tenant.Domain) {
			t.Errorf("%s: Get-AcceptedDomain → %d %.300s", cred.Method, status, body)
		}
		if !strings.EqualFold(id.TenantID, tc.tenant.ID) {
			t.Errorf("%s: identity %+v", cred.Method, id)
		}
	}
	if !strings.Contains(stderr.String(), "sign-in for tenant") {
		t.Errorf("no device code message on stderr: %q", stderr.String())
	}
}
