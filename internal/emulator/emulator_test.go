package emulator_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/exoplay/exoplay/internal/emulator"
)

// The service's URLs: the emulator answers them when they are dialled to
// it, which its HTTPClient does.
const (
	login        = "https://login.microsoftonline.com"
	exo          = "https://outlook.office365.com"
	ipps         = "https://ps.compliance.protection.outlook.com"
	ippsRegional = "https://eur02b.ps.compliance.protection.outlook.com"
)

func start(t testing.TB, opts emulator.Options) *emulator.Emulator {
	t.Helper()
	e, err := emulator.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return e
}

// token gets an app token for tenant and resource with the real MSAL client.
func token(t testing.TB, e *emulator.Emulator, tenant, resource string) string {
	t.Helper()
	cred, err := confidential.NewCredFromSecret(e.DemoSecret)
	if err != nil {
		t.Fatal(err)
	}
	app, err := confidential.New(login+"/"+tenant, e.DemoClientID, cred,
		confidential.WithHTTPClient(e.HTTPClient()), confidential.WithInstanceDiscovery(false))
	if err != nil {
		t.Fatal(err)
	}
	res, err := app.AcquireTokenByCredential(context.Background(), []string{resource + "/.default"})
	if err != nil {
		t.Fatalf("token for %s at %s: %v", tenant, resource, err)
	}
	return res.AccessToken
}

type answer struct {
	status int
	hdr    http.Header
	body   map[string]any
	raw    []byte
}

func post(t testing.TB, c *http.Client, url, tok, body string, hdr ...string) answer {
	t.Helper()
	a := postRaw(t, c, url, tok, body, hdr...)
	json.Unmarshal(a.raw, &a.body)
	return a
}

// postRaw sends a POST and returns the answer without decoding its body.
func postRaw(t testing.TB, c *http.Client, url, tok, body string, hdr ...string) answer {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, hdr: res.Header, raw: raw}
}

func cmdlet(name, params string) string {
	if params == "" {
		params = "{}"
	}
	return `{"CmdletInput":{"CmdletName":"` + name + `","Parameters":` + params + `}}`
}

func TestStartServesExchangeWithMSALTokens(t *testing.T) {
	e := start(t, emulator.Options{})
	ts := e.Tenants()
	if len(ts) != 2 || ts[0].Domain != "contoso.onmicrosoft.com" || ts[1].Domain != "fabrikam.onmicrosoft.com" || ts[0].ID != emulator.TenantID("contoso") {
		t.Fatalf("tenants %+v", ts)
	}
	tok := token(t, e, ts[0].Domain, exo)
	for _, seg := range []string{ts[0].ID, ts[0].Domain} {
		a := post(t, e.HTTPClient(), exo+"/adminapi/beta/"+seg+"/InvokeCommand", tok, cmdlet("Get-AcceptedDomain", ""),
			"X-AnchorMailbox", "APP:"+emulator.SystemMailboxAnchor+"@"+ts[0].ID)
		if a.status != 200 || a.hdr.Get("OData-Version") != "4.0" {
			t.Fatalf("%s: %d %s", seg, a.status, a.raw)
		}
		if v, _ := a.body["value"].([]any); len(v) == 0 || !strings.Contains(string(a.raw), "contoso.onmicrosoft.com") {
			t.Errorf("accepted domains: %s", a.raw)
		}
	}
	// The token of one tenant does not open another.
	if a := post(t, e.HTTPClient(), exo+"/adminapi/beta/"+ts[1].ID+"/InvokeCommand", tok, cmdlet("Get-AcceptedDomain", "")); a.status != 401 {
		t.Errorf("cross-tenant: %d", a.status)
	}
	c := e.Counters()
	if c.Tenant(ts[0].Domain).Calls("Get-AcceptedDomain") != 2 || c.Tokens.Issued(ts[0].ID, "client_credentials") != 1 {
		t.Errorf("counters: %+v tokens %+v", c.Tenant(ts[0].Domain), c.Tokens)
	}
}

