package transport

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/exoplay/exoplay/internal/category"
	"github.com/exoplay/exoplay/transport/internal/pagetest"
)

type harness struct {
	f      *fakeEXO
	c      *Client
	clock  *fakeClock
	tokens *fakeTokens
	lim    *fakeLimiter
	ep     *Endpoint
}

func newHarness(t *testing.T, objects int, opts Options) *harness {
	h := &harness{f: newFakeEXO(t, objects), clock: newFakeClock(), tokens: &fakeTokens{}, lim: &fakeLimiter{}}
	opts.HTTPClient = h.f.srv.Client()
	opts.Clock = h.clock
	h.c = New(opts)
	h.c.jitter = func() float64 { return 0 }
	h.ep = &Endpoint{BaseURL: h.f.srv.URL, Tenant: "contoso.onmicrosoft.com", Tokens: h.tokens, Limiter: h.lim}
	return h
}

func (h *harness) invoke(t *testing.T, req Request) ([]json.RawMessage, Stats, error) {
	t.Helper()
	var got []json.RawMessage
	st, err := h.c.Invoke(context.Background(), h.ep, req, func(o json.RawMessage) error {
		got = append(got, o)
		return nil
	})
	h.lim.mu.Lock()
	defer h.lim.mu.Unlock()
	if h.lim.acquires != h.lim.releases || h.lim.maxInUse > 1 || h.lim.heldWhileThrottled {
		t.Errorf("limiter misuse: %+v", h.lim)
	}
	return got, st, err
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestInvokePagesWithSameBodyAndHeaders(t *testing.T) {
	h := newHarness(t, 2500, Options{})
	objs, st, err := h.invoke(t, Request{Cmdlet: "Get-Mailbox", Parameters: map[string]any{"ResultSize": "Unlimited"}, Select: []string{"DisplayName", "UserPrincipalName"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2500 || st.Objects != 2500 || st.Pages != 3 || st.Requests != 3 || st.Attempts != 1 || len(st.Retried) != 0 {
		t.Fatalf("objects %d stats %+v", len(objs), st)
	}
	for i, o := range objs {
		var m map[string]any
		if err := json.Unmarshal(o, &m); err != nil {
			t.Fatal(err)
		}
		if m["DisplayName"] != "User "+strconv.Itoa(i) || strings.Contains(string(o), "@odata") || strings.Contains(string(o), "@data.type") {
			t.Fatalf("object %d: %s", i, o)
		}
	}
	if len(st.Warnings) != 2 || !strings.Contains(st.Warnings[0], "ResultSize") {
		t.Errorf("warnings %q", st.Warnings)
	}
	reqs := h.f.requests()
	first := reqs[0]
	if first.method != "POST" || first.path != "/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand" || first.query != "$select=DisplayName,UserPrincipalName" {
		t.Errorf("first request %s %s ?%s", first.method, first.path, first.query)
	}
	if string(first.body) != `{"CmdletInput":{"CmdletName":"Get-Mailbox","Parameters":{"ResultSize":"Unlimited"}}}` {
		t.Errorf("body %s", first.body)
	}
	want := map[string]string{
		"Content-Type": "application/json", "Accept": "application/json", "X-CmdletName": "Get-Mailbox",
		"X-ClientApplication": "exoplay", "X-AnchorMailbox": AppAnchor("contoso.onmicrosoft.com"),
		"Prefer": "odata.maxpagesize=1000", "X-ResponseFormat": "json", "User-Agent": "exoplay",
	}
	for i, r := range reqs {
		for k, v := range want {
			if got := r.h.Get(k); got != v {
				t.Errorf("request %d %s = %q, want %q", i, k, got, v)
			}
		}
		if !strings.HasPrefix(r.h.Get("Authorization"), "Bearer eyJ") {
			t.Errorf("request %d without token", i)
		}
		if id := r.h.Get("client-request-id"); !uuidRE.MatchString(id) || id != first.h.Get("client-request-id") {
			t.Errorf("request %d client-request-id %q", i, id)
		}
		if string(r.body) != string(first.body) || r.method != "POST" {
			t.Errorf("page %d sent a different request", i)
		}
	}
	if !strings.Contains(reqs[1].query, "skiptoken=1000") || !strings.Contains(reqs[2].query, "skiptoken=2000") {
		t.Errorf("next links not followed: %q %q", reqs[1].query, reqs[2].query)
	}
}

func TestInvokeResultSize(t *testing.T) {
	cases := []struct {
		name        string
		req         Request
		objs, pages int
		prefer      string
	}{
		{"int parameter", Request{Cmdlet: "Get-Mailbox", Parameters: map[string]any{"ResultSize": 1500}}, 1500, 2, "odata.maxpagesize=1000"},
		{"small int", Request{Cmdlet: "Get-Mailbox", Parameters: map[string]any{"ResultSize": 10}}, 10, 1, "odata.maxpagesize=10"},
		{"string int", Request{Cmdlet: "Get-Mailbox", Parameters: map[string]any{"resultsize": "2001"}}, 2001, 3, "odata.maxpagesize=1000"},
		{"request field wins", Request{Cmdlet: "Get-Mailbox", ResultSize: 5, Parameters: map[string]any{"ResultSize": "Unlimited"}}, 5, 1, "odata.maxpagesize=5"},
		{"unlimited", Request{Cmdlet: "Get-Mailbox", Parameters: map[string]any{"ResultSize": "Unlimited"}}, 2500, 3, "odata.maxpagesize=1000"},
		{"absent follows all", Request{Cmdlet: "Get-Mailbox"}, 2500, 3, "odata.maxpagesize=1000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, 2500, Options{})
			objs, st, err := h.invoke(t, c.req)
			if err != nil || len(objs) != c.objs || st.Pages != c.pages {
				t.Fatalf("err %v objs %d stats %+v", err, len(objs), st)
			}
			if p := h.f.requests()[0].h.Get("Prefer"); p != c.prefer {
				t.Errorf("Prefer %q", p)
			}
		})
	}
}

func TestInvokePageSizeOption(t *testing.T) {
	h := newHarness(t, 250, Options{PageSize: 100})
	objs, st, err := h.invoke(t, Request{Cmdlet: "Get-Mailbox"})
	if err != nil || len(objs) != 250 || st.Pages != 3 {
		t.Fatalf("%v %d %+v", err, len(objs), st)
	}
}

func TestInvokeThrottledHonoursRetryAfter(t *testing.T) {
	h := newHarness(t, 3, Options{})
	h.f.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
		switch n {
		case 0:
			w.Header().Set("Retry-After", "0.5")
			w.WriteHeader(429)
			return true
		case 1:
			w.Header().Set("Retry-After", "2")
			http.Error(w, `{"error":{"code":"TooManyRequests","message":"slow down"}}`, 429)
			return true
		case 2: // the concurrency text, no Retry-After: backoff
			http.Error(w, concurrencyText1, 400)
			return true
		}
		return false
	}
	objs, st, err := h.invoke(t, Request{Cmdlet: "New-Thing"}) // even a write: a 429 was not executed
	if err != nil {
		t.Fatal(err)
	}
	_ = objs
	// the third wait is the backoff of a third throttle: base·2² halved (jitter pinned to 0)
	wantWaits := []time.Duration{500 * time.Millisecond, 2 * time.Second, 2 * time.Second}
	if got := h.clock.Waits(); !slices.Equal(got, wantWaits) {
		t.Errorf("waits %v, want %v", got, wantWaits)
	}
	if st.ThrottledWaits != 3 || st.ThrottledFor != 4500*time.Millisecond || st.Attempts != 4 || st.Requests != 4 || len(st.Retried) != 3 {
		t.Errorf("stats %+v", st)
	}
	if !slices.Equal(h.lim.throttled, wantWaits) {
		t.Errorf("limiter told %v", h.lim.throttled)
	}
	if !strings.Contains(st.Retried[0], "throttled (HTTP 429): waited 500ms") {
		t.Errorf("reason %q", st.Retried[0])
	}
}

func TestInvokeThrottleBudget(t *testing.T) {
	h := newHarness(t, 3, Options{})
	h.f.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(429)
		return true
	}
	_, st, err := h.invoke(t, Request{Cmdlet: "Get-Mailbox"})
	var e *Error
	if !errors.As(err, &e) || e.Category != category.Throttled || !strings.Contains(e.Message, "still throttled after 10 waits") {
		t.Fatalf("got %v", err)
	}
	if st.ThrottledWaits != 10 || st.Requests != 11 {
		t.Errorf("stats %+v", st)
	}
}

func TestInvokeMaxElapsed(t *testing.T) {
	h := newHarness(t, 3, Options{MaxElapsed: 10 * time.Second})
	h.f.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Retry-After", "8")
		w.WriteHeader(429)
		return true
	}
	_, st, err := h.invoke(t, Request{Cmdlet: "Get-Mailbox"})
	var e *Error
	if !errors.As(err, &e) || e.Category != category.Throttled || !strings.Contains(e.Message, "gave up") {
		t.Fatalf("got %v", err)
	}
	if st.Requests != 2 || len(h.clock.Waits()) != 1 || st.ThrottledWaits != 1 {
		t.Errorf("stats %+v waits %v", st, h.clock.Waits())
	}
}

