package transport

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exoplay/exoplay/internal/category"
)

func runBatch(t *testing.T, h *harness, reqs []Request) ([][]json.RawMessage, []Stats, []error) {
	t.Helper()
	var mu sync.Mutex
	out := make([][]json.RawMessage, len(reqs))
	st, errs := h.c.Batch(context.Background(), h.ep, reqs, func(i int, o json.RawMessage) error {
		mu.Lock()
		defer mu.Unlock()
		out[i] = append(out[i], o)
		return nil
	})
	return out, st, errs
}

func TestBatchPerItemResultsErrorsAndContinuation(t *testing.T) {
	h := newHarness(t, 2500, Options{})
	reqs := []Request{
		{Cmdlet: "Get-OrganizationConfig"},
		{Cmdlet: "Get-Mailbox", Parameters: map[string]any{"ResultSize": "Unlimited"}, Select: []string{"DisplayName"}},
		{Cmdlet: "Get-Missing", Parameters: map[string]any{"Identity": "nobody"}},
		{Cmdlet: "Set-CASMailbox", Parameters: map[string]any{"Identity": "a@b.c", "PopEnabled": false}},
		{Cmdlet: "Get-Mailbox", ResultSize: 1200},
	}
	out, st, errs := runBatch(t, h, reqs)
	if errs[0] != nil || len(out[0]) != 1 || st[0].Pages != 1 {
		t.Errorf("item 0: %v %d %+v", errs[0], len(out[0]), st[0])
	}
	if errs[1] != nil || len(out[1]) != 2500 || st[1].Pages != 3 || st[1].Requests != 3 {
		t.Errorf("item 1: %v %d %+v", errs[1], len(out[1]), st[1])
	}
	var e *Error
	if !errors.As(errs[2], &e) || e.Category != category.NotFound || e.Cmdlet != "Get-Missing" || len(out[2]) != 0 {
		t.Errorf("item 2: %v", errs[2])
	}
	if errs[3] != nil || len(st[3].Warnings) != 1 {
		t.Errorf("item 3: %v %+v", errs[3], st[3])
	}
	if errs[4] != nil || len(out[4]) != 1200 || st[4].Pages != 2 {
		t.Errorf("item 4: %v %d %+v", errs[4], len(out[4]), st[4])
	}
	for i, o := range out[1] {
		if !strings.Contains(string(o), `"User `+strconv.Itoa(i)+`"`) || strings.Contains(string(o), "@odata") {
			t.Fatalf("item 1 object %d: %s", i, o)
		}
	}
	reqsSent := h.f.requests()
	if len(reqsSent) != 3 { // round 1: 5 items; round 2: items 1 and 4 continue; round 3: item 1
		t.Fatalf("%d batch requests", len(reqsSent))
	}
	var first struct {
		Requests []struct {
			ID, Method, URL string
			Headers         map[string]string
			Body            json.RawMessage
		}
	}
	if err := json.Unmarshal(reqsSent[0].body, &first); err != nil {
		t.Fatal(err)
	}
	if reqsSent[0].path != "/adminapi/beta/contoso.onmicrosoft.com/$batch" || len(first.Requests) != 5 ||
		reqsSent[0].h.Get("Accept") != "application/json; odata.metadata=minimal" || !strings.HasPrefix(reqsSent[0].h.Get("Authorization"), "Bearer ") {
		t.Errorf("batch request %s %+v", reqsSent[0].path, reqsSent[0].h)
	}
	r1 := first.Requests[1]
	if r1.ID != "1" || r1.Method != "POST" || !strings.HasSuffix(r1.URL, "/InvokeCommand?$select=DisplayName") ||
		r1.Headers["X-CmdletName"] != "Get-Mailbox" || r1.Headers["Authorization"] != reqsSent[0].h.Get("Authorization") || r1.Headers["X-AnchorMailbox"] != AppAnchor("contoso.onmicrosoft.com") ||
		!strings.HasPrefix(r1.Headers["Prefer"], "odata.maxpagesize=1000") ||
		string(r1.Body) != `{"CmdletInput":{"CmdletName":"Get-Mailbox","Parameters":{"ResultSize":"Unlimited"}}}` {
		t.Errorf("item request %+v", r1)
	}
}

func TestBatchSplitsIntoTens(t *testing.T) {
	h := newHarness(t, 1, Options{})
	reqs := make([]Request, 23)
	for i := range reqs {
		reqs[i] = Request{Cmdlet: "Get-OrganizationConfig"}
	}
	out, st, errs := runBatch(t, h, reqs)
	for i := range reqs {
		if errs[i] != nil || len(out[i]) != 1 || st[i].Attempts != 1 || st[i].Requests != 1 {
			t.Fatalf("item %d: %v %+v", i, errs[i], st[i])
		}
	}
	if n := len(h.f.requests()); n != 3 {
		t.Errorf("%d batch requests for 23 items", n)
	}
}

