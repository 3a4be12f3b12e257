package entra

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

func clockOptions(t *testing.T) (Options, *fakeClock) {
	opts := testOptions(t)
	clk := newFakeClock()
	opts.Now = clk.Now
	return opts, clk
}

func TestTokenLifetimeAndEarlyExpiry(t *testing.T) {
	opts, clk := clockOptions(t)
	a, srv := newServer(t, opts)
	tok := "/" + contosoID + "/oauth2/v2.0/token"

	a.SetTokenLifetime(10 * time.Minute)
	_, _, body := postForm(t, srv, tok, secretForm(exoScope))
	if body["expires_in"] != float64(600) {
		t.Fatalf("expires_in = %v, want 600", body["expires_in"])
	}
	at := body["access_token"].(string)
	clk.Advance(9 * time.Minute)
	if _, err := a.Verify(at); err != nil {
		t.Fatalf("after 9 of 10 minutes: %v", err)
	}
	clk.Advance(2 * time.Minute)
	if _, err := a.Verify(at); !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("after 11 minutes: %v, want ErrTokenExpired", err)
	}

	// Early expiry: expires_in still says 600, exp is 5 minutes sooner.
	a.SetEarlyExpiry(5 * time.Minute)
	_, _, body = postForm(t, srv, tok, secretForm(exoScope))
	if body["expires_in"] != float64(600) {
		t.Fatalf("expires_in = %v, want 600", body["expires_in"])
	}
	at = body["access_token"].(string)
	clk.Advance(6 * time.Minute)
	if _, err := a.Verify(at); !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("early-expiring token after 6 minutes: %v, want ErrTokenExpired", err)
	}
}

func TestVerifyRejectsOtherTokens(t *testing.T) {
	a, srv := newServer(t, testOptions(t))
	other, _ := newServer(t, testOptions(t))
	_, _, body := postForm(t, srv, "/"+contosoID+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"password"}, "client_id": {publicAppID}, "username": {adminUPN},
		"password": {userPassword}, "scope": {exoScope + " openid offline_access profile"},
	})
	at, idt, rt := body["access_token"].(string), body["id_token"].(string), body["refresh_token"].(string)
	if _, err := a.Verify(at); err != nil {
		t.Fatalf("own access token: %v", err)
	}
	tampered := at[:len(at)-4] + "AAAA"
	for name, tok := range map[string]string{"id_token": idt, "refresh token": rt, "tampered": tampered, "garbage": "x.y.z"} {
		if _, err := a.Verify(tok); !errors.Is(err, ErrTokenInvalid) {
			t.Errorf("%s: err = %v, want ErrTokenInvalid", name, err)
		}
	}
	if _, err := other.Verify(at); !errors.Is(err, ErrTokenInvalid) {
		t.Errorf("another authority's token: err = %v, want ErrTokenInvalid", err)
	}
	// client_info is what MSAL derives the home account from.
	raw, err := base64.RawURLEncoding.DecodeString(body["client_info"].(string))
	if err != nil {
		t.Fatal(err)
	}
	var ci map[string]string
	_ = json.Unmarshal(raw, &ci)
	if ci["utid"] != contosoID || ci["uid"] == "" {
		t.Fatalf("client_info = %s", raw)
	}
	if scope := body["scope"].(string); !strings.Contains(scope, exoScope) {
		t.Fatalf("scope %q does not echo the requested scope", scope)
	}
}

