package exchange

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A $batch item without its own Authorization is refused (401 for the
// item, a violation) unless the knob relaxes it.
func TestStrictBatchItemAuth(t *testing.T) {
	h := newHarness(t, nil)
	body := `{"requests":[{"id":"a","method":"POST","url":"/adminapi/beta/` + tidA + `/InvokeCommand","headers":{"X-CmdletName":"Get-AcceptedDomain"},"body":` + cmd("Get-AcceptedDomain", "") + `}]}`
	var br BatchAnswer
	r := h.batch(tidA, body)
	if err := json.Unmarshal(r.body, &br); err != nil || len(br.Responses) != 1 || br.Responses[0].Status != 401 {
		t.Fatalf("strict: %d %s", r.status, r.body)
	}
	if v := h.srv.Counters().Violations; len(v) != 1 || !strings.Contains(v[0].Reason, "no Authorization") {
		t.Errorf("violations %v", v)
	}
	if err := h.srv.SetStrictness(Strictness{BatchItemAuthOptional: true}); err != nil {
		t.Fatal(err)
	}
	br = BatchAnswer{}
	r = h.batch(tidA, body)
	if err := json.Unmarshal(r.body, &br); err != nil || br.Responses[0].Status != 200 {
		t.Fatalf("relaxed: %s", r.body)
	}
}

// CIPP's production items carry "parameter-based-routing": true. OData's
// batch reader takes any JSON primitive as a header value and refuses an
// object, a list or a header named twice: the whole batch fails.
func TestStrictBatchHeaderValuesArePrimitives(t *testing.T) {
	h := newHarness(t, nil)
	body := `{"requests":[{"id":"a","method":"POST","url":"/adminapi/beta/` + tidA + `/InvokeCommand",` +
		`"headers":{"Authorization":"Bearer ` + tokAppA + `","parameter-based-routing":true,"X-Count":3,"X-Null":null},"body":` + cmd("Get-AcceptedDomain", "") + `}]}`
	var br BatchAnswer
	r := h.batch(tidA, body)
	if err := json.Unmarshal(r.body, &br); err != nil || r.status != 200 || br.Responses[0].Status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	for what, bad := range map[string]string{
		"an object": `"X-Obj":{"a":1}`,
		"a list":    `"X-List":["x"]`,
		"a repeat":  `"X-Count":4`,
	} {
		r := h.batch(tidA, strings.Replace(body, `"X-Count":3`, `"X-Count":3,`+bad, 1))
		if r.status != 400 || !strings.Contains(string(r.body), "header") {
			t.Errorf("%s as a header value: %d %s", what, r.status, r.body)
		}
	}
}

// OData's batch reader requires every request's method and url: an item
// without one fails the batch, it is not taken for a POST.
func TestStrictBatchItemNeedsMethodAndURL(t *testing.T) {
	h := newHarness(t, nil)
	for what, item := range map[string]string{
		"no method": `{"id":"a","url":"/adminapi/beta/` + tidA + `/InvokeCommand",` + itemAuth + `"body":` + cmd("Get-AcceptedDomain", "") + `}`,
		"no url":    `{"id":"a","method":"POST",` + itemAuth + `"body":` + cmd("Get-AcceptedDomain", "") + `}`,
	} {
		if r := h.batch(tidA, `{"requests":[`+item+`]}`); r.status != 400 || !strings.Contains(string(r.body), `"method\" or no \"url\"`) {
			t.Errorf("%s: %d %s", what, r.status, r.body)
		}
	}
}

// OData's batch reader knows a request's properties case-insensitively and
// refuses any other, or one named twice: the batch fails. dependsOn and
// atomicityGroup are OData's but not emulated, and say so.
func TestStrictBatchItemProperties(t *testing.T) {
	h := newHarness(t, nil)
	rest := `"url":"/adminapi/beta/` + tidA + `/InvokeCommand",` + itemAuth + `"body":` + cmd("Get-AcceptedDomain", "")
	for what, tc := range map[string]struct {
		item   string
		status int
		text   string
	}{
		"any case":       {`{"ID":"a","Method":"POST",` + rest + `}`, 200, `"status":200`},
		"unknown":        {`{"id":"a","method":"POST","foo":1,` + rest + `}`, 400, `property \"foo\"`},
		"named twice":    {`{"id":"a","method":"POST","Method":"POST",` + rest + `}`, 400, `twice`},
		"dependsOn":      {`{"id":"a","method":"POST","dependsOn":["0"],` + rest + `}`, 501, "does not emulate"},
		"atomicityGroup": {`{"id":"a","method":"POST","atomicityGroup":"g",` + rest + `}`, 501, "does not emulate"},
	} {
		if r := h.batch(tidA, `{"requests":[`+tc.item+`]}`); r.status != tc.status || !strings.Contains(string(r.body), tc.text) {
			t.Errorf("%s: %d %s", what, r.status, r.body)
		}
	}
}

// The service answers multipart/mixed unless the client asks for
// application/json;odata.metadata=minimal.
func TestStrictBatchMultipartUnlessMinimalMetadata(t *testing.T) {
	h := newHarness(t, nil)
	body := `{"requests":[{"id":"a","method":"POST","url":"/adminapi/beta/` + tidA + `/InvokeCommand",` + itemAuth + `"body":` + cmd("Get-AcceptedDomain", "") + `}]}`
	for _, tc := range []struct {
		accept    string
		multipart bool
	}{
		{"application/json", true},
		{"", true},
		{"*/*", true},
		{"application/json; odata.metadata=minimal", false},
		{"application/json;odata.metadata=minimal;odata.streaming=true", false},
		{"text/plain, Application/JSON; odata.metadata = minimal", false},
	} {
		hdr := []string{"Authorization", "Bearer " + tokAppA}
		if tc.accept != "" {
			hdr = append(hdr, "Accept", tc.accept)
		}
		r := h.do("POST", h.exo.URL+"/adminapi/beta/"+tidA+"/$batch", body, hdr...)
		got := strings.HasPrefix(r.hdr.Get("Content-Type"), "multipart/mixed")
		if r.status != 200 || got != tc.multipart {
			t.Errorf("Accept %q: %d %s", tc.accept, r.status, r.hdr.Get("Content-Type"))
		}
	}
	_ = h.srv.SetStrictness(Strictness{BatchJSONForAnyAccept: true})
	r := h.do("POST", h.exo.URL+"/adminapi/beta/"+tidA+"/$batch", body, "Authorization", "Bearer "+tokAppA, "Accept", "application/json")
	if !strings.HasPrefix(r.hdr.Get("Content-Type"), "application/json") {
		t.Errorf("relaxed: %s", r.hdr.Get("Content-Type"))
	}
}

func TestStrictnessValidate(t *testing.T) {
	for _, st := range []Strictness{{ErrorDetail: "xml"}, {ConcurrencyBody: "html"}, {ConcurrencyStatus: 42}} {
		if st.Validate() == nil {
			t.Errorf("%+v accepted", st)
		}
	}
}

// The detail of a cmdlet error comes in the form the knob picks; by
// default 404 in the pipe form, other errors in the JSON form.
func TestStrictErrorDetailForms(t *testing.T) {
	h := newHarness(t, nil)
	detail := func() (int, string, string) {
		r := h.invoke(tidA, tokAppA, cmd("Get-Mailbox", `{"Identity":"nobody"}`))
		var env struct {
			Error struct {
				Details []struct{ Code, Message string }
			}
		}
		if err := json.Unmarshal(r.body, &env); err != nil || len(env.Error.Details) != 1 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		return r.status, env.Error.Details[0].Code, env.Error.Details[0].Message
	}
	for _, tc := range []struct{ form, code, prefix string }{
		{"", "Client", "Ex6F9304|"},
		{ErrorDetailPipe, "Client", "Ex6F9304|"},
		{ErrorDetailJSON, "Client", `{"Message":`},
		{ErrorDetailLocalized, "Client", `{"localizedString":{"stringId":"Ex6F9304"},"ClassName":`},
	} {
		if err := h.srv.SetStrictness(Strictness{ErrorDetail: tc.form}); err != nil {
			t.Fatal(err)
		}
		st, code, msg := detail()
		if st != 404 || code != tc.code || !strings.HasPrefix(msg, tc.prefix) {
			t.Errorf("form %q: %d %q %q", tc.form, st, code, msg)
		}
	}
}

// By default a binding error ("Invalid Operation") keeps the pipe form and
// internalexception, as graph2otel's live 400s; an error raised while the
// cmdlet ran takes go-exoscc's JSON form with code "Context".
func TestStrictErrorDetailDefaultByKind(t *testing.T) {
	for _, tc := range []struct {
		outer, code, prefix string
		internal            bool
	}{
		{"Invalid Operation", "Client", "|System.Management.Automation.ParameterBindingException|A parameter cannot", true},
		{"Error executing cmdlet", "Context", `{"Message":"A parameter cannot`, false},
	} {
		rep := cmdletErrorReplyForm(&CmdletError{Status: 400, Code: "BadRequest", Message: tc.outer,
			ExceptionType: "System.Management.Automation.ParameterBindingException",
			Detail:        "A parameter cannot be found that matches parameter name 'Bogus'."}, ErrorDetailByStatus)
		var env struct {
			Error struct {
				Details    []struct{ Code, Message string }
				InnerError struct {
					InternalException *struct{ Message string } `json:"internalexception"`
				} `json:"innererror"`
			}
		}
		if err := json.Unmarshal(rep.body, &env); err != nil || len(env.Error.Details) != 1 {
			t.Fatalf("%s: %s", tc.outer, rep.body)
		}
		d := env.Error.Details[0]
		if d.Code != tc.code || !strings.HasPrefix(d.Message, tc.prefix) || (env.Error.InnerError.InternalException != nil) != tc.internal {
			t.Errorf("%s: %s", tc.outer, rep.body)
		}
	}
}

// The concurrency refusal as bare text at the configured status.
func TestStrictConcurrencyText(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Strict = Strictness{ConcurrencyBody: ConcurrencyText, ConcurrencyStatus: 503}
		c.Faults = FaultSpec{Rules: []FaultRule{{Kind: FaultConcurrency, First: 1}}}
	})
	r := h.invoke(tidA, tokAppA, cmd("Get-AcceptedDomain", ""))
	if r.status != 503 || string(r.body) != concurrencyText || !strings.HasPrefix(r.hdr.Get("Content-Type"), "text/plain") {
		t.Fatalf("%d %q %q", r.status, r.hdr.Get("Content-Type"), r.body)
	}
	if r := h.invoke(tidA, tokAppA, cmd("Get-AcceptedDomain", "")); r.status != 200 {
		t.Fatalf("after the fault: %d", r.status)
	}
}

