package transport

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exoplay/exoplay/transport/internal/pagetest"
)

// fakeClock records waits instead of sleeping. With block set, Sleep waits
// for the context instead, and signals entered first.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waits   []time.Duration
	block   bool
	entered chan struct{}
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC), entered: make(chan struct{}, 100)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	block := c.block
	c.mu.Unlock()
	if block {
		c.entered <- struct{}{}
		<-ctx.Done()
		return ctx.Err()
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

func (c *fakeClock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// fakeTokens hands out JWT-looking tokens, counting forced refreshes.
type fakeTokens struct {
	mu     sync.Mutex
	calls  int
	forced int
	err    error
}

func (f *fakeTokens) Token(_ context.Context, force bool) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if force {
		f.forced++
	}
	if f.err != nil {
		return "", f.err
	}
	return fmt.Sprintf("eyJhbGciOiJub25lIn0.eyJuIjo%dfQ.secret%d", f.calls, f.calls), nil
}

// fakeLimiter checks that the client holds at most one slot per call and
// never holds one while throttled.
type fakeLimiter struct {
	mu                 sync.Mutex
	inUse, maxInUse    int
	acquires, releases int
	throttled          []time.Duration
	heldWhileThrottled bool
}

func (l *fakeLimiter) Acquire(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.acquires++
	l.inUse++
	l.maxInUse = max(l.maxInUse, l.inUse)
	return ctx.Err()
}

func (l *fakeLimiter) Release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.releases++
	l.inUse--
}

func (l *fakeLimiter) Throttled(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.throttled = append(l.throttled, d)
	if l.inUse != 0 {
		l.heldWhileThrottled = true
	}
}

type recorded struct {
	method, path, query string
	h                   http.Header
	body                []byte
}

// fakeEXO is a small InvokeCommand + $batch service for protocol tests:
// Get-Mailbox returns `objects` rows (sampleMailbox), paged by Prefer with
// absolute next links; Get-Missing answers 404; writes return nothing and a
// warning. hook may take over any request (n counts from 0).
type fakeEXO struct {
	mu       sync.Mutex
	objects  int
	reqs     []recorded
	hook     func(n int, w http.ResponseWriter, r *http.Request) bool
	itemHook func(id string, round int) (status int, headers map[string]string, body string, ok bool)
	rounds   int
	srv      *httptest.Server
}

func newFakeEXO(t *testing.T, objects int) *fakeEXO {
	f := &fakeEXO{objects: objects}
	f.srv = httptest.NewTLSServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeEXO) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

func (f *fakeEXO) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	n := len(f.reqs)
	f.reqs = append(f.reqs, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
	hook := f.hook
	f.mu.Unlock()
	if hook != nil && hook(n, w, r) {
		return
	}
	if strings.HasSuffix(r.URL.Path, "/$batch") {
		f.batch(w, body)
		return
	}
	status, out := f.invoke(r.URL, r.Header.Get("Prefer"), body)
	w.Header().Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true")
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

func (f *fakeEXO) invoke(u *url.URL, prefer string, body []byte) (int, []byte) {
	var in struct {
		CmdletInput struct {
			CmdletName string
			Parameters map[string]any
		}
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return 400, []byte(`{"error":{"code":"BadRequest","message":"bad body"}}`)
	}
	total := 0
	var warnings []string
	switch strings.ToLower(in.CmdletInput.CmdletName) {
	case "get-mailbox":
		total = f.objects
	case "get-organizationconfig":
		total = 1
	case "get-missing":
		return 404, []byte(notFoundBody)
	default:
		warnings = []string{"The command completed successfully but no settings of 'x' have been modified."}
	}
	size := 1000
	if _, v, ok := strings.Cut(prefer, "odata.maxpagesize="); ok {
		v, _, _ = strings.Cut(v, ";")
		size, _ = strconv.Atoi(strings.TrimSpace(v))
	}
	q := u.Query()
	off, _ := strconv.Atoi(q.Get("$skiptoken"))
	end := min(off+size, total)
	objs := make([]string, 0, max(end-off, 0))
	for i := off; i < end; i++ {
		objs = append(objs, pagetest.Mailbox(i))
	}
	next := ""
	if end < total {
		q.Set("$skiptoken", strconv.Itoa(end))
		next = f.srv.URL + u.Path + "?" + q.Encode()
		warnings = append(warnings, "There are more results, use ResultSize parameter to view more results.")
	}
	return 200, []byte(pagetest.Envelope(next, warnings, objs...))
}

func (f *fakeEXO) batch(w http.ResponseWriter, body []byte) {
	var in struct {
		Requests []struct {
			ID      string
			Method  string
			URL     string
			Headers map[string]string
			Body    json.RawMessage
		}
	}
	if err := json.Unmarshal(body, &in); err != nil {
		http.Error(w, "bad batch", 400)
		return
	}
	f.mu.Lock()
	round := f.rounds
	f.rounds++
	f.mu.Unlock()
	type item struct {
		ID      string            `json:"id"`
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	}
	var out []item
	// answer in reverse order: the client must match by id
	for i := len(in.Requests) - 1; i >= 0; i-- {
		r := in.Requests[i]
		if f.itemHook != nil {
			if st, h, b, ok := f.itemHook(r.ID, round); ok {
				out = append(out, item{r.ID, st, h, json.RawMessage(b)})
				continue
			}
		}
		u, _ := url.Parse(r.URL)
		st, b := f.invoke(u, r.Headers["Prefer"], r.Body)
		out = append(out, item{r.ID, st, map[string]string{"Content-Type": "application/json"}, b})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"responses": out})
}