func failTimes(times, status int, body string) func(int, http.ResponseWriter, *http.Request) bool {
	return func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n < times {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
			return true
		}
		return false
	}
}

func TestInvokeRetriesTransientReads(t *testing.T) {
	h := newHarness(t, 3, Options{})
	h.f.hook = failTimes(2, 500, adTransientBody)
	objs, st, err := h.invoke(t, Request{Cmdlet: "Get-Mailbox"})
	if err != nil || len(objs) != 3 {
		t.Fatalf("%v %d", err, len(objs))
	}
	if st.Attempts != 3 || !strings.Contains(st.Retried[0], "HTTP 500: ADTransientException") {
		t.Errorf("stats %+v", st)
	}
	if got := h.clock.Waits(); !slices.Equal(got, []time.Duration{500 * time.Millisecond, time.Second}) {
		t.Errorf("waits %v", got)
	}
}

func TestInvokeRetriesRunOut(t *testing.T) {
	h := newHarness(t, 3, Options{})
	h.f.hook = failTimes(100, 503, htmlBody)
	_, st, err := h.invoke(t, Request{Cmdlet: "Get-Mailbox"})
	var e *Error
	if !errors.As(err, &e) || e.Category != category.Transient || !strings.Contains(e.Message, "after 3 retries") || st.Requests != 4 {
		t.Fatalf("got %v %+v", err, st)
	}
	zero := 0
	_, st, _ = h.invoke(t, Request{Cmdlet: "Get-Mailbox", Retries: &zero})
	if st.Requests != 1 {
		t.Errorf("Retries=0 sent %d", st.Requests)
	}
}

