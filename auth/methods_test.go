package auth

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/exoplay/exoplay/internal/category"
	"github.com/exoplay/exoplay/internal/emulator/entra"
)

func TestClientSecretByIDAndDomain(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	m, _ := f.manager(nil)
	cred := &Credential{Name: "app", Method: MethodClientSecret, ClientID: secretAppID, ClientSecret: secretValue}
	for _, tenant := range []string{contosoID, fabrikamDom} {
		s := f.source(m, cred, tenant)
		c := f.token(s, false)
		id := s.Identity()
		if id.AppID != secretAppID || id.Delegated || id.ExpiresOn.IsZero() || !strings.EqualFold(id.TenantID, c.TenantID) {
			t.Errorf("%s: identity %+v", tenant, id)
		}
		if c.Audience != exchange {
			t.Errorf("%s: aud %q", tenant, c.Audience)
		}
	}
	if got := f.a.Counters().Discovery; got < 2 {
		t.Errorf("want openid-configuration per tenant, got %d", got)
	}
	// Same credential content → same client and same source.
	dup := *cred
	s1, _ := m.Source(cred, authority, contosoID, exchange)
	s2, _ := m.Source(&dup, authority+"/common", strings.ToUpper(contosoID), exchange+"/.default")
	if s1 != s2 {
		t.Error("equal credentials and tenant gave two sources")
	}
	if len(m.acquirers) != 1 {
		t.Errorf("want one MSAL client per (authority, credential), got %d", len(m.acquirers))
	}
}

func writePFX(t *testing.T, enc *pkcs12.Encoder, password string) string {
	t.Helper()
	cert, key := sharedCert(t)
	data, err := enc.Encode(key, cert, nil, password)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "app.pfx")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func writePEM(t *testing.T, pkcs8 bool) string {
	t.Helper()
	cert, key := sharedCert(t)
	var keyBlock *pem.Block
	if pkcs8 {
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		keyBlock = &pem.Block{Type: "PRIVATE KEY", Bytes: der}
	} else {
		keyBlock = &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}
	}
	data := append(pem.EncodeToMemory(keyBlock), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})...)
	p := filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCertificateMethods(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	m, _ := f.manager(nil)
	const pw = "pfx-Passw0rd-Do-Not-Leak"
	cases := map[string]*Credential{
		"pfx sha256 mac": {CertificateFile: writePFX(t, pkcs12.Modern, pw), CertificatePassword: pw, CertificateThumbprint: strings.ToLower(thumbprint(f.cert))},
		"pfx legacy":     {CertificateFile: writePFX(t, pkcs12.LegacyRC2, pw), CertificatePassword: pw},
		"pem pkcs1":      {CertificateFile: writePEM(t, false)},
		"pem pkcs8":      {CertificateFile: writePEM(t, true)},
	}
	for name, cred := range cases {
		cred.Name, cred.Method, cred.ClientID = name, MethodCertificate, certAppID
		c := f.token(f.source(m, cred, contosoDomain), false)
		if c.TenantID != contosoID || c.AppID != certAppID {
			t.Errorf("%s: claims %+v", name, c)
		}
	}
}

func TestCertificateErrors(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	m, _ := f.manager(nil)
	const pw = "pfx-Passw0rd-Do-Not-Leak"
	pfx := writePFX(t, pkcs12.Modern, pw)
	other, otherKey := makeCert(t, "not-registered")
	unregistered := filepath.Join(t.TempDir(), "other.pem")
	_ = os.WriteFile(unregistered, append(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(otherKey)}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: other.Raw})...), 0o600)
	encrypted := filepath.Join(t.TempDir(), "enc.pem")
	_ = os.WriteFile(encrypted, []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"), 0o600)

	cases := []struct {
		name       string
		cred       Credential
		atSource   bool
		code, text string
	}{
		{"wrong password", Credential{CertificateFile: pfx, CertificatePassword: "nope-wrong"}, true, CodeCertificate, "password"},
		{"thumbprint", Credential{CertificateFile: pfx, CertificatePassword: pw, CertificateThumbprint: "00112233445566778899AABBCCDDEEFF00112233"}, true, CodeCertificate, "thumbprint"},
		{"encrypted pem", Credential{CertificateFile: encrypted}, true, CodeCertificate, "encrypted"},
		{"missing file", Credential{CertificateFile: filepath.Join(t.TempDir(), "nope.pfx")}, true, CodeCertificate, "cannot read"},
		{"not registered", Credential{CertificateFile: unregistered}, false, "AADSTS700027", "upload the certificate"},
	}
	for _, tc := range cases {
		cred := tc.cred
		cred.Name, cred.Method, cred.ClientID = tc.name, MethodCertificate, certAppID
		s, err := m.Source(&cred, authority, contosoID, exchange)
		if !tc.atSource {
			if err != nil {
				t.Fatalf("%s: Source: %v", tc.name, err)
			}
			_, err = s.Token(context.Background(), false)
		}
		var ae *Error
		if !errors.As(err, &ae) || ae.Code != tc.code || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%s: got %v, want code %s mentioning %q", tc.name, err, tc.code, tc.text)
			continue
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("%s: the certificate password leaked: %v", tc.name, err)
		}
	}
}

