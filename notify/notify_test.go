package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exoplay/exoplay/results"
)

const hookPath = "/services/T0001/B0002/Hook-Token-9d3e"

func sampleResults() *results.Results {
	start := time.Date(2026, 12, 2, 2, 15, 0, 0, time.UTC)
	r := &results.Results{
		Run: results.Run{ID: "20261202T021500Z-fleet-audit", Playbook: results.Playbook{Name: "fleet-audit"}, Mode: "run", Started: start, Finished: start.Add(90 * time.Second)},
		Tenants: []*results.Tenant{
			{Name: "contoso", Status: results.StatusOK, Steps: []*results.Step{{ID: "org", Status: results.StatusOK, Assertions: []results.Assertion{{ID: "EXO-AUTH-1", Passed: true}}}}},
			{Name: "fabrikam", Status: results.StatusOK, Steps: []*results.Step{{ID: "org", Status: results.StatusOK, Assertions: []results.Assertion{{ID: "EXO-AUTH-1", Passed: false, Message: "Modern authentication must be enabled"}}}}},
			{Name: "northwind", Status: results.StatusFailed, Error: &results.Error{Category: "auth", Code: "AADSTS7000215", Message: "invalid client secret provided near Hook-Token"}, Steps: []*results.Step{}},
		},
	}
	r.Summarize(false)
	return r
}

// hook is a webhook that answers from a script of status codes and keeps
// what it received.
type hook struct {
	mu      sync.Mutex
	answers []int
	bodies  [][]byte
	header  http.Header
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.bodies, h.header = append(h.bodies, b), r.Header.Clone()
	code := http.StatusOK
	if len(h.answers) > 0 {
		code, h.answers = h.answers[0], h.answers[1:]
	}
	if code == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "7")
	}
	if r.URL.Path != hookPath {
		code = http.StatusNotFound
	}
	w.WriteHeader(code)
}

func serve(t *testing.T, h http.Handler) (*httptest.Server, string) {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	return srv, srv.URL + hookPath
}

// sleeps records the backoff instead of waiting.
type sleeps []time.Duration

func (s *sleeps) sleep(_ context.Context, d time.Duration) error { *s = append(*s, d); return nil }

func TestSendJSONSummary(t *testing.T) {
	h := &hook{}
	srv, url := serve(t, h)
	var slept sleeps
	err := Send(context.Background(), Target{URL: url, Retries: 3}, Summarize(sampleResults(), "/runs/x"), Options{Client: srv.Client(), Sleep: slept.sleep})
	if err != nil || len(h.bodies) != 1 || len(slept) != 0 {
		t.Fatalf("err %v, %d posts, slept %v", err, len(h.bodies), slept)
	}
	if ct := h.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var got Summary
	if err := json.Unmarshal(h.bodies[0], &got); err != nil {
		t.Fatal(err)
	}
	if got.RunID != "20261202T021500Z-fleet-audit" || got.ExitCode != results.ExitStepFailed || got.Status != "failed" ||
		got.Tenants.Total != 3 || got.Tenants.Failed != 1 || got.Assertions.Failed != 1 || got.Results != "/runs/x/results.json" {
		t.Fatalf("summary %+v", got)
	}
	if len(got.FailingTenants) != 2 || got.FailingTenants[0].Name != "fabrikam" || got.FailingTenants[0].Failed[0] != "EXO-AUTH-1" ||
		got.FailingTenants[1].Errors[0] != "sign-in: auth/AADSTS7000215" {
		t.Fatalf("failing tenants %+v", got.FailingTenants)
	}
	// Messages never travel: only ids, categories and codes.
	if strings.Contains(string(h.bodies[0]), "invalid client secret") || strings.Contains(string(h.bodies[0]), "Modern authentication") {
		t.Errorf("the body carries free text:\n%s", h.bodies[0])
	}
}

