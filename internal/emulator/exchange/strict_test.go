package exchange

import (
	"encoding/json"
	"strings"
	"testing"
)

// A $batch item without its own Authorization is refused (401 for the
// item, a violation) unless the knob relaxes it.
func TestStrictBatchItemAuth(t *testing.T) {
	h := newHarness(t, nil)
	body := `{"requests":[{"id":"a","method":"POST","url":"/adminapi/beta/` + tidA + `/InvokeCommand","headers":{"X-CmdletName":"Get-AcceptedDomain"},"body":` + cmd("Get-AcceptedDomain", "") + `}]}`
	var br batchResp
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
	br = batchResp{}
	r = h.batch(tidA, body)
	if err := json.Unmarshal(r.body, &br); err != nil || br.Responses[0].Status != 200 {
		t.Fatalf("relaxed: %s", r.body)
	}
}

// CIPP's production items carry "parameter-based-routing": true.
func TestStrictBatchHeaderValuesNeedNotBeStrings(t *testing.T) {
	h := newHarness(t, nil)
	body := `{"requests":[{"id":"a","method":"POST","url":"/adminapi/beta/` + tidA + `/InvokeCommand",` +
		`"headers":{"Authorization":"Bearer ` + tokAppA + `","parameter-based-routing":true,"X-Count":3,"X-List":["x"],"X-Null":null},"body":` + cmd("Get-AcceptedDomain", "") + `}]}`
	var br batchResp
	r := h.batch(tidA, body)
	if err := json.Unmarshal(r.body, &br); err != nil || r.status != 200 || br.Responses[0].Status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if r := h.batch(tidA, strings.Replace(body, `"X-Count":3`, `"X-Obj":{"a":1}`, 1)); r.status != 400 {
		t.Errorf("an object as a header value: %d %s", r.status, r.body)
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
