package exchange

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func (h *harness) batch(tenant, body string) resp {
	h.t.Helper()
	return h.do("POST", h.exo.URL+"/adminapi/beta/"+tenant+"/$batch", body,
		"Authorization", "Bearer "+tokAppA, "Prefer", "odata.continue-on-error", "Accept", "application/json; odata.metadata=minimal")
}

func TestBatchItems(t *testing.T) {
	h := newHarness(t, nil)
	h.be.mailboxes = 3
	item := func(id, body string, hdr string) string {
		return fmt.Sprintf(`{"id":%q,"method":"POST","url":%q,"headers":{%s},"body":%s}`, id,
			h.exo.URL+"/adminapi/beta/"+tidA+"/InvokeCommand", hdr, body)
	}
	anchor := `"Authorization":"Bearer ` + tokAppA + `","X-AnchorMailbox":"APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@` + tidA + `"`
	body := `{"requests":[` + strings.Join([]string{
		item("1", cmd("Get-AcceptedDomain", ""), anchor),
		item("2", cmd("Get-Mailbox", `{"Identity":"nobody"}`), anchor),
		item("3", cmd("Get-Mailbox", ""), anchor+`,"Prefer":"odata.maxpagesize=2"`),
		item("4", cmd("Get-Nothing", ""), anchor),
	}, ",") + `]}`
	r := h.batch(tidA, body)
	if r.status != 200 {
		t.Fatalf("batch: %d %s", r.status, r.body)
	}
	var br BatchAnswer
	if err := json.Unmarshal(r.body, &br); err != nil {
		t.Fatal(err)
	}
	if len(br.Responses) != 4 {
		t.Fatalf("%d responses", len(br.Responses))
	}
	want := []int{200, 404, 200, 403}
	for i, it := range br.Responses {
		if it.ID != fmt.Sprint(i+1) || it.Status != want[i] {
			t.Errorf("item %d: id %s status %d body %s", i, it.ID, it.Status, it.Body)
		}
	}
	if br.Responses[0].Headers["OData-Version"] != "4.0" || !strings.Contains(string(br.Responses[0].Body), `"DomainName":"contoso.onmicrosoft.com"`) {
		t.Errorf("item 1: %+v %s", br.Responses[0].Headers, br.Responses[0].Body)
	}
	if br.Responses[1].Headers["x-ExceptionType"] == "" {
		t.Errorf("item 2 headers %v", br.Responses[1].Headers)
	}
	// Item 3 paged: its nextLink continues in a second batch with the same body and anchor.
	var page struct {
		Value    []map[string]any `json:"value"`
		NextLink string           `json:"@odata.nextLink"`
	}
	json.Unmarshal(br.Responses[2].Body, &page)
	if len(page.Value) != 2 || page.NextLink == "" {
		t.Fatalf("item 3 page: %s", br.Responses[2].Body)
	}
	r = h.batch(tidA, `{"requests":[`+fmt.Sprintf(`{"id":"3","method":"POST","url":%q,"headers":{%s,"Prefer":"odata.maxpagesize=2"},"body":%s}`,
		page.NextLink, anchor, cmd("Get-Mailbox", ""))+`]}`)
	br = BatchAnswer{}
	json.Unmarshal(r.body, &br)
	if len(br.Responses) != 1 || br.Responses[0].Status != 200 || !strings.Contains(string(br.Responses[0].Body), "user0002") ||
		strings.Contains(string(br.Responses[0].Body), "nextLink") {
		t.Fatalf("continuation item: %s", r.body)
	}
	if v := h.srv.Counters().Violations; len(v) != 0 {
		t.Errorf("violations %v", v)
	}
	if c := h.srv.Counters().Tenant(tidA); c.Requests != 5 || c.MaxInFlight != 1 {
		t.Errorf("counters: %+v", c)
	}
}

func TestBatchLimitsAndTenant(t *testing.T) {
	h := newHarness(t, nil)
	items := make([]string, 11)
	for i := range items {
		items[i] = fmt.Sprintf(`{"id":"%d","method":"POST","url":"/adminapi/beta/%s/InvokeCommand",%s"body":%s}`, i, tidA, itemAuth, cmd("Get-AcceptedDomain", ""))
	}
	if r := h.batch(tidA, `{"requests":[`+strings.Join(items, ",")+`]}`); r.status != 400 || !strings.Contains(string(r.body), "maximum is 10") {
		t.Fatalf("11 items: %d %s", r.status, r.body)
	}
	r := h.batch(tidA, `{"requests":[{"id":"x","method":"POST","url":"/adminapi/beta/`+tidB+`/InvokeCommand",`+itemAuth+`"body":`+cmd("Get-AcceptedDomain", "")+`}]}`)
	var br BatchAnswer
	json.Unmarshal(r.body, &br)
	if r.status != 200 || br.Responses[0].Status != 400 {
		t.Fatalf("item for another tenant: %s", r.body)
	}
	// Relative URLs are accepted. A string body is base64url bytes to
	// OData's batch reader: the JSON text as a string fails the batch, its
	// base64url encoding is the body.
	stringBody := func(body string) resp {
		return h.batch(tidA, `{"requests":[{"id":"s","method":"POST","url":"/adminapi/beta/`+tidA+`/InvokeCommand",`+itemAuth+`"body":`+fmt.Sprintf("%q", body)+`}]}`)
	}
	if r := stringBody(cmd("Get-AcceptedDomain", "")); r.status != 400 || !strings.Contains(string(r.body), "base64url") {
		t.Fatalf("JSON text as a string body: %d %s", r.status, r.body)
	}
	r = stringBody(base64.URLEncoding.EncodeToString([]byte(cmd("Get-AcceptedDomain", ""))))
	br = BatchAnswer{}
	json.Unmarshal(r.body, &br)
	if r.status != 200 || br.Responses[0].Status != 200 {
		t.Fatalf("base64url string body: %s", r.body)
	}
	if n := len(h.srv.Counters().Violations); n != 3 {
		t.Errorf("violations: %v", h.srv.Counters().Violations)
	}
}

