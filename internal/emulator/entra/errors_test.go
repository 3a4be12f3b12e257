package entra

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestErrorShapes(t *testing.T) {
	a, srv := newServer(t, testOptions(t))
	tok := "/" + contosoID + "/oauth2/v2.0/token"
	with := func(f url.Values, k, v string) url.Values {
		g := url.Values{}
		for kk, vv := range f {
			g[kk] = vv
		}
		if v == "" {
			g.Del(k)
		} else {
			g.Set(k, v)
		}
		return g
	}
	base := secretForm(exoScope)
	cases := []struct {
		name   string
		path   string
		form   url.Values
		status int
		oauth  string
		code   int
	}{
		{"unknown tenant", "/nowhere.onmicrosoft.com/oauth2/v2.0/token", base, 400, "invalid_request", 90002},
		{"unknown app", tok, with(base, "client_id", "99999999-0000-4000-8000-000000000000"), 400, "unauthorized_client", 700016},
		{"bad secret", tok, with(base, "client_secret", "nope"), 401, "invalid_client", 7000215},
		{"no credential", tok, with(base, "client_secret", ""), 401, "invalid_client", 7000218},
		{"resource not allowed", tok, with(base, "scope", "https://graph.microsoft.com/.default"), 400, "invalid_resource", 500011},
		{"not .default", tok, with(base, "scope", exoResource+"/Exchange.Manage"), 400, "invalid_scope", 1002012},
		{"two resources", tok, with(base, "scope", exoScope+" https://graph.microsoft.com/.default"), 400, "invalid_request", 28000},
		{"meta tenant", "/organizations/oauth2/v2.0/token", base, 400, "invalid_request", 50059},
		{"no grant", tok, with(base, "grant_type", ""), 400, "invalid_request", 900144},
		{"bad grant", tok, with(base, "grant_type", "magic"), 400, "unsupported_grant_type", 70003},
		{"public app, app-only", tok, url.Values{"grant_type": {"client_credentials"}, "client_id": {publicAppID}, "scope": {exoScope}}, 401, "invalid_client", 7000218},
		{"bad refresh token", tok, url.Values{"grant_type": {"refresh_token"}, "client_id": {publicAppID}, "refresh_token": {"garbage"}, "scope": {exoScope}}, 400, "invalid_grant", 9002313},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, hdr, body := postForm(t, srv, tc.path, tc.form)
			if status != tc.status || body["error"] != tc.oauth || aadCode(body) != tc.code {
				t.Fatalf("got %d %v %d, want %d %s %d: %v", status, body["error"], aadCode(body), tc.status, tc.oauth, tc.code, body)
			}
			desc, _ := body["error_description"].(string)
			if !strings.HasPrefix(desc, "AADSTS") || body["trace_id"] == "" || body["correlation_id"] == "" || body["timestamp"] == "" {
				t.Fatalf("not Entra-shaped: %v", body)
			}
			if strings.Contains(desc, testSecret) {
				t.Fatal("the description repeats the client secret")
			}
			if status == 401 && hdr.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}

	// A request to a tenant that does not exist counts under its path segment.
	if got := a.Counters().Requests("nowhere.onmicrosoft.com", "client_credentials"); got != 1 {
		t.Errorf("requests counted for the unknown tenant: %d, want 1", got)
	}

	// GET on the token endpoint.
	resp, err := srv.Client().Get(srv.URL + tok)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET token: %d", resp.StatusCode)
	}
}

func TestCorrelationIDEchoed(t *testing.T) {
	_, srv := newServer(t, testOptions(t))
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/nowhere/oauth2/v2.0/token", strings.NewReader(secretForm(exoScope).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("client-request-id", "corr-123")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"correlation_id":"corr-123"`) {
		t.Fatalf("correlation id not echoed: %s", b)
	}
}

func TestDiscovery(t *testing.T) {
	a, srv := newServer(t, testOptions(t))
	get := func(path string) (int, map[string]any) {
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = jsonDecode(resp.Body, &m)
		return resp.StatusCode, m
	}
	// By domain, any case: endpoints name the GUID, issuer is <base>/<GUID>/v2.0.
	st, m := get("/CONTOSO.onmicrosoft.com/v2.0/.well-known/openid-configuration?")
	if st != 200 || m["issuer"] != srv.URL+"/"+contosoID+"/v2.0" ||
		m["token_endpoint"] != srv.URL+"/"+contosoID+"/oauth2/v2.0/token" ||
		m["authorization_endpoint"] != srv.URL+"/"+contosoID+"/oauth2/v2.0/authorize" {
		t.Fatalf("discovery: %d %v", st, m)
	}
	if _, m := get("/organizations/v2.0/.well-known/openid-configuration"); m["issuer"] != srv.URL+"/{tenantid}/v2.0" {
		t.Fatalf("organizations issuer: %v", m["issuer"])
	}
	if st, m := get("/nowhere/v2.0/.well-known/openid-configuration"); st != 400 || m["error"] != "invalid_tenant" || aadCode(m) != 90002 {
		t.Fatalf("unknown tenant: %d %v", st, m)
	}
	if _, m := get("/" + contosoID + "/discovery/v2.0/keys"); !strings.Contains(toJSON(m), a.kid) {
		t.Fatalf("keys do not list kid %s: %v", a.kid, m)
	}
	if _, m := get("/common/userrealm/someone@fabrikam.onmicrosoft.com?api-version=1.0"); m["account_type"] != "Managed" || m["domain_name"] != "fabrikam.onmicrosoft.com" {
		t.Fatalf("userrealm: %v", m)
	}
	if _, m := get("/common/UserRealm/someone@unknown.example?api-version=1.0"); m["account_type"] != "Unknown" {
		t.Fatalf("userrealm of an unknown domain: %v", m)
	}
	if st, _ := get("/nothing/here"); st != 404 {
		t.Fatalf("unknown path: %d", st)
	}
}
