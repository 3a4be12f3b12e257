package emulator_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"

	"github.com/exoplay/exoplay/internal/emulator"
)

// tokenAt gets an app token from authority (an https origin) for scope,
// with MSAL's default settings: instance discovery is on, as for any
// client of the real service (MSAL skips it for Microsoft's own hosts).
func tokenAt(t *testing.T, e *emulator.Emulator, authority, tenant, scope string) string {
	t.Helper()
	cred, err := confidential.NewCredFromSecret(e.DemoSecret)
	if err != nil {
		t.Fatal(err)
	}
	app, err := confidential.New(authority+"/"+tenant, e.DemoClientID, cred, confidential.WithHTTPClient(e.HTTPClient()))
	if err != nil {
		t.Fatal(err)
	}
	res, err := app.AcquireTokenByCredential(context.Background(), []string{scope})
	if err != nil {
		t.Fatalf("token at %s for %s: %v", authority, scope, err)
	}
	return res.AccessToken
}

// claims decodes a JWT's payload (no check: the server verifies).
func claims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	json.Unmarshal(b, &c)
	return c
}

// Every cloud's names answer on the one port, each with its own resource.
func TestEveryCloudIsServedByName(t *testing.T) {
	e := start(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso"}}})
	tid := e.Tenants()[0].ID
	for _, c := range []struct{ authority, exchange string }{
		{"https://login.microsoftonline.com", "https://outlook.office365.com"},
		{"https://login.microsoftonline.us", "https://outlook.office365.us"},
		{"https://login.microsoftonline.us", "https://outlook-dod.office365.us"},
		{"https://login.chinacloudapi.cn", "https://partner.outlook.cn"},
		{"https://login.microsoftonline.de", "https://outlook.office.de"},
	} {
		tok := tokenAt(t, e, c.authority, tid, c.exchange+"/.default")
		cl := claims(t, tok)
		if cl["aud"] != c.exchange || !strings.HasPrefix(cl["iss"].(string), c.authority+"/") {
			t.Errorf("%s: aud %v iss %v", c.exchange, cl["aud"], cl["iss"])
		}
		a := post(t, e.HTTPClient(), c.exchange+"/adminapi/beta/"+tid+"/InvokeCommand", tok, cmdlet("Get-AcceptedDomain", ""))
		if a.status != 200 || !strings.Contains(string(a.raw), `"@odata.context":"`+c.exchange+"/adminapi/beta/") {
			t.Errorf("%s: %d %.300s", c.exchange, a.status, a.raw)
		}
	}
	// A token for one cloud's Exchange is not good at another's.
	us := tokenAt(t, e, "https://login.microsoftonline.us", tid, "https://outlook.office365.us/.default")
	if a := post(t, e.HTTPClient(), exo+"/adminapi/beta/"+tid+"/InvokeCommand", us, cmdlet("Get-AcceptedDomain", "")); a.status != 401 {
		t.Errorf("a GCC High token at outlook.office365.com: %d", a.status)
	}
}

// The real resource ids are accepted as the service accepts them, with
// aud minted as requested (exo-rest-protocol.md §10.12).
func TestRealResourceAliases(t *testing.T) {
	e := start(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso"}}})
	tid := e.Tenants()[0].ID
	tok := tokenAt(t, e, login, tid, emulator.ExchangeAppID+"/.default")
	if aud := claims(t, tok)["aud"]; aud != emulator.ExchangeAppID {
		t.Errorf("aud %v, want the app id as requested", aud)
	}
	if a := post(t, e.HTTPClient(), exo+"/adminapi/beta/"+tid+"/InvokeCommand", tok, cmdlet("Get-AcceptedDomain", "")); a.status != 200 {
		t.Errorf("an app-id token at Exchange: %d %.300s", a.status, a.raw)
	}
	// A made-up resource is still refused (AADSTS500011).
	cred, _ := confidential.NewCredFromSecret(e.DemoSecret)
	app, _ := confidential.New(login+"/"+tid, e.DemoClientID, cred, confidential.WithHTTPClient(e.HTTPClient()))
	if _, err := app.AcquireTokenByCredential(context.Background(), []string{"https://outlook.example.com/.default"}); err == nil || !strings.Contains(err.Error(), "500011") {
		t.Errorf("unknown resource: %v", err)
	}
	// Each cloud's authority knows its own cloud's resources only.
	if _, err := app.AcquireTokenByCredential(context.Background(), []string{"https://outlook.office365.us/.default"}); err == nil || !strings.Contains(err.Error(), "500011") {
		t.Errorf("a US Government resource at the public cloud's authority: %v", err)
	}
	gov, _ := confidential.New("https://login.microsoftonline.us/"+tid, e.DemoClientID, cred, confidential.WithHTTPClient(e.HTTPClient()))
	if _, err := gov.AcquireTokenByCredential(context.Background(), []string{exo + "/.default"}); err == nil || !strings.Contains(err.Error(), "500011") {
		t.Errorf("the public cloud's Exchange at login.microsoftonline.us: %v", err)
	}
	if aud := claims(t, tokenAt(t, e, "https://login.microsoftonline.us", tid, "https://outlook.office365.us/.default"))["aud"]; aud != "https://outlook.office365.us" {
		t.Errorf("GCC High Exchange at its authority: aud %v", aud)
	}
}

// The regional compliance hosts answer under any label; the host the real
// front door's Location names does not serve the REST API (§10.1); names
// the service does not have are misdirected.
func TestRegionalBackendAndUnknownHosts(t *testing.T) {
	e := start(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso"}}})
	tid := e.Tenants()[0].ID
	tok := token(t, e, tid, ipps)
	for _, host := range []string{"nam13b", "gcc02b", "eur02b"} {
		u := "https://" + host + ".ps.compliance.protection.outlook.com/adminapi/beta/" + tid + "/InvokeCommand"
		if a := post(t, e.HTTPClient(), u, tok, cmdlet("Get-DlpCompliancePolicy", ""), "X-AnchorMailbox", ippsAnchor(e)); a.status != 200 {
			t.Errorf("%s: %d %.300s", host, a.status, a.raw)
		}
	}
	a := post(t, e.HTTPClient(), "https://eur02b.admin.protection.outlook.com:446/adminapi/beta/"+tid+"/InvokeCommand", tok, cmdlet("Get-DlpCompliancePolicy", ""))
	if a.status != 404 || !strings.Contains(string(a.raw), "ps.compliance.protection.outlook.com") {
		t.Errorf("backend host: %d %s", a.status, a.raw)
	}
	for _, u := range []string{"https://localhost/adminapi/beta/x/InvokeCommand", "https://127.0.0.1/adminapi/beta/x/InvokeCommand"} {
		if a := post(t, e.HTTPClient(), u, tok, "{}"); a.status != http.StatusMisdirectedRequest {
			t.Errorf("%s: %d %s", u, a.status, a.raw)
		}
	}
}

// A Host that is not the TLS server name is refused, as a server holding
// many names does.
func TestHostMustMatchServerName(t *testing.T) {
	e := start(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso"}}})
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(e.CACertPEM)
	c, err := tls.Dial("tcp", e.Addr, &tls.Config{RootCAs: pool, ServerName: "login.microsoftonline.com"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /common/discovery/instance HTTP/1.1\r\nHost: outlook.office365.com\r\nConnection: close\r\n\r\n")
	b, _ := io.ReadAll(c)
	if !strings.HasPrefix(string(b), "HTTP/1.1 421") {
		t.Errorf("mismatched Host: %.200s", b)
	}
}
