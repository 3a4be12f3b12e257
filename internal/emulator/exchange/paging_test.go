package exchange

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// pages follows nextLinks with the same body and anchor and returns the names seen.
func (h *harness) pages(body, anchor, prefer string) (names []string, pages int) {
	h.t.Helper()
	url := h.exo.URL + "/adminapi/beta/" + domA + "/InvokeCommand"
	for url != "" {
		r := h.do("POST", url, body, "Authorization", "Bearer "+tokAppA, "X-AnchorMailbox", anchor, "Prefer", prefer)
		if r.status != 200 {
			h.t.Fatalf("page %d: %d %s", pages, r.status, r.body)
		}
		m := r.json(h.t)
		for _, v := range m["value"].([]any) {
			names = append(names, v.(map[string]any)["Name"].(string))
		}
		pages++
		url, _ = m["@odata.nextLink"].(string)
		if url != "" && !strings.Contains(fmt.Sprint(m["@adminapi.warnings"]), "ResultSize") {
			h.t.Errorf("truncated page without the ResultSize warning: %s", r.body)
		}
	}
	return names, pages
}

func TestPagingFollowsNextLinks(t *testing.T) {
	h := newHarness(t, nil)
	h.be.mailboxes = 7
	names, pages := h.pages(cmd("Get-Mailbox", `{"ResultSize":"Unlimited"}`), "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@"+tidA, "odata.maxpagesize = 3")
	if pages != 3 || len(names) != 7 || names[0] != "user0000" || names[6] != "user0006" {
		t.Fatalf("pages %d names %v", pages, names)
	}
	if v := h.srv.Counters().Violations; len(v) != 0 {
		t.Errorf("violations %v", v)
	}
	if got := h.srv.Counters().Tenant(tidA).Calls("Get-Mailbox"); got != 3 {
		t.Errorf("Get-Mailbox counted %d times, want one per page", got)
	}
	// Without Prefer the server's page size applies (here all 7 fit).
	if _, pages := h.pages(cmd("Get-Mailbox", ""), "UPN:admin@"+domA, ""); pages != 1 {
		t.Errorf("default page size: %d pages", pages)
	}
}

func TestPagingDefaultPageSizeKnob(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.PageSize = 2 })
	h.be.mailboxes = 5
	if _, pages := h.pages(cmd("Get-Mailbox", ""), "UPN:admin@"+domA, ""); pages != 3 {
		t.Errorf("PageSize 2 over 5 objects: %d pages", pages)
	}
	// Prefer above 1000 is clamped, not an error.
	if preferPageSize("odata.maxpagesize=5000") != 1000 || preferPageSize("odata.continue-on-error") != 0 {
		t.Error("preferPageSize")
	}
}

func TestContinuationViolations(t *testing.T) {
	h := newHarness(t, nil)
	h.be.mailboxes = 5
	body := cmd("Get-Mailbox", "")
	anchor := "UPN:admin@" + domA
	first := h.invoke(domA, tokAppA, body, "X-AnchorMailbox", anchor, "Prefer", "odata.maxpagesize=2")
	next := first.json(t)["@odata.nextLink"].(string)
	if !strings.HasPrefix(next, h.exo.URL+"/adminapi/beta/"+domA+"/InvokeCommand?$skiptoken=") {
		t.Fatalf("nextLink %q", next)
	}
	cases := []struct {
		name, method, body, anchor, reason string
	}{
		{"GET", "GET", "", anchor, "continuation by GET"},
		{"anchor changed", "POST", body, "UPN:other@" + domA, "X-AnchorMailbox changed"},
		{"anchor dropped", "POST", body, "", "X-AnchorMailbox changed"},
		{"body changed", "POST", cmd("Get-Mailbox", `{"Identity":"x"}`), anchor, "body differs"},
		{"forged token", "POST", body, anchor, "unknown or altered"},
	}
	for i, tc := range cases {
		url := next
		if tc.name == "forged token" {
			url = next[:len(next)-3] + "AAA"
		}
		r := h.do(tc.method, url, tc.body, "Authorization", "Bearer "+tokAppA, "X-AnchorMailbox", tc.anchor, "Prefer", "odata.maxpagesize=2")
		if r.status != 400 || !strings.Contains(string(r.body), expiredText) {
			t.Errorf("%s: %d %s", tc.name, r.status, r.body)
		}
		v := h.srv.Counters().Violations
		if len(v) != i+1 || !strings.Contains(v[i].Reason, tc.reason) || v[i].Tenant != tidA {
			t.Errorf("%s: violations %+v", tc.name, v)
		}
	}
	// The right continuation still works, also twice (a retried page).
	for range 2 {
		if r := h.do("POST", next, body, "Authorization", "Bearer "+tokAppA, "X-AnchorMailbox", anchor, "Prefer", "odata.maxpagesize=2"); r.status != 200 {
			t.Fatalf("valid continuation: %d %s", r.status, r.body)
		}
	}
	// After the TTL the link is expired: 400, and not the client's fault.
	h.clock.Add(DefaultNextLinkTTL + time.Second)
	r := h.do("POST", next, body, "Authorization", "Bearer "+tokAppA, "X-AnchorMailbox", anchor, "Prefer", "odata.maxpagesize=2")
	if r.status != 400 || !strings.Contains(string(r.body), "Default Expiry time is 00:30:00") {
		t.Fatalf("expired: %d %s", r.status, r.body)
	}
	if n := len(h.srv.Counters().Violations); n != len(cases) {
		t.Errorf("expiry counted as a violation (%d)", n)
	}
}

func TestNextLinkTTLKnob(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.NextLinkTTL = time.Minute })
	h.be.mailboxes = 3
	body := cmd("Get-Mailbox", "")
	next := h.invoke(domA, tokAppA, body, "Prefer", "odata.maxpagesize=1").json(t)["@odata.nextLink"].(string)
	h.clock.Add(61 * time.Second)
	if r := h.do("POST", next, body, "Authorization", "Bearer "+tokAppA, "Prefer", "odata.maxpagesize=1"); r.status != 400 {
		t.Fatalf("link older than the TTL: %d", r.status)
	}
}

func TestCursorBound(t *testing.T) {
	var c cursors
	c.init()
	now := time.Now()
	for range maxCursors + 10 {
		c.add(&cursor{res: &Result{}}, now, time.Hour)
	}
	if len(c.m) != maxCursors || c.get(1) != nil || c.get(maxCursors+10) == nil {
		t.Errorf("%d cursors kept; oldest present: %v", len(c.m), c.get(1) != nil)
	}
}

func TestNextLinkKeepsSelect(t *testing.T) {
	h := newHarness(t, nil)
	body := cmd("Get-Mailbox", "")
	r := h.do("POST", h.exo.URL+"/adminapi/beta/"+tidA+"/InvokeCommand?$select=Name,%20City", body, "Authorization", "Bearer "+tokAppA, "Prefer", "odata.maxpagesize=2")
	next := r.json(t)["@odata.nextLink"].(string)
	r = h.do("POST", next, body, "Authorization", "Bearer "+tokAppA, "Prefer", "odata.maxpagesize=2")
	v := r.json(t)["value"].([]any)[0].(map[string]any)
	if r.status != 200 || len(v) != 2 || v["Name"] != "user0002" {
		t.Fatalf("%s -> %s", next, r.body)
	}
}