func TestDeviceCodeThenSilentAcrossTenantsAndProcesses(t *testing.T) {
	f := newFixture(t, fixtureOptions{polls: 1})
	dir := t.TempDir()
	m, _ := f.manager(func(o *Options) { o.Interactive = true; o.CacheDir = dir })
	cred := &Credential{Name: "admin", Method: MethodDeviceCode, Username: partnerUPN}
	f.a.SetSignInUser(partnerUPN)
	c := f.token(f.source(m, cred, contosoDomain), false)
	if c.TenantID != contosoID || !strings.EqualFold(c.UPN, partnerUPN) || c.AppID != ExchangePowerShellClientID {
		t.Fatalf("claims %+v", c)
	}
	if !strings.Contains(f.stderr.String(), "sign-in for tenant "+contosoDomain) || f.a.Counters().DeviceCodes != 1 {
		t.Fatalf("device code message not shown: %q", f.stderr.String())
	}
	// Another tenant: the cached refresh token redeems there (GDAP), no prompt.
	c = f.token(f.source(m, cred, fabrikamID), false)
	if c.TenantID != fabrikamID || f.a.Counters().DeviceCodes != 1 {
		t.Fatalf("second tenant needed a new sign-in: %+v, device codes %d", c, f.a.Counters().DeviceCodes)
	}
	// A later process without a terminal uses the cache on disk.
	m2, _ := f.manager(func(o *Options) { o.CacheDir = dir })
	c = f.token(f.source(m2, cred, contosoID), false)
	if c.TenantID != contosoID || f.a.Counters().DeviceCodes != 1 {
		t.Fatalf("the disk cache was not used: device codes %d", f.a.Counters().DeviceCodes)
	}
	st, err := m2.TenantStatus(context.Background(), cred, authority, fabrikamDom, exchange)
	if err != nil || !st.Usable || !st.RefreshToken || st.TenantID != fabrikamID || !strings.EqualFold(st.Username, partnerUPN) || st.ExpiresOn.IsZero() {
		t.Fatalf("TenantStatus = %+v, %v", st, err)
	}
	// The partner's home tenant never had a token: the refresh token may or
	// may not reach it, so it does not count as covered.
	if st, err := m2.TenantStatus(context.Background(), cred, authority, partnerDomain, exchange); err != nil || st.Usable || !st.RefreshToken || st.SignedIn {
		t.Fatalf("TenantStatus of a tenant never signed in to = %+v, %v", st, err)
	}
	all, err := m2.CacheStatus()
	if err != nil || len(all.Accounts) != 1 || len(all.Tokens) < 2 {
		t.Fatalf("CacheStatus = %+v, %v", all, err)
	}
	// A forced refresh after a 401 goes to the authority even though the
	// cached access token is valid.
	before := f.a.Counters().Requests("", "refresh_token")
	f.token(f.source(m2, cred, contosoID), true)
	if got := f.a.Counters().Requests("", "refresh_token"); got != before+1 {
		t.Fatalf("forced refresh: refresh_token requests %d -> %d", before, got)
	}
}

func TestDeviceCodeWithoutTerminal(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	m, _ := f.manager(nil) // Interactive false, empty cache
	s := f.source(m, &Credential{Name: "admin", Method: MethodDeviceCode}, contosoID)
	_, err := s.Token(context.Background(), false)
	var ae *Error
	if !errors.As(err, &ae) || ae.Code != CodeNeedsTerminal || !strings.Contains(err.Error(), "exoplay auth login") {
		t.Fatalf("got %v", err)
	}
	if f.a.Counters().DeviceCodes != 0 || f.stderr.String() != "" {
		t.Fatalf("a prompt appeared without a terminal: %q", f.stderr.String())
	}
}

