package entra

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func noRedirect(srv *httptest.Server) *http.Client {
	c := *srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

func authorizeURL(srv *httptest.Server, tenant string, q url.Values) string {
	return srv.URL + "/" + tenant + "/oauth2/v2.0/authorize?" + q.Encode()
}

func TestAuthorizationCodePKCE(t *testing.T) {
	a, srv := newServer(t, testOptions(t))
	verifier := "verifier-0123456789-0123456789-0123456789-abc"
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	redirect := "https://app.example/callback"
	getCode := func() string {
		resp, err := noRedirect(srv).Get(authorizeURL(srv, "organizations", url.Values{
			"client_id": {publicAppID}, "response_type": {"code"}, "redirect_uri": {redirect},
			"scope": {exoScope + " openid offline_access profile"}, "state": {"st8"},
			"code_challenge": {challenge}, "code_challenge_method": {"S256"}, "login_hint": {partnerUPN},
		}))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || err != nil || loc.Query().Get("state") != "st8" || loc.Query().Get("code") == "" {
			t.Fatalf("authorize: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		return loc.Query().Get("code")
	}
	redeem := func(code, v string) (int, map[string]any) {
		st, _, body := postForm(t, srv, "/organizations/oauth2/v2.0/token", url.Values{
			"grant_type": {"authorization_code"}, "client_id": {publicAppID}, "code": {code},
			"code_verifier": {v}, "redirect_uri": {redirect}, "scope": {exoScope}, "client_info": {"1"},
		})
		return st, body
	}
	if st, body := redeem(getCode(), "wrong-verifier"); st != 400 || aadCode(body) != 501481 {
		t.Fatalf("wrong verifier: %d %v", st, body)
	}
	code := getCode()
	st, body := redeem(code, verifier)
	if st != 200 {
		t.Fatalf("redeem: %d %v", st, body)
	}
	// At /organizations the token is issued in the user's home tenant.
	if cl, err := a.Verify(body["access_token"].(string)); err != nil || cl.TenantID != partnerID {
		t.Fatalf("claims %+v %v", cl, err)
	}
	if st, body := redeem(code, verifier); st != 400 || aadCode(body) != 54005 {
		t.Fatalf("second redemption: %d %v", st, body)
	}
}

func TestAuthorizeAnswers(t *testing.T) {
	_, srv := newServer(t, testOptions(t))
	base := url.Values{"client_id": {publicAppID}, "response_type": {"code"}, "scope": {exoScope}, "state": {"s"}}
	with := func(k, v string) url.Values {
		q := url.Values{}
		for kk, vv := range base {
			q[kk] = vv
		}
		q.Set(k, v)
		return q
	}
	// Plain http outside loopback is refused before any redirect.
	resp, err := noRedirect(srv).Get(authorizeURL(srv, contosoID, with("redirect_uri", "http://evil.example/cb")))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("http redirect uri: %d", resp.StatusCode)
	}
	// form_post to a non-loopback URI: the self-submitting form a browser would get.
	q := with("redirect_uri", "https://app.example/cb")
	q.Set("response_mode", "form_post")
	resp, err = noRedirect(srv).Get(authorizeURL(srv, contosoID, q))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), `action="https://app.example/cb"`) || !strings.Contains(string(page), `name="code"`) {
		t.Fatalf("form_post page: %s", page)
	}
	// Errors after the redirect URI is known go back to the client.
	q = with("redirect_uri", "https://app.example/cb")
	q.Set("login_hint", "ghost@contoso.onmicrosoft.com")
	resp, err = noRedirect(srv).Get(authorizeURL(srv, contosoID, q))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc == nil || loc.Query().Get("error") != "invalid_grant" || !strings.HasPrefix(loc.Query().Get("error_description"), "AADSTS50034") {
		t.Fatalf("error redirect: %q", resp.Header.Get("Location"))
	}
}