func TestInvokeWritesAreReplayedOnlyWhenHarmless(t *testing.T) {
	h := newHarness(t, 0, Options{})
	h.f.hook = failTimes(1, 500, adTransientBody)
	_, st, err := h.invoke(t, Request{Cmdlet: "New-TransportRule", Parameters: map[string]any{"Name": "x"}})
	var e *Error
	if !errors.As(err, &e) || !e.OutcomeUnknown || e.Category != category.Transient || !strings.Contains(e.Message, "may or may not have run") || st.Requests != 1 {
		t.Fatalf("New- after 500: %v %+v", err, st)
	}

	h = newHarness(t, 0, Options{})
	h.f.hook = failTimes(1, 500, adTransientBody)
	_, st, err = h.invoke(t, Request{Cmdlet: "Set-CASMailbox", Parameters: map[string]any{"Identity": "a@b.c", "PopEnabled": false}})
	if err != nil || st.Requests != 2 || len(st.Warnings) != 1 {
		t.Fatalf("Set- after 500: %v %+v", err, st)
	}

	h = newHarness(t, 0, Options{})
	h.f.hook = failTimes(1, 200, `{"value":[{"a":`)
	_, _, err = h.invoke(t, Request{Cmdlet: "Add-MailboxPermission"})
	if !errors.As(err, &e) || e.OutcomeUnknown || !strings.Contains(e.Message, "Add-MailboxPermission ran, but its answer could not be read") {
		t.Fatalf("Add- with truncated 200: %v", err)
	}
}

