package auth

import (
	"context"
	"crypto"
	"crypto/rsa"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/exoplay/exoplay/internal/emulator/entra"
)

const (
	wiAppID   = "aaaaaaaa-0000-4000-8000-000000000006"
	wiIssuer  = "https://oidc.prod-aks.azure.com/11111111-aaaa-4aaa-8aaa-111111111111/"
	wiSubject = "system:serviceaccount:exoplay:exoplay"
)

// workloadApp registers a multi-tenant app whose federated identity
// credential trusts wiIssuer's service account wiSubject, signed by key.
func workloadApp(f *fixture, key *rsa.PrivateKey) {
	f.a.AddApp(entra.App{ClientID: wiAppID, FederatedCredentials: []entra.FederatedCredential{
		{Issuer: wiIssuer, Subject: wiSubject, IssuerKeys: []crypto.PublicKey{&key.PublicKey}},
	}})
}

// writeServiceAccountToken writes what the kubelet projects into the pod: an
// RS256 JWT of the cluster's issuer for api://AzureADTokenExchange. mod
// changes its claims. It returns the token.
func writeServiceAccountToken(t *testing.T, f *fixture, path string, key *rsa.PrivateKey, mod func(jwt.MapClaims)) string {
	t.Helper()
	now := f.clock.Now()
	c := jwt.MapClaims{"iss": wiIssuer, "sub": wiSubject, "aud": []string{"api://AzureADTokenExchange"},
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": path + now.String()}
	if mod != nil {
		mod(c)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	tok.Header["kid"] = "sa-key"
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

// The service account token signs the app in to several tenants, and it is
// read again for every token request: after the kubelet rewrote it (and the
// cluster revoked the old signing key) a new token comes from the new file.
func TestWorkloadIdentityAcrossTenantsAndRotation(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	_, key1 := sharedCert(t)
	_, key2 := makeCert(t, "rotated")
	workloadApp(f, key1)
	var told []string
	m, _ := f.manager(func(o *Options) { o.OnSecret = func(v ...string) { told = append(told, v...) } })
	file := filepath.Join(t.TempDir(), "azure-identity-token")
	first := writeServiceAccountToken(t, f, file, key1, nil)
	cred := &Credential{Name: "wi", Method: MethodWorkloadIdentity, ClientID: wiAppID, TokenFile: file}

	contoso := f.source(m, cred, contosoDomain)
	for _, tc := range []struct {
		s      *Source
		tenant string
	}{{contoso, contosoID}, {f.source(m, cred, fabrikamID), fabrikamID}} {
		if c := f.token(tc.s, false); c.TenantID != tc.tenant || c.AppID != wiAppID {
			t.Fatalf("claims %+v, want app %s in %s", c, wiAppID, tc.tenant)
		}
	}
	if !slices.Contains(told, first) {
		t.Error("the service account token was not reported as a secret")
	}

	// The cluster rotates its signing key: the token in the file now fails
	// (the control: a client that kept the old assertion fails like this).
	f.a.SetIssuerKeys(wiIssuer, &key2.PublicKey)
	var ae *Error
	if _, err := contoso.Token(context.Background(), true); !errors.As(err, &ae) || ae.Code != "AADSTS50013" {
		t.Fatalf("old token after the key rotation: %v, want AADSTS50013", err)
	}
	// The kubelet rewrites the file: the next token request presents it.
	f.clock.Add(time.Minute)
	second := writeServiceAccountToken(t, f, file, key2, nil)
	if c := f.token(contoso, true); c.TenantID != contosoID {
		t.Fatalf("after rotation: claims %+v", c)
	}
	if !slices.Contains(told, second) {
		t.Error("the rotated token was not reported as a secret")
	}
}

// Entra's refusals of a service account token are explained, and a token
// file that is missing or empty, or a credential without client_id or
// token_file, says which setting and which environment variable to fix.
func TestWorkloadIdentityErrors(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	_, key := sharedCert(t)
	workloadApp(f, key)
	m, _ := f.manager(nil)
	dir := t.TempDir()
	var assertions []string
	cases := []struct {
		name   string
		mod    func(jwt.MapClaims)
		code   string
		expect []string // in the message
	}{
		{"wrong subject", func(c jwt.MapClaims) { c["sub"] = "system:serviceaccount:default:default" }, "AADSTS700213",
			[]string{"subject", "system:serviceaccount:default:default", "system:serviceaccount:<namespace>:<service account>"}},
		{"wrong audience", func(c jwt.MapClaims) { c["aud"] = []string{"https://kubernetes.default.svc"} }, "AADSTS700212",
			[]string{"audience", "https://kubernetes.default.svc", "api://AzureADTokenExchange"}},
		{"wrong issuer", func(c jwt.MapClaims) { c["iss"] = strings.TrimSuffix(wiIssuer, "/") }, "AADSTS700211",
			[]string{"issuer", "trailing slash"}},
		{"expired", func(c jwt.MapClaims) { c["exp"] = f.clock.Now().Add(-10 * time.Minute).Unix() }, "AADSTS700024",
			[]string{"valid time range", "token_file"}},
	}
	for _, tc := range cases {
		file := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
		assertions = append(assertions, writeServiceAccountToken(t, f, file, key, tc.mod))
		_, err := f.source(m, &Credential{Name: "wi", Method: MethodWorkloadIdentity, ClientID: wiAppID, TokenFile: file}, contosoID).Token(context.Background(), false)
		var ae *Error
		if !errors.As(err, &ae) || ae.Code != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
			continue
		}
		for _, want := range tc.expect {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q does not say %q", tc.name, err, want)
			}
		}
		if strings.Contains(err.Error(), assertions[len(assertions)-1]) || jwtLike.MatchString(err.Error()) {
			t.Errorf("%s: the service account token is in the error", tc.name)
		}
	}

	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	for _, tc := range []struct {
		name   string
		cred   Credential
		expect []string
	}{
		{"missing file", Credential{ClientID: wiAppID, TokenFile: filepath.Join(dir, "absent")}, []string{"token_file", "absent", EnvFederatedTokenFile, CodeFederatedToken}},
		{"empty file", Credential{ClientID: wiAppID, TokenFile: empty}, []string{"token_file", "empty", EnvFederatedTokenFile}},
		{"a directory", Credential{ClientID: wiAppID, TokenFile: dir}, []string{"token_file", "directory"}},
		{"no token file", Credential{ClientID: wiAppID}, []string{"token_file", EnvFederatedTokenFile, "azure.workload.identity/use"}},
		{"no client id", Credential{TokenFile: empty}, []string{"client_id", EnvClientID, "azure.workload.identity/client-id"}},
	} {
		cred := tc.cred
		cred.Name, cred.Method = "wi", MethodWorkloadIdentity
		s, err := m.Source(&cred, authority, contosoID, exchange)
		if err == nil {
			_, err = s.Token(context.Background(), false)
		}
		if err == nil {
			t.Errorf("%s: signed in", tc.name)
			continue
		}
		for _, want := range tc.expect {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q does not say %q", tc.name, err, want)
			}
		}
	}
	for _, a := range assertions {
		if strings.Contains(f.stderr.String(), a) {
			t.Error("a service account token appeared on stderr")
		}
	}
}

// $AZURE_AUTHORITY_HOST naming another cloud than the tenant's is not
// followed, and the user is told so once.
func TestWorkloadIdentityAuthorityHost(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	_, key := sharedCert(t)
	workloadApp(f, key)
	file := filepath.Join(t.TempDir(), "token")
	writeServiceAccountToken(t, f, file, key, nil)
	cred := &Credential{Name: "wi", Method: MethodWorkloadIdentity, ClientID: wiAppID, TokenFile: file}

	t.Setenv(EnvAuthorityHost, "https://login.microsoftonline.com/")
	m, _ := f.manager(nil)
	f.token(f.source(m, cred, contosoID), false)
	if f.stderr.String() != "" {
		t.Fatalf("a warning for an agreeing authority host: %s", f.stderr)
	}
	t.Setenv(EnvAuthorityHost, "https://login.microsoftonline.us/")
	m2, _ := f.manager(nil)
	f.token(f.source(m2, cred, contosoID), false)
	f.token(f.source(m2, cred, fabrikamID), false)
	if w := f.stderr.String(); strings.Count(w, "warning") != 1 || !strings.Contains(w, "login.microsoftonline.us") || !strings.Contains(w, authority) {
		t.Fatalf("warning: %q", w)
	}
}