// The front door names the admin.protection backend on port 446, unless
// relaxed; a request addressed to port 446 has its connection closed.
func TestStrictFrontDoorAndPort446(t *testing.T) {
	h := newHarness(t, nil)
	const backend = "https://eur02b.admin.protection.outlook.com:446"
	door := httptest.NewTLSServer(h.srv.FrontDoor(h.ipps.URL, backend))
	defer door.Close()
	path := "/adminapi/beta/" + tidA + "/InvokeCommand"
	if r := h.do("POST", door.URL+path, cmd("Get-DlpCompliancePolicy", "")); r.status != 302 || r.hdr.Get("Location") != backend+path {
		t.Fatalf("strict door: %d %q", r.status, r.hdr.Get("Location"))
	}
	_ = h.srv.SetStrictness(Strictness{DoorToRegional: true})
	if r := h.do("POST", door.URL+path, cmd("Get-DlpCompliancePolicy", "")); r.status != 302 || r.hdr.Get("Location") != h.ipps.URL+path {
		t.Fatalf("relaxed door: %d %q", r.status, r.hdr.Get("Location"))
	}

	_ = h.srv.SetStrictness(Strictness{})
	req, _ := http.NewRequest("POST", h.exo.URL+path, strings.NewReader(cmd("Get-AcceptedDomain", "")))
	req.Host = "outlook.office365.com:446"
	req.Header.Set("Authorization", "Bearer "+tokAppA)
	if res, err := h.client.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("a request to port 446 was answered: %d", res.StatusCode)
	}
	_ = h.srv.SetStrictness(Strictness{Port446Open: true})
	req.Body = io.NopCloser(strings.NewReader(cmd("Get-AcceptedDomain", "")))
	res, err := h.client.Do(req)
	if err != nil {
		t.Fatalf("relaxed: %v", err)
	}
	res.Body.Close()
}