func TestBatchItemThrottledAndTransientRetried(t *testing.T) {
	h := newHarness(t, 1, Options{})
	h.f.itemHook = func(id string, round int) (int, map[string]string, string, bool) {
		switch {
		case id == "0" && round == 0:
			return 429, map[string]string{"Retry-After": "1.5"}, `{"error":{"code":"TooManyRequests","message":"Too many requests"}}`, true
		case id == "1" && round < 2:
			return 500, nil, adTransientBody, true
		case id == "2" && round == 0:
			return 500, nil, adTransientBody, true
		}
		return 0, nil, "", false
	}
	reqs := []Request{{Cmdlet: "New-Thing"}, {Cmdlet: "Get-OrganizationConfig"}, {Cmdlet: "New-Other"}}
	out, st, errs := runBatch(t, h, reqs)
	if errs[0] != nil || st[0].ThrottledWaits != 1 || st[0].ThrottledFor != 1500*time.Millisecond || st[0].Attempts != 2 {
		t.Errorf("throttled write: %v %+v", errs[0], st[0])
	}
	if errs[1] != nil || len(out[1]) != 1 || st[1].Attempts != 3 {
		t.Errorf("transient read: %v %+v", errs[1], st[1])
	}
	var e *Error
	if !errors.As(errs[2], &e) || !e.OutcomeUnknown || e.Cmdlet != "New-Other" || st[2].Attempts != 1 {
		t.Errorf("transient New-: %v %+v", errs[2], st[2])
	}
	// round 1 waits for the 429 (1.5 s) and the read's backoff (0.5 s): once, the longest
	if got := h.clock.Waits(); len(got) != 2 || got[0] != 1500*time.Millisecond {
		t.Errorf("waits %v", got)
	}
}

func TestBatchWholeRequestFailure(t *testing.T) {
	h := newHarness(t, 1, Options{})
	h.f.hook = failTimes(100, 503, htmlBody)
	_, st, errs := runBatch(t, h, []Request{{Cmdlet: "Get-OrganizationConfig"}, {Cmdlet: "Remove-Thing"}})
	var e *Error
	if !errors.As(errs[0], &e) || e.Category != category.Transient || e.OutcomeUnknown || e.Cmdlet != "Get-OrganizationConfig" {
		t.Errorf("read item: %v", errs[0])
	}
	if !errors.As(errs[1], &e) || !e.OutcomeUnknown || !strings.Contains(e.Message, "Remove-Thing may or may not have run") {
		t.Errorf("write item: %v", errs[1])
	}
	if st[0].Requests != 1 || st[1].Requests != 1 { // a batch with a Remove- is not replayed
		t.Errorf("stats %+v", st)
	}
}

func TestBatchRefusedItemsDoNotStopOthers(t *testing.T) {
	h := newHarness(t, 1, Options{})
	out, _, errs := runBatch(t, h, []Request{{Cmdlet: "Set-X", Parameters: map[string]any{"P": SecureString("s")}}, {Cmdlet: "Get-OrganizationConfig"}})
	var e *Error
	if !errors.As(errs[0], &e) || e.Code != "UnsupportedParameter" || errs[1] != nil || len(out[1]) != 1 {
		t.Fatalf("%v %v", errs, out)
	}
}

func TestBatchMissingAnswer(t *testing.T) {
	h := newHarness(t, 1, Options{})
	h.f.itemHook = func(id string, round int) (int, map[string]string, string, bool) {
		if id == "1" {
			return 200, nil, `"not an envelope"`, true
		}
		return 0, nil, "", false
	}
	zero := 0
	_, _, errs := runBatch(t, h, []Request{{Cmdlet: "Get-OrganizationConfig"}, {Cmdlet: "Get-OrganizationConfig", Retries: &zero}})
	var e *Error
	if errs[0] != nil || !errors.As(errs[1], &e) || e.Category != category.Transient {
		t.Fatalf("%v", errs)
	}
}

func TestBatchGivesUpWithinMaxElapsed(t *testing.T) {
	h := newHarness(t, 1, Options{MaxElapsed: time.Second})
	h.f.itemHook = func(id string, round int) (int, map[string]string, string, bool) {
		if id == "0" {
			return 429, map[string]string{"Retry-After": "5"}, `{"error":{"code":"TooManyRequests","message":"Too many requests"}}`, true
		}
		return 0, nil, "", false
	}
	out, st, errs := runBatch(t, h, []Request{{Cmdlet: "Get-OrganizationConfig"}, {Cmdlet: "Get-OrganizationConfig"}})
	var e *Error
	if !errors.As(errs[0], &e) || e.Category != category.Throttled || !strings.Contains(e.Message, "gave up") || st[0].ThrottledWaits != 0 {
		t.Fatalf("item 0: %v %+v", errs[0], st[0])
	}
	if errs[1] != nil || len(out[1]) != 1 || len(h.clock.Waits()) != 0 || len(h.lim.throttled) != 0 {
		t.Fatalf("item 1: %v, waits %v", errs[1], h.clock.Waits())
	}
}

// A batch item's spent budget is reported as Invoke reports it: the one
// retry rule counts both.
func TestBatchItemRetriesSpentSaySo(t *testing.T) {
	h := newHarness(t, 1, Options{})
	h.f.itemHook = func(id string, round int) (int, map[string]string, string, bool) {
		if id == "0" {
			return 500, nil, adTransientBody, true
		}
		return 0, nil, "", false
	}
	one := 1
	out, st, errs := runBatch(t, h, []Request{{Cmdlet: "Get-OrganizationConfig", Retries: &one}, {Cmdlet: "Get-OrganizationConfig"}})
	var e *Error
	if !errors.As(errs[0], &e) || e.Category != category.Transient || !strings.Contains(e.Message, "(after 1 retries)") || st[0].Attempts != 2 {
		t.Errorf("item 0: %v %+v", errs[0], st[0])
	}
	if errs[1] != nil || len(out[1]) != 1 {
		t.Errorf("item 1: %v", errs[1])
	}
}
