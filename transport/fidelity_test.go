package transport_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/transport"
)

// These tests hold the client to the service's behaviours of
// exo-rest-protocol.md §10, each against the emulator in its strict
// default (internal/emulator/BEHAVIOURS.md).

// rewriteRT changes each request before it is sent, standing in for a
// client that gets one header wrong.
type rewriteRT struct {
	next http.RoundTripper
	edit func(*http.Request)
	mu   sync.Mutex
	seen []string // Content-Type of each answer
}

func (r *rewriteRT) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	r.edit(req)
	resp, err := r.next.RoundTrip(req)
	if err == nil {
		r.mu.Lock()
		r.seen = append(r.seen, resp.Header.Get("Content-Type"))
		r.mu.Unlock()
	}
	return resp, err
}

func batchOf(t *testing.T, v *env) ([]int, []error) {
	t.Helper()
	reqs := []transport.Request{
		{Cmdlet: "Get-OrganizationConfig", Select: []string{"Name"}},
		{Cmdlet: "Get-Mailbox", Parameters: map[string]any{"ResultSize": "Unlimited"}},
		{Cmdlet: "Get-Mailbox", Parameters: map[string]any{"Identity": "nobody@contoso.onmicrosoft.com"}},
	}
	var mu sync.Mutex
	counts := make([]int, len(reqs))
	_, errs := v.c.Batch(context.Background(), v.ep, reqs, func(i int, o json.RawMessage) error {
		var m map[string]any
		if err := json.Unmarshal(o, &m); err != nil {
			return err
		}
		mu.Lock()
		counts[i]++
		mu.Unlock()
		return nil
	})
	return counts, errs
}

// §10.3: the token goes inside every $batch item; the emulator refuses an
// item without one.
func TestFidelityBatchItemsCarryAuthorization(t *testing.T) {
	v := newEnv(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso", Mailboxes: 25}}}, transport.Options{PageSize: 10})
	counts, errs := batchOf(t, v)
	if errs[0] != nil || errs[1] != nil || counts[0] != 1 || counts[1] != 25 {
		t.Fatalf("counts %v errs %v", counts, errs)
	}
	var e *transport.Error
	if !errors.As(errs[2], &e) || e.Category != transport.CategoryNotFound {
		t.Errorf("item 2: %v", errs[2])
	}
	noViolations(t, v.e)
}

// §10.4: a multipart/mixed answer (what the service sends without the
// minimal-metadata Accept) is read as well as the JSON one.
func TestFidelityBatchMultipartAnswer(t *testing.T) {
	e := startEmulator(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso", Mailboxes: 25}}})
	rt := &rewriteRT{next: e.HTTPClient().Transport, edit: func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/$batch") {
			r.Header.Set("Accept", "application/json")
		}
	}}
	ten := e.Tenants()[0]
	v := &env{e: e, tenant: ten, tokens: newTokens(t, e, ten.Domain, e.ExchangeURL),
		c: transport.New(transport.Options{HTTPClient: &http.Client{Transport: rt}, Clock: fastClock{}, PageSize: 10})}
	v.ep = &transport.Endpoint{BaseURL: e.ExchangeURL, Tenant: ten.Domain, Tokens: v.tokens}
	counts, errs := batchOf(t, v)
	if errs[0] != nil || errs[1] != nil || counts[0] != 1 || counts[1] != 25 {
		t.Fatalf("counts %v errs %v", counts, errs)
	}
	var te *transport.Error
	if !errors.As(errs[2], &te) || te.Category != transport.CategoryNotFound || te.ExceptionType == "" {
		t.Errorf("item 2: %v", errs[2])
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if len(rt.seen) < 3 || !strings.HasPrefix(rt.seen[0], "multipart/mixed") {
		t.Errorf("the emulator did not answer multipart: %v", rt.seen)
	}
}