func TestInteractiveFormPost(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	var opened int
	m, _ := f.manager(func(o *Options) {
		o.OpenURL = func(u string) error {
			// The "browser": the emulator's authorize endpoint posts the
			// code to MSAL's loopback server itself.
			opened++
			resp, err := f.client.Get(u)
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return errors.New(resp.Status)
			}
			return nil
		}
	})
	cred := &Credential{Name: "admin", Method: MethodInteractive, ClientID: publicAppID, Username: adminUPN}
	c := f.token(f.source(m, cred, contosoDomain), false)
	if opened != 1 || !strings.EqualFold(c.UPN, adminUPN) || c.AppID != publicAppID || c.Scopes == "" {
		t.Fatalf("opened %d, claims %+v", opened, c)
	}
}

func TestInteractivePrintsURLWithoutTerminal(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	printed := &lineWriter{lines: make(chan string, 8)}
	m, _ := f.manager(func(o *Options) { o.Stderr = printed })
	s := f.source(m, &Credential{Name: "admin", Method: MethodInteractive, ClientID: publicAppID}, contosoDomain)
	go func() {
		// Complete the sign-in from the printed URL, as a user would.
		for line := range printed.lines {
			if u := strings.TrimSpace(line[max(0, strings.LastIndex(line, "\nhttps://")):]); strings.HasPrefix(u, "https://") {
				if resp, err := f.client.Get(u); err == nil {
					resp.Body.Close()
				}
				return
			}
		}
	}()
	c := f.token(s, false)
	if !strings.EqualFold(c.UPN, adminUPN) {
		t.Fatalf("claims %+v", c)
	}
}

// lineWriter hands each Write to a channel.
type lineWriter struct{ lines chan string }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.lines <- string(p)
	return len(p), nil
}

func TestUsernamePassword(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	m, _ := f.manager(nil)
	c := f.token(f.source(m, &Credential{Name: "ropc", Method: MethodUsernamePassword, Username: adminUPN, Password: adminPass}, contosoID), false)
	if !strings.EqualFold(c.UPN, adminUPN) || !strings.Contains(f.stderr.String(), "deprecated") {
		t.Fatalf("claims %+v, stderr %q", c, f.stderr.String())
	}
	_, err := f.source(m, &Credential{Name: "mfa", Method: MethodUsernamePassword, Username: mfaUPN, Password: mfaPass}, contosoID).Token(context.Background(), false)
	var ae *Error
	if !errors.As(err, &ae) || ae.Code != "AADSTS50076" || !strings.Contains(err.Error(), "device_code") {
		t.Fatalf("MFA user: %v", err)
	}
	if strings.Contains(err.Error(), mfaPass) {
		t.Fatal("password leaked")
	}
}

func TestManagedIdentity(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	t.Setenv("IDENTITY_ENDPOINT", f.srv.URL+"/msi/token")
	t.Setenv("IDENTITY_HEADER", miHeader)
	m, _ := f.manager(nil)

	// System assigned, in its own tenant. Forced: MSAL's process-wide MI
	// cache may hold a token of an earlier test's authority.
	c := f.token(f.source(m, &Credential{Name: "mi", Method: MethodManagedIdentity}, contosoDomain), true)
	if c.TenantID != contosoID || c.AppID != f.miClientID {
		t.Fatalf("claims %+v", c)
	}
	// User assigned by client id.
	c = f.token(f.source(m, &Credential{Name: "uami", Method: MethodManagedIdentity, ManagedIdentityClientID: f.miClientID}, contosoID), false)
	if c.AppID != f.miClientID {
		t.Fatalf("claims %+v", c)
	}
	// The identity's token is refused for another tenant...
	_, err := f.source(m, &Credential{Name: "mi", Method: MethodManagedIdentity}, fabrikamID).Token(context.Background(), false)
	var ae *Error
	if !errors.As(err, &ae) || ae.Code != CodeTenantMismatch {
		t.Fatalf("MI token for another tenant: %v", err)
	}
	// ...where it signs in as the federated credential of a multi-tenant app.
	c = f.token(f.source(m, &Credential{Name: "fed", Method: MethodManagedIdentity, Federated: true, ClientID: fedAppID, ManagedIdentityClientID: f.miClientID}, fabrikamDom), false)
	if c.TenantID != fabrikamID || c.AppID != fedAppID {
		t.Fatalf("federated claims %+v", c)
	}
}