func TestRefreshTokenExpiryAndRevocation(t *testing.T) {
	opts, clk := clockOptions(t)
	a, srv := newServer(t, opts)
	redeem := func(rt, client string) (int, map[string]any) {
		st, _, body := postForm(t, srv, "/"+fabrikamID+"/oauth2/v2.0/token", url.Values{
			"grant_type": {"refresh_token"}, "client_id": {client}, "refresh_token": {rt},
			"client_info": {"1"}, "scope": {exoScope + " openid offline_access profile"},
		})
		return st, body
	}
	rt, err := a.IssueRefreshToken(partnerUPN, publicAppID)
	if err != nil {
		t.Fatal(err)
	}
	if st, body := redeem(rt, publicAppID); st != 200 || body["refresh_token"] == "" {
		t.Fatalf("redeem: %d %v", st, body)
	}
	if st, body := redeem(rt, narrowAppID); st != 400 || aadCode(body) != 70000 {
		t.Fatalf("another client: %d %v", st, body)
	}
	clk.Advance(91 * 24 * time.Hour)
	if st, body := redeem(rt, publicAppID); st != 400 || aadCode(body) != 700082 || body["error"] != "invalid_grant" {
		t.Fatalf("expired: %d %v", st, body)
	}

	fresh, _ := a.IssueRefreshToken(partnerUPN, publicAppID)
	clk.Advance(time.Second)
	a.RevokeRefreshTokens(partnerUPN)
	if st, body := redeem(fresh, publicAppID); st != 400 || aadCode(body) != 50173 {
		t.Fatalf("revoked: %d %v", st, body)
	}
	clk.Advance(time.Second)
	after, _ := a.IssueRefreshToken(partnerUPN, publicAppID)
	if st, body := redeem(after, publicAppID); st != 200 {
		t.Fatalf("issued after revocation: %d %v", st, body)
	}
	if _, err := a.IssueRefreshToken("ghost@contoso.onmicrosoft.com", publicAppID); err == nil {
		t.Fatal("IssueRefreshToken for an unknown user succeeded")
	}
}

func TestDeviceCodePollsAndExpiry(t *testing.T) {
	opts, clk := clockOptions(t)
	opts.DeviceCodePolls = 3
	a, srv := newServer(t, opts)
	start := func() string {
		st, _, body := postForm(t, srv, "/contoso.onmicrosoft.com/oauth2/v2.0/devicecode", url.Values{
			"client_id": {publicAppID}, "scope": {exoScope + " openid offline_access profile"},
		})
		if st != 200 || body["expires_in"] != float64(900) {
			t.Fatalf("devicecode: %d %v", st, body)
		}
		return body["device_code"].(string)
	}
	poll := func(code string) (int, map[string]any) {
		st, _, body := postForm(t, srv, "/contoso.onmicrosoft.com/oauth2/v2.0/token", url.Values{
			"grant_type": {"device_code"}, "client_id": {publicAppID}, "device_code": {code},
			"client_info": {"1"}, "scope": {exoScope},
		})
		return st, body
	}
	code := start()
	for i := 0; i < 3; i++ {
		if st, body := poll(code); st != 400 || body["error"] != "authorization_pending" {
			t.Fatalf("poll %d: %d %v", i, st, body)
		}
	}
	st, body := poll(code)
	if st != 200 {
		t.Fatalf("after 3 pending polls: %d %v", st, body)
	}
	if cl, err := a.Verify(body["access_token"].(string)); err != nil || cl.UPN != adminUPN {
		t.Fatalf("device code token: %+v %v", cl, err)
	}
	if st, body := poll(code); st != 400 || aadCode(body) != 70000 {
		t.Fatalf("redeemed twice: %d %v", st, body)
	}

	code = start()
	clk.Advance(16 * time.Minute)
	if st, body := poll(code); st != 400 || body["error"] != "expired_token" || aadCode(body) != 70020 {
		t.Fatalf("expired device code: %d %v", st, body)
	}
}

func TestThrottle(t *testing.T) {
	a, srv := newServer(t, testOptions(t))
	a.SetThrottle("contoso.onmicrosoft.com", 2, 3*time.Second)
	for i := 0; i < 2; i++ {
		st, hdr, body := postForm(t, srv, "/"+contosoID+"/oauth2/v2.0/token", secretForm(exoScope))
		if st != 429 || hdr.Get("Retry-After") != "3" || aadCode(body) != 90055 {
			t.Fatalf("request %d: %d Retry-After=%q %v", i, st, hdr.Get("Retry-After"), body)
		}
	}
	// Other tenants are not affected, and the throttle runs out.
	if st, _, _ := postForm(t, srv, "/"+fabrikamID+"/oauth2/v2.0/token", secretForm(exoScope)); st != 200 {
		t.Fatalf("fabrikam: %d", st)
	}
	if st, _, _ := postForm(t, srv, "/"+contosoID+"/oauth2/v2.0/token", secretForm(exoScope)); st != 200 {
		t.Fatalf("after the throttle: %d", st)
	}
	if c := a.Counters(); c.Throttled != 2 || c.Requests(contosoID, "client_credentials") != 3 {
		t.Fatalf("counters: %+v", c)
	}
}
