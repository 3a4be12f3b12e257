package exchange

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

type resp struct {
	status int
	hdr    http.Header
	body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not JSON (%v): %q", err, r.body)
	}
	return m
}

// do sends one request; hdr pairs are header name, value.
func (h *harness) do(method, url, body string, hdr ...string) resp {
	h.t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := h.client.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, hdr: res.Header, body: b}
}

func cmd(name string, params string) string {
	if params == "" {
		params = "{}"
	}
	return `{"CmdletInput":{"CmdletName":"` + name + `","Parameters":` + params + `}}`
}

func (h *harness) invoke(tenant, tok, body string, hdr ...string) resp {
	h.t.Helper()
	return h.do("POST", h.exo.URL+"/adminapi/beta/"+tenant+"/InvokeCommand", body, append([]string{"Authorization", "Bearer " + tok}, hdr...)...)
}

func TestSuccessEnvelope(t *testing.T) {
	h := newHarness(t, nil)
	r := h.invoke(tidA, tokAppA, cmd("get-accepteddomain", ""))
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if ct := r.hdr.Get("Content-Type"); ct != contentTypeJSON {
		t.Errorf("Content-Type %q", ct)
	}
	if r.hdr.Get("OData-Version") != "4.0" || len(r.hdr.Get("request-id")) != 36 {
		t.Errorf("headers %v", r.hdr)
	}
	want := `{"@odata.context":"` + h.exo.URL + `/adminapi/beta/` + tidA + `/$metadata#Collection(Exchange.GenericHashTable)",` +
		`"adminapi.warnings@odata.type":"#Collection(String)","@adminapi.warnings":[],"value":[{"DomainName":"contoso.onmicrosoft.com","Default":true,` +
		`"Guid@odata.type":"#Guid","Guid@data.type":"System.Guid","Guid":"aaaaaaaa-0000-4000-8000-000000000001",` +
		`"Capabilities@odata.type":"#Collection(String)","Capabilities":["None"]}]}`
	if string(r.body) != want {
		t.Errorf("body\n got %s\nwant %s", r.body, want)
	}
	// The tenant segment may be the domain, in any case; the context echoes it.
	r = h.invoke("CONTOSO.onmicrosoft.com", tokAppA, cmd("Get-AcceptedDomain", ""))
	if r.status != 200 || !strings.Contains(string(r.body), "/adminapi/beta/CONTOSO.onmicrosoft.com/$metadata") {
		t.Errorf("domain segment: %d %s", r.status, r.body)
	}
	c := h.srv.Counters().Tenant(domA)
	if c.Requests != 2 || c.Calls("Get-AcceptedDomain") != 2 || c.ByCmdlet["Get-AcceptedDomain"] != 2 {
		t.Errorf("counters %+v", c)
	}
}

func TestSelectKeepsListedProperties(t *testing.T) {
	h := newHarness(t, nil)
	r := h.do("POST", h.exo.URL+"/adminapi/beta/"+tidA+"/InvokeCommand?$select=domainname,Cap*", cmd("Get-AcceptedDomain", ""), "Authorization", "Bearer "+tokAppA)
	v := r.json(t)["value"].([]any)[0].(map[string]any)
	if len(v) != 3 || v["DomainName"] == nil || v["Capabilities"] == nil || v["Capabilities@odata.type"] == nil {
		t.Errorf("selected %v", v)
	}
}