func TestInvokeConnectionReset(t *testing.T) {
	reset := func(times int) func(int, http.ResponseWriter, *http.Request) bool {
		return func(n int, w http.ResponseWriter, r *http.Request) bool {
			if n >= times {
				return false
			}
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				if tc, ok := conn.(*tls.Conn); ok {
					_ = tc.NetConn().(*net.TCPConn).SetLinger(0)
				}
				conn.Close()
			}
			return true
		}
	}
	h := newHarness(t, 3, Options{})
	h.f.hook = reset(1)
	objs, st, err := h.invoke(t, Request{Cmdlet: "Get-Mailbox"})
	if err != nil || len(objs) != 3 || st.Attempts != 2 {
		t.Fatalf("read after reset: %v %+v", err, st)
	}
	h = newHarness(t, 3, Options{})
	h.f.hook = reset(1)
	_, st, err = h.invoke(t, Request{Cmdlet: "Remove-InboxRule", Parameters: map[string]any{"Identity": "r"}})
	var e *Error
	if !errors.As(err, &e) || !e.OutcomeUnknown || e.Status != 0 || st.Requests != 1 {
		t.Fatalf("write after reset: %v %+v", err, st)
	}
}

func TestInvokeDialFailureIsRetriedEvenForWrites(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	h := newHarness(t, 0, Options{})
	h.ep.BaseURL = "https://" + addr
	_, st, err := h.invoke(t, Request{Cmdlet: "New-Thing"})
	var e *Error
	if !errors.As(err, &e) || e.OutcomeUnknown || e.Code != "ConnectionFailed" || !strings.Contains(e.Message, "cannot connect") {
		t.Fatalf("got %v", err)
	}
	if st.Requests != 4 || st.Attempts != 4 {
		t.Errorf("stats %+v", st)
	}
}

func TestInvoke401RefreshesTokenOnce(t *testing.T) {
	h := newHarness(t, 1, Options{})
	h.f.hook = failTimes(1, 401, "")
	_, st, err := h.invoke(t, Request{Cmdlet: "New-Thing"})
	if err != nil || h.tokens.forced != 1 || st.Requests != 2 || !strings.Contains(st.Retried[0], "401") {
		t.Fatalf("%v forced=%d %+v", err, h.tokens.forced, st)
	}
	reqs := h.f.requests()
	if reqs[0].h.Get("Authorization") == reqs[1].h.Get("Authorization") {
		t.Error("the same token was sent again")
	}
	h = newHarness(t, 1, Options{})
	h.f.hook = failTimes(5, 401, `{"error":"invalid_token","error_description":"expired eyJhbGciOiJub25lIn0.eyJuIjoxfQ.secret1"}`)
	_, st, err = h.invoke(t, Request{Cmdlet: "Get-Mailbox"})
	var e *Error
	if !errors.As(err, &e) || e.Category != category.Auth || st.Requests != 2 || strings.Contains(err.Error(), "secret1") {
		t.Fatalf("second 401: %v %+v", err, st)
	}
}

