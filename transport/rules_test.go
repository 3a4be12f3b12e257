package transport

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"
)

func TestAnchorRules(t *testing.T) {
	app := AppAnchor("contoso.onmicrosoft.com")
	if app != "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@contoso.onmicrosoft.com" {
		t.Fatalf("AppAnchor = %s", app)
	}
	ep := &Endpoint{Tenant: "contoso.onmicrosoft.com"}
	delegated := &Endpoint{Tenant: "contoso.onmicrosoft.com", Anchor: UserAnchor("admin@contoso.com")}
	const tid = "11111111-2222-4333-8444-555555555555"
	byGUID := &Endpoint{Tenant: tid}
	withID := &Endpoint{Tenant: "contoso.onmicrosoft.com", TenantID: tid}
	cases := []struct {
		name   string
		ep     *Endpoint
		req    Request
		want   string
		routed bool
	}{
		{"app default", ep, Request{Cmdlet: "Get-OrganizationConfig"}, app, false},
		{"delegated default", delegated, Request{Cmdlet: "Get-OrganizationConfig"}, "UPN:admin@contoso.com", false},
		{"override wins", delegated, Request{Cmdlet: "Get-InboxRule", Anchor: "SMTP:x@y.com", Parameters: map[string]any{"Mailbox": "z@y.com"}}, "SMTP:x@y.com", false},
		{"routed on Mailbox", ep, Request{Cmdlet: "Get-InboxRule", Parameters: map[string]any{"Mailbox": "jane@contoso.com"}}, "SMTP:jane@contoso.com", true},
		{"routed on identity, any case", ep, Request{Cmdlet: "get-mailboxstatistics", Parameters: map[string]any{"identity": "jane@contoso.com"}}, "SMTP:jane@contoso.com", true},
		{"folder identity", ep, Request{Cmdlet: "Get-MailboxFolderPermission", Parameters: map[string]any{"Identity": `jane@contoso.com:\Calendar`}}, "SMTP:jane@contoso.com", true},
		{"smtp prefix kept", ep, Request{Cmdlet: "Set-Clutter", Parameters: map[string]any{"Identity": "smtp:jane@contoso.com"}}, "SMTP:jane@contoso.com", true},
		{"upn prefix sent as SMTP", ep, Request{Cmdlet: "Set-Clutter", Parameters: map[string]any{"Identity": "UPN:jane@contoso.com"}}, "SMTP:jane@contoso.com", true},
		{"guid on a GUID tenant", byGUID, Request{Cmdlet: "Get-MailboxStatistics", Parameters: map[string]any{"Identity": "AAAAAAAA-0000-4000-8000-000000000001"}},
			"MBX:aaaaaaaa-0000-4000-8000-000000000001@" + tid, true},
		{"guid with the tenant id known", withID, Request{Cmdlet: "Get-MailboxStatistics", Parameters: map[string]any{"Identity": "aaaaaaaa-0000-4000-8000-000000000001"}},
			"MBX:aaaaaaaa-0000-4000-8000-000000000001@" + tid, true},
		{"guid, tenant id unknown", ep, Request{Cmdlet: "Get-MailboxStatistics", Parameters: map[string]any{"Identity": "aaaaaaaa-0000-4000-8000-000000000001"}}, app, false},
		{"compliance on the initial domain", &Endpoint{Tenant: "contoso.onmicrosoft.com", Service: Compliance}, Request{Cmdlet: "Get-Label"},
			"UPN:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@contoso.onmicrosoft.com", false},
		{"compliance on another cloud's initial domain", &Endpoint{Tenant: "agency.onmicrosoft.us", Service: Compliance}, Request{Cmdlet: "Get-Label"},
			"UPN:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@agency.onmicrosoft.us", false},
		{"compliance on the routing domain, not the initial one", &Endpoint{Tenant: "contoso.mail.onmicrosoft.com", Service: Compliance}, Request{Cmdlet: "Get-Label"},
			AppAnchor("contoso.mail.onmicrosoft.com"), false},
		{"alias cannot anchor", ep, Request{Cmdlet: "Get-MailboxStatistics", Parameters: map[string]any{"Identity": "jane"}}, app, false},
		{"not a routed cmdlet", ep, Request{Cmdlet: "Get-Mailbox", Parameters: map[string]any{"Identity": "jane@contoso.com"}}, app, false},
		{"non-string identity", ep, Request{Cmdlet: "Get-MailboxStatistics", Parameters: map[string]any{"Identity": 5}}, app, false},
	}
	for _, c := range cases {
		got, routed := anchorFor(c.ep, &c.req)
		if got != c.want || routed != c.routed {
			t.Errorf("%s: got %q routed=%v, want %q routed=%v", c.name, got, routed, c.want, c.routed)
		}
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestHostFamily(t *testing.T) {
	cases := []struct {
		base, target string
		ok           bool
	}{
		{"https://ps.compliance.protection.outlook.com", "https://eur02b.ps.compliance.protection.outlook.com/x", true},
		{"https://ps.compliance.protection.outlook.com", "https://ps.compliance.protection.outlook.com/x", true},
		{"https://ps.compliance.protection.outlook.com", "https://evil.com/x", false},
		{"https://ps.compliance.protection.outlook.com", "https://ps.compliance.protection.outlook.com.evil.com/x", false},
		{"https://ps.compliance.protection.outlook.com", "http://eur02b.ps.compliance.protection.outlook.com/x", false},
		{"https://l5.ps.compliance.protection.office365.us", "https://usgov01.ps.compliance.protection.office365.us", true},
		{"https://outlook.office365.com", "https://nam12.outlook.office365.com", true},
		{"https://outlook.office365.com", "https://outlook.office.com", false},
		{"https://outlook.office365.com", "https://xoutlook.office365.com", false},
		{"https://127.0.0.1:4443", "https://127.0.0.1:5555/a", true},
		{"https://127.0.0.1:4443", "https://127.0.0.2:4443/a", false},
		{"https://127.0.0.1:4443", "https://localhost:4443/a", false},
		{"http://127.0.0.1:8080", "http://127.0.0.1:9090/a", true},
		{"https://[::1]:1", "https://[::1]:2", true},
		{"https://localhost:1", "https://localhost:2", true},
		{"https://outlook.office365.com", "ftp://outlook.office365.com", false},
	}
	for _, c := range cases {
		if got := inFamily(mustURL(c.base), mustURL(c.target)); got != c.ok {
			t.Errorf("%s -> %s: %v, want %v", c.base, c.target, got, c.ok)
		}
	}
}

func TestParseOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://outlook.office365.com/PowerShell-LiveID?x=1": "https://outlook.office365.com",
		"http://127.0.0.1:8080/":                              "http://127.0.0.1:8080",
		"http://localhost:1":                                  "http://localhost:1",
	} {
		u, err := parseOrigin(in)
		if err != nil || u.String() != want {
			t.Errorf("%s: %v %v", in, u, err)
		}
	}
	for _, bad := range []string{"http://outlook.office365.com", "ftp://x", "outlook.office365.com", "https://", "::"} {
		if _, err := parseOrigin(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// The forms of Retry-After are internal/wait's (RetryAfter); what is the
// transport's is reading the header of a throttled answer and measuring an
// HTTP date against its own clock, not the machine's.
func TestInvokeThrottledHonoursRetryAfterDate(t *testing.T) {
	h := newHarness(t, 1, Options{})
	h.f.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n > 0 {
			return false
		}
		w.Header().Set("Retry-After", h.clock.Now().Add(7*time.Second).Format(http.TimeFormat))
		w.WriteHeader(429)
		return true
	}
	_, st, err := h.invoke(t, Request{Cmdlet: "Get-Mailbox"})
	if err != nil {
		t.Fatal(err)
	}
	if got := h.clock.Waits(); !slices.Equal(got, []time.Duration{7 * time.Second}) || st.ThrottledFor != 7*time.Second {
		t.Errorf("waits %v, stats %+v; want one wait of 7s", got, st)
	}
}

func TestBackoffIsJitteredExponentialAndCapped(t *testing.T) {
	c := New(Options{BackoffBase: time.Second, BackoffMax: 10 * time.Second})
	c.jitter = func() float64 { return 0 }
	lows := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	for n, want := range lows {
		if got := c.backoff(n); got != want {
			t.Errorf("low backoff(%d) = %v, want %v", n, got, want)
		}
	}
	c.jitter = func() float64 { return 0.999999 }
	if got := c.backoff(2); got < 3999*time.Millisecond || got > 4*time.Second {
		t.Errorf("high backoff(2) = %v", got)
	}
	if got := c.backoff(200); got > 10*time.Second || got < 5*time.Second {
		t.Errorf("backoff(200) = %v, want capped", got)
	}
}

func TestNewDefaults(t *testing.T) {
	c := New(Options{PageSize: 5000, MaxRetries: -1})
	if c.pageSize != 1000 || c.retries != 0 || c.elapsed != DefaultMaxElapsed || c.ua != "exoplay" {
		t.Errorf("defaults: %+v", c)
	}
	hc := &http.Client{}
	New(Options{HTTPClient: hc})
	if hc.CheckRedirect != nil {
		t.Error("caller's client was modified")
	}
}

func TestResultLimit(t *testing.T) {
	cases := []struct {
		req  Request
		want int
	}{
		{Request{}, -1},
		{Request{ResultSize: 7}, 7},
		{Request{Parameters: map[string]any{"ResultSize": "Unlimited"}}, -1},
		{Request{Parameters: map[string]any{"ResultSize": "unlimited"}}, -1},
		{Request{Parameters: map[string]any{"ResultSize": 12.0}}, 12},
		{Request{Parameters: map[string]any{"ResultSize": 12.5}}, -1},
		{Request{Parameters: map[string]any{"ResultSize": int64(3)}}, 3},
		{Request{Parameters: map[string]any{"ResultSize": json.Number("4")}}, 4},
		{Request{Parameters: map[string]any{"ResultSize": " 9 "}}, 9},
		{Request{Parameters: map[string]any{"ResultSize": 0}}, -1},
		{Request{Parameters: map[string]any{"ResultSize": uint64(1) << 40}}, math.MaxInt32},
	}
	for _, c := range cases {
		if got := resultLimit(&c.req); got != c.want {
			t.Errorf("%+v: %d, want %d", c.req, got, c.want)
		}
	}
}

func TestSelectQuery(t *testing.T) {
	if q := selectQuery([]string{"Name", " ", "Display Name", "a&b"}); q != "$select=Name,Display+Name,a%26b" {
		t.Errorf("got %q", q)
	}
	if q := selectQuery([]string{" "}); q != "" {
		t.Errorf("got %q", q)
	}
}