func TestComplianceFrontDoor(t *testing.T) {
	h := newHarness(t, nil)
	path := "/adminapi/beta/" + tidA + "/InvokeCommand?$select=Name"
	r := h.do("POST", h.door.URL+path, cmd("Get-DlpCompliancePolicy", ""), "Authorization", "Bearer "+tokCompliant)
	if r.status != 302 || r.hdr.Get("Location") != h.ipps.URL+path {
		t.Fatalf("front door: %d Location %q", r.status, r.hdr.Get("Location"))
	}
	r = h.do("GET", h.door.URL+"/adminapi/beta/"+domA+"/EXOBanner('AutogenSession')?Version=3.9.0", "")
	if r.status != 302 || !strings.HasPrefix(r.hdr.Get("Location"), h.ipps.URL+"/adminapi/beta/") {
		t.Fatalf("banner: %d %q", r.status, r.hdr.Get("Location"))
	}
	if r := h.do("GET", r.hdr.Get("Location"), "", "Authorization", "Bearer "+tokCompliant); r.status != 200 {
		t.Fatalf("regional banner: %d %s", r.status, r.body)
	}
	// The regional host accepts the front door audience, the Exchange host does not.
	if r := h.do("POST", h.ipps.URL+path, cmd("get-dlpcompliancepolicy", ""), "Authorization", "Bearer "+tokCompliant, "X-AnchorMailbox", ippsAnchorA); r.status != 500 || !strings.Contains(string(r.body), "not implemented") {
		t.Fatalf("regional call reached the backend: %d %s", r.status, r.body)
	}
	if r := h.do("POST", h.ipps.URL+path, cmd("Get-DlpCompliancePolicy", ""), "Authorization", "Bearer "+tokAppA); r.status != 401 {
		t.Fatalf("exchange token on compliance: %d", r.status)
	}
	if c := h.srv.Counters(); c.Redirects != 2 {
		t.Errorf("redirects %d", c.Redirects)
	}
}

func TestModuleFile(t *testing.T) {
	h := newHarness(t, nil)
	r := h.do("GET", h.exo.URL+"/AdminApi/v1.0/"+tidA+"/EXOModuleFile?Version=3.9.0", "", "Authorization", "Bearer "+tokAppA)
	if r.status != 200 || !strings.Contains(string(r.body), `"exportedCmdlets":"Get-AcceptedDomain,Get-Mailbox,Set-Mailbox"`) {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if r := h.do("GET", h.exo.URL+"/adminapi/v1.0/"+tidA+"/EXOModuleFile", ""); r.status != 401 {
		t.Fatalf("without token: %d", r.status)
	}
}

// itemAuth is the per-item token every public client sends.
const itemAuth = `"headers":{"Authorization":"Bearer ` + tokAppA + `"},`

func TestBatchMultipartWithoutJSONAccept(t *testing.T) {
	h := newHarness(t, nil)
	body := `{"requests":[{"id":"a","method":"POST","url":"/adminapi/beta/` + tidA + `/InvokeCommand",` + itemAuth + `"body":` + cmd("Get-AcceptedDomain", "") + `},` +
		`{"id":"b","method":"POST","url":"/adminapi/beta/` + tidA + `/InvokeCommand",` + itemAuth + `"body":` + cmd("Get-Mailbox", `{"Identity":"nobody"}`) + `}]}`
	r := h.do("POST", h.exo.URL+"/adminapi/beta/"+tidA+"/$batch", body, "Authorization", "Bearer "+tokAppA, "Accept", "multipart/mixed")
	ct := r.hdr.Get("Content-Type")
	boundary, ok := strings.CutPrefix(ct, "multipart/mixed; boundary=")
	if r.status != 200 || !ok {
		t.Fatalf("%d %q", r.status, ct)
	}
	parts := strings.Split(string(r.body), "--"+boundary)
	if len(parts) != 4 || !strings.Contains(parts[1], "HTTP/1.1 200 OK") || !strings.Contains(parts[1], "contoso.onmicrosoft.com") ||
		!strings.Contains(parts[2], "HTTP/1.1 404 Not Found") || strings.TrimSpace(parts[3]) != "--" {
		t.Errorf("multipart body:\n%s", r.body)
	}
}