func TestInvokeTokenErrorPassesThrough(t *testing.T) {
	h := newHarness(t, 1, Options{})
	sentinel := errors.New("AADSTS700016: application not found")
	h.tokens.err = sentinel
	_, st, err := h.invoke(t, Request{Cmdlet: "Get-Mailbox"})
	if !errors.Is(err, sentinel) || st.Requests != 0 || !strings.Contains(err.Error(), "contoso.onmicrosoft.com") {
		t.Fatalf("%v %+v", err, st)
	}
}

func TestInvokeTimeout(t *testing.T) {
	h := newHarness(t, 1, Options{})
	h.f.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
		<-r.Context().Done()
		return true
	}
	_, _, err := h.invoke(t, Request{Cmdlet: "New-Thing", Timeout: 50 * time.Millisecond})
	var e *Error
	if !errors.As(err, &e) || e.Category != category.Timeout || !e.OutcomeUnknown || !strings.Contains(e.Message, "within 50ms") {
		t.Fatalf("got %v", err)
	}
}

func TestInvokeCancelStopsWait(t *testing.T) {
	h := newHarness(t, 1, Options{})
	h.clock.block = true
	h.f.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Retry-After", "60")
		w.WriteHeader(429)
		return true
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := h.c.Invoke(ctx, h.ep, Request{Cmdlet: "Get-Mailbox"}, func(json.RawMessage) error { return nil })
		done <- err
	}()
	select {
	case <-h.clock.entered:
	case err := <-done:
		t.Fatalf("returned before waiting: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("cancellation did not stop the wait")
	}
}

func TestInvokeRetriedPageDoesNotRepeatObjects(t *testing.T) {
	h := newHarness(t, 1500, Options{})
	h.f.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n != 1 { // cut page 2 short after a few objects, once
			return false
		}
		_, full := h.f.invoke(r.URL, r.Header.Get("Prefer"), h.f.requests()[n].body)
		w.WriteHeader(200)
		_, _ = w.Write(full[:len(full)/3])
		return true
	}
	objs, st, err := h.invoke(t, Request{Cmdlet: "Get-Mailbox"})
	if err != nil || len(objs) != 1500 || st.Attempts != 2 || st.Pages != 2 {
		t.Fatalf("%v %d %+v", err, len(objs), st)
	}
	seen := map[string]bool{}
	for _, o := range objs {
		var m struct{ DisplayName string }
		_ = json.Unmarshal(o, &m)
		if seen[m.DisplayName] {
			t.Fatalf("%s twice", m.DisplayName)
		}
		seen[m.DisplayName] = true
	}
}