func TestAuthentication(t *testing.T) {
	h := newHarness(t, nil)
	body := cmd("Get-AcceptedDomain", "")
	cases := []struct {
		name, tenant, tok string
		status            int
		text              string
	}{
		{"no token", tidA, "", 401, "no bearer token"},
		{"bad signature", tidA, "forged", 401, "not valid"},
		{"wrong audience", tidA, tokWrongAud, 401, "audience"},
		{"other tenant", tidB, tokAppA, 401, "issued for tenant"},
		{"unknown tenant", "nowhere.onmicrosoft.com", tokAppA, 401, "not known"},
		{"no role", tidA, tokNoRole, 403, "Exchange.ManageAsApp"},
		{"no scope", tidA, tokNoScope, 403, "scope"},
		{"user token", tidA, tokUserA, 200, ""},
		{"compliance token on exchange", tidA, tokCompliant, 401, "audience"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.invoke(tc.tenant, tc.tok, body)
			if r.status != tc.status || !strings.Contains(string(r.body), tc.text) {
				t.Fatalf("got %d %s", r.status, r.body)
			}
			if tc.status == 401 && !strings.Contains(r.hdr.Get("WWW-Authenticate"), `error="invalid_token"`) {
				t.Errorf("WWW-Authenticate %q", r.hdr.Get("WWW-Authenticate"))
			}
		})
	}
	// Expiry is checked on every call, also for a token verified earlier.
	if r := h.invoke(tidA, tokExpiresA, body); r.status != 200 {
		t.Fatalf("fresh token: %d", r.status)
	}
	h.clock.Add(2 * time.Minute)
	if r := h.invoke(tidA, tokExpiresA, body); r.status != 401 || !strings.Contains(string(r.body), "expired") {
		t.Fatalf("expired token: %d %s", r.status, r.body)
	}
	// Verified tokens are cached: many calls, one signature check.
	before := h.verified
	for range 5 {
		h.invoke(tidA, tokAppA, body)
	}
	if h.verified != before {
		t.Errorf("verifier called %d more times for a cached token", h.verified-before)
	}
}

func TestV1InvokeCommandIs405(t *testing.T) {
	h := newHarness(t, nil)
	r := h.do("POST", h.exo.URL+"/adminapi/v1.0/"+tidA+"/InvokeCommand", cmd("Get-Mailbox", ""), "Authorization", "Bearer "+tokAppA)
	if r.status != 405 {
		t.Fatalf("status %d", r.status)
	}
	r = h.do("GET", h.exo.URL+"/adminapi/beta/"+tidA+"/InvokeCommand", "", "Authorization", "Bearer "+tokAppA)
	if r.status != 405 {
		t.Fatalf("GET status %d", r.status)
	}
}

func TestUnknownCmdlet(t *testing.T) {
	h := newHarness(t, nil)
	r := h.invoke(tidA, tokAppA, cmd("Get-Nothing", ""))
	if r.status != 403 || r.hdr.Get("Content-Encoding") != "gzip" || !bytes.Equal(r.body, make([]byte, len(r.body))) || len(r.body) == 0 {
		t.Fatalf("EXO unknown cmdlet: %d %v %q", r.status, r.hdr, r.body)
	}
	r = h.do("POST", h.ipps.URL+"/adminapi/beta/"+tidA+"/InvokeCommand", cmd("Get-Nothing", ""), "Authorization", "Bearer "+tokCompliant, "X-AnchorMailbox", ippsAnchorA)
	if r.status != 403 || !strings.Contains(string(r.body), "Get-Nothing") {
		t.Fatalf("IPPS unknown cmdlet: %d %s", r.status, r.body)
	}
}

func TestCmdletErrorEnvelope(t *testing.T) {
	h := newHarness(t, nil)
	r := h.invoke(tidA, tokAppA, cmd("Get-Mailbox", `{"Identity":"nobody"}`))
	if r.status != 404 || r.hdr.Get("x-ExceptionType") != "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException" {
		t.Fatalf("got %d %v", r.status, r.hdr)
	}
	m := r.json(t)
	e := m["error"].(map[string]any)
	d := e["details"].([]any)[0].(map[string]any)
	if e["code"] != "NotFound" || e["message"] != "Error executing cmdlet" || d["target"] != "nobody" ||
		!strings.HasPrefix(d["message"].(string), "Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't") {
		t.Errorf("envelope %s", r.body)
	}
	if w, ok := m["@adminapi.warnings"].([]any); !ok || len(w) != 0 {
		t.Errorf("warnings must be an empty array: %s", r.body)
	}
	r = h.invoke(tidA, tokAppA, cmd("Get-Mailbox", `{"Bogus":1}`))
	if r.status != 500 {
		t.Errorf("backend failure: %d", r.status)
	}
	r = h.invoke(tidA, tokAppA, `{"CmdletName":"Get-Mailbox"}`)
	if r.status != 400 || len(h.srv.Counters().Violations) != 1 {
		t.Errorf("body without CmdletInput: %d, violations %v", r.status, h.srv.Counters().Violations)
	}
}