func TestSendTeamsAndSlackShapes(t *testing.T) {
	for format, check := range map[string]func(map[string]any) bool{
		"teams": func(m map[string]any) bool {
			att, _ := m["attachments"].([]any)
			if m["type"] != "message" || len(att) != 1 {
				return false
			}
			a := att[0].(map[string]any)
			card, _ := a["content"].(map[string]any)
			return a["contentType"] == "application/vnd.microsoft.card.adaptive" && card["type"] == "AdaptiveCard" && len(card["body"].([]any)) == 3
		},
		"slack": func(m map[string]any) bool {
			text, _ := m["text"].(string)
			blocks, _ := m["blocks"].([]any)
			return strings.HasPrefix(text, "exoplay fleet-audit: failed (exit 1)") && len(blocks) == 3
		},
	} {
		h := &hook{}
		srv, url := serve(t, h)
		if err := Send(context.Background(), Target{URL: url, Format: format}, Summarize(sampleResults(), "/runs/x"), Options{Client: srv.Client()}); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		var m map[string]any
		if err := json.Unmarshal(h.bodies[0], &m); err != nil || !check(m) {
			t.Errorf("%s body:\n%s", format, h.bodies[0])
		}
		if !strings.Contains(string(h.bodies[0]), "northwind (failed): sign-in: auth/AADSTS7000215") {
			t.Errorf("%s body does not list the failing tenant:\n%s", format, h.bodies[0])
		}
	}
	if _, err := Body("discord", &Summary{}); err == nil {
		t.Error("an unknown format must be an error")
	}
}

func TestSendRetriesWithBackoff(t *testing.T) {
	h := &hook{answers: []int{503, 502, 429, 200}}
	srv, url := serve(t, h)
	var slept sleeps
	err := Send(context.Background(), Target{URL: url, Retries: 3}, Summarize(sampleResults(), "d"), Options{Client: srv.Client(), Sleep: slept.sleep})
	if err != nil || len(h.bodies) != 4 {
		t.Fatalf("err %v after %d posts", err, len(h.bodies))
	}
	// 1s, 2s, then the 429's Retry-After of 7s.
	if want := (sleeps{time.Second, 2 * time.Second, 7 * time.Second}); !slices.Equal(slept, want) {
		t.Fatalf("slept %v, want %v", slept, want)
	}

	// Retries run out: the error says how many attempts, not the address.
	h = &hook{answers: []int{500, 500, 500}}
	srv, url = serve(t, h)
	slept = nil
	err = Send(context.Background(), Target{URL: url, Retries: 2}, Summarize(sampleResults(), "d"), Options{Client: srv.Client(), Sleep: slept.sleep})
	if err == nil || !strings.Contains(err.Error(), "attempt 3 of 3") || !strings.Contains(err.Error(), "500") || len(h.bodies) != 3 {
		t.Fatalf("err %v after %d posts", err, len(h.bodies))
	}
	if strings.Contains(err.Error(), "Hook-Token") {
		t.Errorf("the error carries the webhook's path: %v", err)
	}

	// A 4xx (not 408/429) is not retried.
	h = &hook{answers: []int{400}}
	srv, url = serve(t, h)
	slept = nil
	err = Send(context.Background(), Target{URL: url, Retries: 5}, Summarize(sampleResults(), "d"), Options{Client: srv.Client(), Sleep: slept.sleep})
	if err == nil || len(h.bodies) != 1 || len(slept) != 0 {
		t.Fatalf("400: err %v, %d posts, slept %v", err, len(h.bodies), slept)
	}
}

func TestSendTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv, url := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer close(release)
	var slept sleeps
	err := Send(context.Background(), Target{URL: url, Timeout: 50 * time.Millisecond, Retries: 1}, Summarize(sampleResults(), "d"), Options{Client: srv.Client(), Sleep: slept.sleep})
	if err == nil || !strings.Contains(err.Error(), "no answer within 50ms") || len(slept) != 1 {
		t.Fatalf("err %v, slept %v", err, slept)
	}
	if strings.Contains(err.Error(), "Hook-Token") {
		t.Errorf("the error carries the webhook's path: %v", err)
	}
}

func TestSendRefusesPlainHTTPOffLoopback(t *testing.T) {
	err := Send(context.Background(), Target{URL: "http://hooks.example.com" + hookPath}, &Summary{}, Options{})
	if err == nil || !strings.Contains(err.Error(), "only https") || strings.Contains(err.Error(), "Hook-Token") {
		t.Fatalf("err %v", err)
	}
}

func TestDue(t *testing.T) {
	for _, c := range []struct {
		on   string
		code int
		want bool
	}{{"always", 0, true}, {"", 0, true}, {"failure", 0, false}, {"failure", 3, true}, {"failure", 130, true}} {
		if got := (Target{On: c.on}).Due(c.code); got != c.want {
			t.Errorf("on %q exit %d: %v", c.on, c.code, got)
		}
	}
}