func TestInvokeEmitErrorEndsCall(t *testing.T) {
	h := newHarness(t, 2500, Options{})
	stop := errors.New("stop here")
	n := 0
	st, err := h.c.Invoke(context.Background(), h.ep, Request{Cmdlet: "Get-Mailbox"}, func(json.RawMessage) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if err != stop || st.Objects != 2 || st.Requests != 1 {
		t.Fatalf("%v %+v", err, st)
	}
}

func TestInvokeRefusesBeforeSending(t *testing.T) {
	h := newHarness(t, 1, Options{})
	cases := []struct {
		name string
		ep   Endpoint
		req  Request
		code string
	}{
		{"secure string", *h.ep, Request{Cmdlet: "Set-Mailbox", Parameters: map[string]any{"Password": SecureString("p@ss")}}, "UnsupportedParameter"},
		{"plain http", Endpoint{BaseURL: "http://outlook.office365.com", Tenant: "t", Tokens: h.tokens}, Request{Cmdlet: "Get-Mailbox"}, "BadServiceURL"},
		{"bad cmdlet", *h.ep, Request{Cmdlet: "Get Mailbox"}, "BadCmdletName"},
		{"no tenant", Endpoint{BaseURL: h.f.srv.URL, Tokens: h.tokens}, Request{Cmdlet: "Get-Mailbox"}, "NoTenant"},
		{"no tokens", Endpoint{BaseURL: h.f.srv.URL, Tenant: "t"}, Request{Cmdlet: "Get-Mailbox"}, "NoEndpoint"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ep := c.ep
			_, err := h.c.Invoke(context.Background(), &ep, c.req, func(json.RawMessage) error { return nil })
			var e *Error
			if !errors.As(err, &e) || e.Code != c.code || strings.Contains(err.Error(), "p@ss") {
				t.Fatalf("got %v", err)
			}
		})
	}
	if n := len(h.f.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestInvokeFakeGzip403(t *testing.T) {
	h := newHarness(t, 1, Options{})
	h.f.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(403)
		_, _ = w.Write(make([]byte, 64))
		return true
	}
	_, st, err := h.invoke(t, Request{Cmdlet: "Get-Nonexistent"})
	var e *Error
	if !errors.As(err, &e) || e.Category != category.Permission || e.Status != 403 || strings.ContainsRune(err.Error(), 0) ||
		!strings.Contains(e.Message, "refused Get-Nonexistent") || st.Requests != 1 {
		t.Fatalf("got %v %+v", err, st)
	}
}

func TestInvokeNotFound(t *testing.T) {
	h := newHarness(t, 1, Options{})
	_, st, err := h.invoke(t, Request{Cmdlet: "Get-Missing"})
	var e *Error
	if !errors.As(err, &e) || e.Category != category.NotFound || e.Code != "Ex6F9304" || st.Requests != 1 {
		t.Fatalf("got %v", err)
	}
}

func TestInvokeNextLinkOutsideFamilyRefused(t *testing.T) {
	h := newHarness(t, 1, Options{})
	h.f.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
		_, _ = w.Write([]byte(pagetest.Envelope("https://evil.example.com/steal", nil, `{"a":1}`)))
		return true
	}
	objs, st, err := h.invoke(t, Request{Cmdlet: "Get-Mailbox"})
	var e *Error
	if !errors.As(err, &e) || e.Code != "NextLinkOutsideFamily" || len(objs) != 1 || st.Requests != 1 {
		t.Fatalf("got %v %+v", err, st)
	}
}

func TestLogsCarryNoToken(t *testing.T) {
	var buf strings.Builder
	h := newHarness(t, 3, Options{Logger: zerolog.New(&syncWriter{w: &buf}).Level(zerolog.DebugLevel)})
	h.f.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n == 0 {
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"error":"invalid_token","error_description":"token ` + strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") + ` expired"}`))
			return true
		}
		return n == 1 && failTimes(2, 500, adTransientBody)(n, w, r)
	}
	if _, _, err := h.invoke(t, Request{Cmdlet: "Get-Mailbox"}); err != nil {
		t.Fatal(err)
	}
	logs := buf.String()
	if !strings.Contains(logs, "retrying") || !strings.Contains(logs, "exo request") {
		t.Fatalf("expected debug and retry lines, got %s", logs)
	}
	if strings.Contains(logs, "secret") || strings.Contains(logs, "eyJ") {
		t.Errorf("token in logs: %s", logs)
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func TestInvokeNextLinkLoopStops(t *testing.T) {
	h := newHarness(t, 1, Options{})
	h.f.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
		_, _ = w.Write([]byte(pagetest.Envelope(h.f.srv.URL+"/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand?$skiptoken=7", nil, `{"a":1}`)))
		return true
	}
	_, st, err := h.invoke(t, Request{Cmdlet: "Get-Mailbox"})
	var e *Error
	if !errors.As(err, &e) || e.Code != "BadNextLink" || st.Requests != 2 {
		t.Fatalf("got %v %+v", err, st)
	}
}

func TestInvokeNoContent(t *testing.T) {
	h := newHarness(t, 1, Options{})
	h.f.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	objs, st, err := h.invoke(t, Request{Cmdlet: "Set-Thing"})
	if err != nil || len(objs) != 0 || st.Requests != 1 {
		t.Fatalf("%v %+v", err, st)
	}
}
