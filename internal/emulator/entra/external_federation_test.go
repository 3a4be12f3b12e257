package entra

import (
	"context"
	"crypto"
	"crypto/rsa"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/golang-jwt/jwt/v5"
)

const (
	wiAppID    = "c1000000-0000-4000-8000-00000000000c"
	wiIssuer   = "https://oidc.prod-aks.azure.com/11111111-aaaa-4aaa-8aaa-111111111111/"
	wiSubject  = "system:serviceaccount:exoplay:exoplay"
	wiAudience = "api://AzureADTokenExchange"
)

// serviceAccountToken signs a JWT shaped like a Kubernetes projected service account token:
// RS256, a kid and no certificate thumbprint.
func serviceAccountToken(t *testing.T, key *rsa.PrivateKey, c jwt.MapClaims) string {
	return signed(t, jwt.SigningMethodRS256, key, c, "kid", "sa-key-1")
}

func TestExternalIssuerAssertions(t *testing.T) {
	good, bad := certs(t)
	opts, clk := clockOptions(t)
	opts.Apps = append(opts.Apps, App{ClientID: wiAppID, FederatedCredentials: []FederatedCredential{
		{Issuer: wiIssuer, Subject: wiSubject, IssuerKeys: []crypto.PublicKey{&good.key.PublicKey}},
	}})
	a, srv := newServer(t, opts)
	now := clk.Now()
	claims := func(mod func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"iss": wiIssuer, "sub": wiSubject, "aud": []string{wiAudience},
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix()}
		if mod != nil {
			mod(c)
		}
		return c
	}
	send := func(as string) (int, map[string]any) {
		st, _, body := postForm(t, srv, "/"+contosoID+"/oauth2/v2.0/token", url.Values{
			"grant_type": {"client_credentials"}, "client_id": {wiAppID}, "scope": {exoScope},
			"client_assertion_type": {jwtBearer}, "client_assertion": {as},
		})
		return st, body
	}
	cases := []struct {
		name string
		as   string
		code int // 0 = accepted
	}{
		{"valid", serviceAccountToken(t, good.key, claims(nil)), 0},
		{"aud as a string", serviceAccountToken(t, good.key, claims(func(c jwt.MapClaims) { c["aud"] = wiAudience })), 0},
		{"another issuer", serviceAccountToken(t, good.key, claims(func(c jwt.MapClaims) { c["iss"] = "https://oidc.example/" })), 700211},
		{"issuer without its trailing slash", serviceAccountToken(t, good.key, claims(func(c jwt.MapClaims) { c["iss"] = strings.TrimSuffix(wiIssuer, "/") })), 700211},
		{"signed by a key the issuer does not publish", serviceAccountToken(t, bad.key, claims(nil)), 50013},
		{"wrong audience", serviceAccountToken(t, good.key, claims(func(c jwt.MapClaims) { c["aud"] = []string{"https://kubernetes.default.svc"} })), 700212},
		{"wrong subject", serviceAccountToken(t, good.key, claims(func(c jwt.MapClaims) { c["sub"] = "system:serviceaccount:default:default" })), 700213},
		{"subject in another case", serviceAccountToken(t, good.key, claims(func(c jwt.MapClaims) { c["sub"] = strings.ToUpper(wiSubject) })), 700213},
		{"expired", serviceAccountToken(t, good.key, claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-6 * time.Minute).Unix() })), 700024},
		{"not yet valid", serviceAccountToken(t, good.key, claims(func(c jwt.MapClaims) { c["nbf"] = now.Add(10 * time.Minute).Unix() })), 700024},
	}
	for _, tc := range cases {
		st, body := send(tc.as)
		switch {
		case tc.code == 0 && st != 200:
			t.Errorf("%s: %d %v, want 200", tc.name, st, body)
		case tc.code != 0 && aadCode(body) != tc.code:
			t.Errorf("%s: %d %v, want AADSTS%d", tc.name, st, body, tc.code)
		case noRecordCodes[tc.code] && (st != 400 || body["error"] != "invalid_request"):
			t.Errorf("%s: %d %v, want 400 invalid_request", tc.name, st, body)
		}
	}

	// The issuer rotates its key: tokens of the old key are refused from then on.
	a.SetIssuerKeys(wiIssuer, &bad.key.PublicKey)
	if _, body := send(serviceAccountToken(t, good.key, claims(nil))); aadCode(body) != 50013 {
		t.Errorf("a token of a revoked key: %v, want AADSTS50013", body)
	}
	if st, body := send(serviceAccountToken(t, bad.key, claims(nil))); st != 200 {
		t.Errorf("a token of the new key: %d %v", st, body)
	}
}

// MSAL's assertion callback, as a workload identity client uses it, gets app tokens for several
// tenants from a service account token.
func TestMSALExternalIssuer(t *testing.T) {
	good, _ := certs(t)
	opts := testOptions(t)
	opts.Apps = append(opts.Apps, App{ClientID: wiAppID, FederatedCredentials: []FederatedCredential{
		{Issuer: wiIssuer, Subject: wiSubject, Audience: wiAudience, IssuerKeys: []crypto.PublicKey{&good.key.PublicKey}},
	}})
	a, srv := newServer(t, opts)
	now := time.Now()
	sa := serviceAccountToken(t, good.key, jwt.MapClaims{"iss": wiIssuer, "sub": wiSubject, "aud": []string{wiAudience},
		"nbf": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	calls := 0
	cred := confidential.NewCredFromAssertionCallback(func(context.Context, confidential.AssertionRequestOptions) (string, error) {
		calls++
		return sa, nil
	})
	c := newConfidential(t, srv.URL, contosoID, wiAppID, cred, confidential.WithHTTPClient(srv.Client()))
	for _, tenant := range []string{contosoID, fabrikamID} {
		res, err := c.AcquireTokenByCredential(context.Background(), []string{exoScope}, confidential.WithTenantID(tenant))
		if err != nil {
			t.Fatal(err)
		}
		if cl, err := a.Verify(res.AccessToken); err != nil || cl.TenantID != tenant || cl.AppID != wiAppID {
			t.Fatalf("%s: claims %+v, %v", tenant, cl, err)
		}
	}
	if calls != 2 {
		t.Errorf("the assertion callback ran %d times for two token requests", calls)
	}
}
