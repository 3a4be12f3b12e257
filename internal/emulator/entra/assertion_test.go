package entra

import (
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// signed signs claims with key, adding one header (name: value).
func signed(t *testing.T, method jwt.SigningMethod, key *rsa.PrivateKey, claims jwt.MapClaims, name, value string) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	tok.Header[name] = value
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// assertion signs a client assertion the way MSAL does (PS256, x5t#S256 in standard base64).
func assertion(t *testing.T, thumbOf testCert, key *rsa.PrivateKey, claims jwt.MapClaims) string {
	sum := sha256.Sum256(thumbOf.cert.Raw)
	return signed(t, jwt.SigningMethodPS256, key, claims, "x5t#S256", base64.StdEncoding.EncodeToString(sum[:]))
}

// sha1Assertion signs a client assertion ADFS-style: RS256 with a SHA-1 x5t in base64url.
func sha1Assertion(t *testing.T, thumbOf testCert, key *rsa.PrivateKey, claims jwt.MapClaims) string {
	sum := sha1.Sum(thumbOf.cert.Raw)
	return signed(t, jwt.SigningMethodRS256, key, claims, "x5t", base64.RawURLEncoding.EncodeToString(sum[:]))
}

func TestAssertionChecks(t *testing.T) {
	opts, clk := clockOptions(t)
	a, srv := newServer(t, opts)
	good, bad := certs(t)
	now := clk.Now()
	endpoint := srv.URL + "/" + contosoID + "/oauth2/v2.0/token"
	claims := func(mod func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"aud": endpoint, "iss": certAppID, "sub": certAppID, "jti": "1",
			"nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}
		if mod != nil {
			mod(c)
		}
		return c
	}
	send := func(app, as string) (int, map[string]any) {
		st, _, body := postForm(t, srv, "/"+contosoID+"/oauth2/v2.0/token", url.Values{
			"grant_type": {"client_credentials"}, "client_id": {app}, "scope": {exoScope},
			"client_assertion_type": {jwtBearer}, "client_assertion": {as},
		})
		return st, body
	}
	miToken := func(aud string) string {
		s, _, err := a.issueAccessToken(srv.URL, tokenSpec{tenantID: partnerID, audience: aud, appID: miClientID, objectID: miObjectID})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	fedToken := miToken("api://AzureADTokenExchange")
	exoMIToken := miToken(exoResource)

	cases := []struct {
		name string
		app  string
		as   string
		code int // 0 = accepted
	}{
		{"valid", certAppID, assertion(t, good, good.key, claims(nil)), 0},
		{"domain-form audience", certAppID, assertion(t, good, good.key, claims(func(c jwt.MapClaims) {
			c["aud"] = srv.URL + "/contoso.onmicrosoft.com/oauth2/v2.0/token"
		})), 0},
		{"expired", certAppID, assertion(t, good, good.key, claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-6 * time.Minute).Unix() })), 700024},
		{"within skew", certAppID, assertion(t, good, good.key, claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-4 * time.Minute).Unix() })), 0},
		{"not yet valid", certAppID, assertion(t, good, good.key, claims(func(c jwt.MapClaims) { c["nbf"] = now.Add(10 * time.Minute).Unix() })), 700024},
		{"no exp", certAppID, assertion(t, good, good.key, claims(func(c jwt.MapClaims) { delete(c, "exp") })), 50027},
		{"wrong audience", certAppID, assertion(t, good, good.key, claims(func(c jwt.MapClaims) { c["aud"] = srv.URL + "/" + fabrikamID + "/oauth2/v2.0/token" })), 50027},
		{"iss is not the client", certAppID, assertion(t, good, good.key, claims(func(c jwt.MapClaims) { c["iss"] = secretAppID })), 700021},
		{"forged signature", certAppID, assertion(t, good, bad.key, claims(nil)), 700027},
		{"unregistered cert", certAppID, assertion(t, bad, bad.key, claims(nil)), 700027},
		{"x5t (SHA-1)", certAppID, sha1Assertion(t, good, good.key, claims(nil)), 0},
		{"x5t of an unregistered cert", certAppID, sha1Assertion(t, bad, bad.key, claims(nil)), 700027},
		{"not a JWT", certAppID, "not-a-jwt", 50027},
		{"federated", fedAppID, fedToken, 0},
		{"federated, wrong audience", fedAppID, exoMIToken, 700212},
		// The public cloud's authority takes its own exchange audience, spelled exactly.
		{"federated, US Government audience", fedAppID, miToken("api://AzureADTokenExchangeUSGov"), 700212},
		{"federated, audience in other case", fedAppID, miToken("api://azureadtokenexchange"), 700212},
		{"federated, untrusted subject", certAppID, fedToken, 700213},
	}
	for _, tc := range cases {
		st, body := send(tc.app, tc.as)
		if tc.code == 0 && st != 200 {
			t.Errorf("%s: %d %v, want 200", tc.name, st, body)
		}
		wantSt, wantErr := 401, "invalid_client"
		if noRecordCodes[tc.code] {
			wantSt, wantErr = 400, "invalid_request"
		}
		if tc.code != 0 && (aadCode(body) != tc.code || body["error"] != wantErr || st != wantSt) {
			t.Errorf("%s: %d %v, want %d %s AADSTS%d", tc.name, st, body, wantSt, wantErr, tc.code)
		}
	}
	// A federated token past its exp (plus skew) is refused like any assertion.
	clk.Advance(2 * time.Hour)
	if _, body := send(fedAppID, fedToken); aadCode(body) != 700024 {
		t.Errorf("expired federated token: %v, want AADSTS700024", body)
	}
}

// noRecordCodes are the refusals of a federated assertion no federated identity credential
// matches: 400 invalid_request, not 401 invalid_client.
var noRecordCodes = map[int]bool{700211: true, 700212: true, 700213: true}

// Each cloud's authority expects its own token-exchange audience.
func TestExchangeAudienceOfEachCloud(t *testing.T) {
	bases := []string{"https://login.microsoftonline.com", "https://127.0.0.1:8443", "https://login.microsoftonline.us",
		"https://login.chinacloudapi.cn:443", "https://login.partner.microsoftonline.cn"}
	got := make([]string, len(bases))
	for i, b := range bases {
		got[i] = exchangeAudienceOf(b)
	}
	want := []string{"api://AzureADTokenExchange", "api://AzureADTokenExchange", "api://AzureADTokenExchangeUSGov",
		"api://AzureADTokenExchangeChina", "api://AzureADTokenExchangeChina"}
	if !slices.Equal(got, want) {
		t.Errorf("%q: got %q, want %q", bases, got, want)
	}
}