// Next links carry port 446 when the knob says so.
func TestStrictNextLinkPort446(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Strict.NextLinkPort446 = true })
	r := h.invoke(tidA, tokAppA, cmd("Get-Mailbox", ""), "Prefer", "odata.maxpagesize=2")
	link, _ := r.json(t)["@odata.nextLink"].(string)
	if !strings.HasPrefix(link, "https://127.0.0.1:446/adminapi/beta/") {
		t.Fatalf("next link %q", link)
	}
}

func TestGzipAnswersKnob(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Strict.GzipAnswers = true })
	for ae, want := range map[string]bool{"gzip": true, "gzip, deflate, br": true, "deflate": false, "gzip;q=0": false, "": false} {
		r := h.invoke(tidA, tokAppA, cmd("Get-AcceptedDomain", ""), "Accept-Encoding", ae)
		if got := r.hdr.Get("Content-Encoding") == "gzip"; got != want || r.status != 200 {
			t.Errorf("Accept-Encoding %q: %d, gzip %v", ae, r.status, got)
		}
	}
}

// A claims challenge: 401 naming nbf and acrs, the same 401 for tokens
// without the acrs value, the calls go on once one arrives.
func TestClaimsChallenge(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Faults = FaultSpec{Rules: []FaultRule{{Kind: FaultClaims, First: 1}}} })
	body := cmd("Get-AcceptedDomain", "")
	r := h.invoke(tidA, tokAppA, body)
	www := r.hdr.Get("WWW-Authenticate")
	_, enc, _ := strings.Cut(www, `claims="`)
	enc, _, _ = strings.Cut(enc, `"`)
	claims, err := base64.StdEncoding.DecodeString(enc)
	if r.status != 401 || !strings.Contains(www, `error="insufficient_claims"`) || err != nil ||
		!strings.Contains(string(claims), `"acrs":{"essential":true,"value":"c1"}`) || !strings.Contains(string(claims), `"nbf"`) {
		t.Fatalf("%d %q %s", r.status, www, claims)
	}
	if r := h.invoke(tidA, tokAppA, body); r.status != 401 {
		t.Fatalf("a token without the claims: %d", r.status)
	}
	if r := h.invoke(tidA, "acrs-c1", body); r.status != 200 {
		t.Fatalf("a token with the claims: %d %s", r.status, r.body)
	}
	if r := h.invoke(tidA, tokAppA, body); r.status != 200 {
		t.Fatalf("after the challenge was met: %d", r.status)
	}
}