func TestWritesAndWarnings(t *testing.T) {
	h := newHarness(t, nil)
	r := h.invoke(tidA, tokAppA, cmd("Set-Mailbox", `{"Identity":"u","City":"Oslo"}`))
	if r.status != 200 || !strings.Contains(string(r.body), `"value":[]`) {
		t.Fatalf("write: %d %s", r.status, r.body)
	}
	r = h.invoke(tidA, tokAppA, cmd("Set-Mailbox", `{"Identity":"u","City":"Oslo"}`))
	w := r.json(t)["@adminapi.warnings"].([]any)
	if len(w) != 1 || !strings.Contains(w[0].(string), "no settings") {
		t.Fatalf("no-op warning: %s", r.body)
	}
	r = h.invoke(tidA, tokAppA, cmd("Set-Mailbox", `{"Identity":"u","City":"Oslo"}`), "WarningAction", "SilentlyContinue")
	if len(r.json(t)["@adminapi.warnings"].([]any)) != 0 {
		t.Fatalf("WarningAction SilentlyContinue: %s", r.body)
	}
	c := h.srv.Counters().Tenant(tidA)
	if len(c.Writes) != 1 || c.Writes[0].Cmdlet != "Set-Mailbox" || c.Writes[0].Params["City"] != "Oslo" || c.Writes[0].Seq != 1 {
		t.Errorf("writes %+v", c.Writes)
	}
}

func TestAnchorFormats(t *testing.T) {
	h := newHarness(t, nil)
	body := cmd("Get-AcceptedDomain", "")
	for _, a := range []string{
		"", "UPN:admin@contoso.com", "upn:admin@" + domA, "SMTP:user@contoso.com", "MBX:0b6e8f2a-0000-4000-8000-000000000001@" + tidA,
		"APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@" + tidA, "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@" + domA,
		// Tolerated, as the service does (§10.13): bare identities (CIPP
		// bulk), unknown prefixes (go-exoscc's TID:), no organization.
		"admin@" + domA, "FOO:admin@" + domA, "TID:" + tidA, "UPN:admin",
	} {
		if r := h.invoke(tidA, tokAppA, body, "X-AnchorMailbox", a); r.status != 200 {
			t.Errorf("%q: %d %s", a, r.status, r.body)
		}
	}
	for _, a := range []string{
		"APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@" + tidB,
		"UPN:admin@" + domB, "UPN:admin@nowhere.onmicrosoft.com",
	} {
		if r := h.invoke(tidA, tokAppA, body, "X-AnchorMailbox", a); r.status != 400 || !strings.Contains(string(r.body), "X-AnchorMailbox") {
			t.Errorf("%q: %d %s", a, r.status, r.body)
		}
	}
	if n := len(h.srv.Counters().Violations); n != 3 {
		t.Errorf("%d violations", n)
	}
}

func TestConfirmAsksInsteadOfActing(t *testing.T) {
	h := newHarness(t, nil)
	r := h.invoke(tidA, tokAppA, cmd("Set-Mailbox", `{"Identity":"u","City":"Rome","Confirm":true}`))
	m := r.json(t)
	if r.status != 200 || !strings.Contains(m["@adminapi.confirmationmessage"].(string), `"Set-Mailbox" on target "u"`) {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if w := h.srv.Counters().Tenant(tidA).Writes; len(w) != 0 {
		t.Errorf("confirmation applied a write: %+v", w)
	}
	if r := h.invoke(tidA, tokAppA, cmd("Set-Mailbox", `{"Identity":"u","City":"Rome","Confirm":false}`)); r.status != 200 || len(h.srv.Counters().Tenant(tidA).Writes) != 1 {
		t.Fatalf("Confirm=false: %d %s", r.status, r.body)
	}
	if r := h.invoke(tidA, tokAppA, cmd("Get-Mailbox", `{"Confirm":true}`)); strings.Contains(string(r.body), "confirmationmessage") {
		t.Errorf("a read asked for confirmation")
	}
}