// appToken gets an app-only token for tenant straight from the authority.
func appToken(t *testing.T, f *fixture, tenant string) string {
	t.Helper()
	m, _ := f.manager(nil)
	s := f.source(m, &Credential{Method: MethodClientSecret, ClientID: secretAppID, ClientSecret: secretValue}, tenant)
	tok, err := s.Token(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestAccessToken(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	tok := appToken(t, f, contosoID)
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("Bearer "+tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m, _ := f.manager(nil)
	for name, cred := range map[string]*Credential{
		"value":   {AccessToken: tok},
		"file":    {AccessTokenFile: file},
		"command": {AccessTokenCommand: []string{"cat", file}},
	} {
		cred.Name, cred.Method = name, MethodAccessToken
		s := f.source(m, cred, contosoDomain)
		c := f.token(s, false)
		if c.TenantID != contosoID || s.Identity().ExpiresOn.IsZero() {
			t.Errorf("%s: claims %+v", name, c)
		}
		// A token of contoso is refused for fabrikam.
		_, err := f.source(m, cred, fabrikamID).Token(context.Background(), false)
		var ae *Error
		if !errors.As(err, &ae) || ae.Code != CodeTenantMismatch || strings.Contains(err.Error(), tok) {
			t.Errorf("%s: tid mismatch: %v", name, err)
		}
	}
	_, err := f.source(m, &Credential{Name: "bad", Method: MethodAccessToken, AccessTokenCommand: []string{"sh", "-c", "echo " + tok + " >&2; exit 3"}}, contosoID).Token(context.Background(), false)
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || strings.Contains(err.Error(), tok) {
		t.Fatalf("failing command: %v", err)
	}
}

func TestRefreshTokenPartner(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	m, _ := f.manager(nil)
	rt, err := f.a.IssueRefreshToken(partnerUPN, partnerAppID)
	if err != nil {
		t.Fatal(err)
	}
	cred := &Credential{Name: "gdap", Method: MethodRefreshToken, ClientID: partnerAppID, ClientSecret: partnerSecr, RefreshToken: rt}
	for _, tenant := range []string{contosoDomain, fabrikamID} {
		s := f.source(m, cred, tenant)
		c := f.token(s, false)
		if !strings.EqualFold(c.UPN, partnerUPN) || !s.Identity().Delegated {
			t.Fatalf("%s: claims %+v", tenant, c)
		}
	}
	if n := f.a.Counters().Requests("", "refresh_token"); n != 2 {
		t.Fatalf("refresh_token requests = %d, want 2", n)
	}
	// Confidential partner app signing with a certificate.
	crt, _ := f.a.IssueRefreshToken(partnerUPN, certAppID)
	c := f.token(f.source(m, &Credential{Name: "gdap-cert", Method: MethodRefreshToken, ClientID: certAppID, CertificateFile: writePEM(t, false), RefreshToken: crt}, fabrikamDom), false)
	if c.TenantID != fabrikamID || c.AppID != certAppID {
		t.Fatalf("certificate partner app: %+v", c)
	}
	// Public client: no secret.
	prt, _ := f.a.IssueRefreshToken(partnerUPN, publicAppID)
	f.token(f.source(m, &Credential{Name: "gdap-public", Method: MethodRefreshToken, ClientID: publicAppID, RefreshToken: prt}, contosoID), false)

	// A revoked token says what to do.
	f.a.RevokeRefreshTokens(partnerUPN)
	rt2 := prt + "x"
	_, err = f.source(m, &Credential{Name: "bad", Method: MethodRefreshToken, ClientID: publicAppID, RefreshToken: rt2}, contosoID).Token(context.Background(), false)
	if err == nil || strings.Contains(err.Error(), rt2) {
		t.Fatalf("bad refresh token: %v", err)
	}
}

func TestEntraErrorsAreExplained(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	m, _ := f.manager(nil)
	cases := []struct {
		cred     Credential
		tenant   string
		code     string
		category string
		fix      string
	}{
		{Credential{Method: MethodClientSecret, ClientID: secretAppID, ClientSecret: "wrong-" + secretValue}, contosoID, "AADSTS7000215", category.Auth, "Secret ID"},
		{Credential{Method: MethodClientSecret, ClientID: "cccccccc-0000-4000-8000-000000000009", ClientSecret: secretValue}, contosoID, "AADSTS700016", category.Permission, "consent"},
		{Credential{Method: MethodClientSecret, ClientID: secretAppID, ClientSecret: secretValue}, "nowhere.onmicrosoft.com", "AADSTS90002", category.Auth, "organization"},
	}
	for _, tc := range cases {
		cred := tc.cred
		cred.Name = "x"
		_, err := f.source(m, &cred, tc.tenant).Token(context.Background(), false)
		var ae *Error
		if !errors.As(err, &ae) || ae.ErrorCode() != tc.code || ae.ErrorCategory() != tc.category || !strings.Contains(err.Error(), tc.fix) || !strings.Contains(err.Error(), tc.tenant) {
			t.Errorf("%s: got %v (code %q)", tc.code, err, ae.ErrorCode())
		}
		if strings.Contains(err.Error(), secretValue) {
			t.Errorf("%s: secret leaked: %v", tc.code, err)
		}
	}
}

var _ = entra.Tenant{}