// ippsAnchorA is what working clients anchor compliance calls of tenant A on.
const ippsAnchorA = "UPN:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@" + domA

// Compliance calls need a UPN: anchor naming the tenant's domain (§10.6):
// APP:…@<GUID> (what CIPP had to move off), none, or a GUID domain are
// refused; go-exoscc's UPN:OAuthUser@<org> passes; the knob relaxes it.
func TestStrictComplianceAnchor(t *testing.T) {
	h := newHarness(t, nil)
	call := func(anchor string) int {
		hdr := []string{"Authorization", "Bearer " + tokCompliant}
		if anchor != "" {
			hdr = append(hdr, "X-AnchorMailbox", anchor)
		}
		return h.do("POST", h.ipps.URL+"/adminapi/beta/"+tidA+"/InvokeCommand", cmd("Get-Nothing", ""), hdr...).status
	}
	for _, a := range []string{ippsAnchorA, "UPN:OAuthUser@" + domA, "upn:admin@" + domA} {
		if st := call(a); st != 403 { // reached the cmdlet: unknown to the fake
			t.Errorf("%q: %d", a, st)
		}
	}
	for _, a := range []string{"", "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@" + tidA, "UPN:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@" + tidA, "UPN:nobody", "TID:" + tidA} {
		if st := call(a); st != 400 {
			t.Errorf("%q: %d", a, st)
		}
	}
	_ = h.srv.SetStrictness(Strictness{ComplianceAnyAnchor: true})
	if st := call(""); st != 403 {
		t.Errorf("relaxed: %d", st)
	}
}