func TestComplianceRedirectAndAudience(t *testing.T) {
	e := start(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso"}}})
	tid := e.Tenants()[0].ID
	tok := token(t, e, tid, ipps)
	client := *e.HTTPClient()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	a := post(t, &client, ipps+"/adminapi/beta/"+tid+"/InvokeCommand", tok, cmdlet("Get-DlpCompliancePolicy", ""))
	// The Location names the admin.protection backend on port 446, not the
	// REST host (exo.ipps.door-backend); a client rebuilds the regional
	// host from its first label.
	loc := a.hdr.Get("Location")
	const backend = "https://eur02b.admin.protection.outlook.com:446"
	if a.status != 302 || !strings.HasPrefix(loc, backend+"/adminapi/beta/") {
		t.Fatalf("front door: %d %q", a.status, loc)
	}
	loc = ippsRegional + strings.TrimPrefix(loc, backend)
	if a := post(t, &client, loc, tok, cmdlet("Get-DlpCompliancePolicy", "")); a.status != 400 || !strings.Contains(string(a.raw), "UPN:SystemMailbox") {
		t.Fatalf("regional without an anchor: %d %s", a.status, a.raw)
	}
	if a := post(t, &client, loc, tok, cmdlet("Get-DlpCompliancePolicy", ""), "X-AnchorMailbox", ippsAnchor(e)); a.status != 200 {
		t.Fatalf("regional: %d %s", a.status, a.raw)
	}
	exoTok := token(t, e, tid, exo)
	if a := post(t, &client, loc, exoTok, cmdlet("Get-DlpCompliancePolicy", "")); a.status != 401 {
		t.Errorf("Exchange token on the compliance host: %d", a.status)
	}
}

func TestCertificateCoversLoopbackNames(t *testing.T) {
	e := start(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso"}}})
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(e.CACertPEM) {
		t.Fatal("CACertPEM is not PEM")
	}
	for _, host := range []string{"localhost", "127.0.0.1", "login.microsoftonline.com", "outlook.office365.us", "nam13b.ps.compliance.protection.outlook.com", "l5.ps.compliance.protection.office365.us"} {
		c, err := tls.Dial("tcp", e.Addr, &tls.Config{RootCAs: pool, ServerName: host})
		if err != nil {
			t.Fatalf("%s: %v", host, err)
		}
		c.Close()
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.HTTPClient().Get(exo); err == nil {
		t.Error("still serving after Close")
	}
}

func TestWriteCAFileAndDemoUser(t *testing.T) {
	e := start(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso", Mailboxes: 3}}})
	p, err := e.WriteCAFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(p, ".pem") {
		t.Errorf("path %s", p)
	}
	if got, err := os.ReadFile(p); err != nil || !bytes.Equal(got, e.CACertPEM) || len(got) == 0 {
		t.Errorf("CA file %s does not hold CACertPEM (%v)", p, err)
	}
	if got := e.Tenants()[0].AdminUPN; got != "admin@contoso.onmicrosoft.com" {
		t.Errorf("admin %s", got)
	}
}

func TestPagingAndWritesThroughTheDirectory(t *testing.T) {
	e := start(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso", Mailboxes: 7}}})
	tid := e.Tenants()[0].ID
	tok := token(t, e, tid, exo)
	url := exo + "/adminapi/beta/" + tid + "/InvokeCommand"
	body := cmdlet("Get-Mailbox", `{"ResultSize":"Unlimited"}`)
	seen, pages := 0, 0
	for url != "" {
		a := post(t, e.HTTPClient(), url, tok, body, "Prefer", "odata.maxpagesize=3", "X-AnchorMailbox", "UPN:admin@contoso.onmicrosoft.com")
		if a.status != 200 {
			t.Fatalf("page %d: %d %s", pages, a.status, a.raw)
		}
		seen += len(a.body["value"].([]any))
		pages++
		url, _ = a.body["@odata.nextLink"].(string)
	}
	if seen < 7 || pages < 3 {
		t.Errorf("%d mailboxes in %d pages", seen, pages)
	}
	a := post(t, e.HTTPClient(), exo+"/adminapi/beta/"+tid+"/InvokeCommand", tok,
		cmdlet("Set-OrganizationConfig", `{"OAuth2ClientProfileEnabled":false}`))
	b := post(t, e.HTTPClient(), exo+"/adminapi/beta/"+tid+"/InvokeCommand", tok,
		cmdlet("Set-OrganizationConfig", `{"OAuth2ClientProfileEnabled":true}`))
	if a.status != 200 || b.status != 200 {
		t.Fatalf("writes: %d %s / %d %s", a.status, a.raw, b.status, b.raw)
	}
	w := e.Counters().Tenant(tid).Writes
	if len(w) == 0 || w[len(w)-1].Cmdlet != "Set-OrganizationConfig" || w[len(w)-1].Params["OAuth2ClientProfileEnabled"] != true {
		t.Errorf("writes %+v", w)
	}
	if v := e.Counters().Violations; len(v) != 0 {
		t.Errorf("violations %+v", v)
	}
}

func TestTenantSpecs(t *testing.T) {
	if emulator.TenantID("Contoso") != emulator.TenantID("contoso.onmicrosoft.com") || len(emulator.TenantID("x")) != 36 {
		t.Error("TenantID is not stable across spellings")
	}
	if _, err := emulator.Start(emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "a", ID: "11111111-1111-4111-8111-111111111111"}, {Domain: "A.onmicrosoft.com", ID: "22222222-2222-4222-8222-222222222222"}}}); err == nil {
		t.Error("one domain with two ids accepted")
	}
	if _, err := emulator.Start(emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "a", ID: "11111111-1111-4111-8111-111111111111"}, {Domain: "b", ID: "11111111-1111-4111-8111-111111111111"}}}); err == nil {
		t.Error("one id for two domains accepted")
	}
	// The same organization listed twice (as a playbook may) is one tenant.
	m := start(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "a"}, {Domain: "A.onmicrosoft.com", ID: "11111111-1111-4111-8111-111111111111", Mailboxes: 3}}})
	if ts := m.Tenants(); len(ts) != 1 || ts[0].ID != "11111111-1111-4111-8111-111111111111" {
		t.Errorf("merged: %+v", ts)
	}
	e := start(t, emulator.Options{Tenants: []emulator.TenantSpec{{ID: "ABCDEF01-0000-4000-8000-000000000000"}}})
	if ts := e.Tenants(); ts[0].ID != "abcdef01-0000-4000-8000-000000000000" || ts[0].Domain != "tenant-abcdef01.onmicrosoft.com" {
		t.Errorf("id-only tenant: %+v", ts)
	}
}

func TestSetFaultsWhileRunning(t *testing.T) {
	e := start(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso"}}})
	tid := e.Tenants()[0].ID
	tok := token(t, e, tid, exo)
	spec, err := emulator.ParseFaults("429:first2")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.SetFaults(spec); err != nil {
		t.Fatal(err)
	}
	url := exo + "/adminapi/beta/" + tid + "/InvokeCommand"
	var got []string
	for range 3 {
		got = append(got, strconv.Itoa(post(t, e.HTTPClient(), url, tok, cmdlet("Get-AcceptedDomain", "")).status))
	}
	if strings.Join(got, ",") != "429,429,200" || e.Counters().Throttled != 2 {
		t.Errorf("statuses %v, throttled %d", got, e.Counters().Throttled)
	}
}
func TestCloseDoesNotWaitForForeignIdleClients(t *testing.T) {
	e, err := emulator.Start(emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso"}}})
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(e.CACertPEM)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, e.Addr)
	}
	c := &http.Client{Transport: tr}
	for _, u := range []string{exo, login, ipps} {
		res, err := c.Get(u + "/nothing")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	start := time.Now()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Close took %v with a foreign client's idle connections open", d)
	}
}

// lockedBuffer is a goroutine-safe io.Writer for logs.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestServiceAnswersThroughTheWholeStack(t *testing.T) {
	var logBuf lockedBuffer
	e := start(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso", Mailboxes: 3}}, AccessLog: &logBuf})
	tid := e.Tenants()[0].ID
	tok := token(t, e, tid, exo)
	url := exo + "/adminapi/beta/" + tid + "/InvokeCommand"

	// A parameter the cmdlet does not have: the directory's binding error, as a 400 envelope.
	a := post(t, e.HTTPClient(), url, tok, cmdlet("Get-Mailbox", `{"NoSuchParameter":1}`))
	if a.status != 400 || !strings.Contains(string(a.raw), "NoSuchParameter") || a.hdr.Get("x-ExceptionType") == "" {
		t.Errorf("binding error: %d %v %s", a.status, a.hdr, a.raw)
	}
	// An unknown cmdlet: 403 with NUL bytes labelled gzip, which a plain Go client cannot read.
	req, _ := http.NewRequest("POST", url, strings.NewReader(cmdlet("Get-NoSuchThing", "")))
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := e.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, readErr := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 403 || readErr == nil {
		t.Errorf("unknown cmdlet: %d, body read error %v", res.StatusCode, readErr)
	}
	// $batch through the directory.
	auth := `"headers":{"Authorization":"Bearer ` + tok + `"},`
	batch := `{"requests":[{"id":"1","method":"POST","url":"` + url + `",` + auth + `"body":` + cmdlet("Get-AcceptedDomain", "") +
		`},{"id":"2","method":"POST","url":"` + url + `",` + auth + `"body":` + cmdlet("Get-Mailbox", `{"Identity":"nobody-here"}`) + `}]}`
	a = post(t, e.HTTPClient(), exo+"/adminapi/beta/"+tid+"/$batch", tok, batch, "Accept", "application/json; odata.metadata=minimal")
	rs, _ := a.body["responses"].([]any)
	if a.status != 200 || len(rs) != 2 || rs[0].(map[string]any)["status"] != 200.0 || rs[1].(map[string]any)["status"] != 404.0 {
		t.Errorf("batch: %d %.500s", a.status, a.raw)
	}
	// The access log has one line per request and no secrets.
	log := logBuf.String()
	if !strings.Contains(log, "exchange") || !strings.Contains(log, "/InvokeCommand 403") || strings.Contains(log, tok) || strings.Contains(log, e.DemoSecret) {
		t.Errorf("access log:\n%s", log)
	}
}

func TestUserTokenAndEarlyExpiry(t *testing.T) {
	e := start(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso"}}})
	ti := e.Tenants()[0]
	pub, err := public.New(e.DemoPublicClientID, public.WithAuthority(login+"/"+ti.Domain),
		public.WithHTTPClient(e.HTTPClient()), public.WithInstanceDiscovery(false))
	if err != nil {
		t.Fatal(err)
	}
	res, err := pub.AcquireTokenByUsernamePassword(context.Background(), []string{exo + "/.default"}, ti.AdminUPN, emulator.DemoUserPassword)
	if err != nil {
		t.Fatalf("ROPC for the demo admin: %v", err)
	}
	url := exo + "/adminapi/beta/" + ti.ID + "/InvokeCommand"
	if a := post(t, e.HTTPClient(), url, res.AccessToken, cmdlet("Get-OrganizationConfig", ""), "X-AnchorMailbox", "UPN:"+ti.AdminUPN); a.status != 200 {
		t.Fatalf("user token: %d %.300s", a.status, a.raw)
	}
	// Tokens that expire before expires_in says: the service refuses them.
	e.Authority().SetEarlyExpiry(time.Hour + time.Minute)
	tok := token(t, e, ti.ID, exo)
	if a := post(t, e.HTTPClient(), url, tok, cmdlet("Get-OrganizationConfig", "")); a.status != 401 || a.hdr.Get("WWW-Authenticate") == "" {
		t.Errorf("early-expired token: %d", a.status)
	}
}

// ippsAnchor is the anchor working clients send to compliance (§10.6).
func ippsAnchor(e *emulator.Emulator) string {
	return "UPN:" + emulator.SystemMailboxAnchor + "@" + e.Tenants()[0].Domain
}
