package transport

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// frontDoor answers every InvokeCommand with a 302 to the regional host,
// as the Security & Compliance front door does on the first call.
func frontDoor(t *testing.T, location func(r *http.Request) string) (*httptest.Server, *int) {
	hits := new(int)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*hits++
		http.Redirect(w, r, location(r), http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	return srv, hits
}

func TestComplianceRedirectFollowedAndRemembered(t *testing.T) {
	regional := newFakeEXO(t, 3)
	fd, hits := frontDoor(t, func(r *http.Request) string { return regional.srv.URL + r.URL.Path })
	tokens := &fakeTokens{}
	c := New(Options{HTTPClient: regional.srv.Client(), Clock: newFakeClock()})
	ep := &Endpoint{BaseURL: fd.URL, Tenant: "contoso.onmicrosoft.com", Service: Compliance, Tokens: tokens}
	for i := 0; i < 2; i++ {
		var n int
		st, err := c.Invoke(context.Background(), ep, Request{Cmdlet: "Get-Mailbox", Select: []string{"DisplayName"}}, func(json.RawMessage) error { n++; return nil })
		if err != nil || n != 3 {
			t.Fatalf("call %d: %v %d", i, err, n)
		}
		if i == 0 && st.Requests != 2 {
			t.Errorf("first call: %+v", st)
		}
	}
	if *hits != 1 {
		t.Errorf("front door hit %d times, want 1 (the regional host is remembered)", *hits)
	}
	reqs := regional.requests()
	if len(reqs) != 2 {
		t.Fatalf("regional got %d requests", len(reqs))
	}
	for _, r := range reqs {
		if !strings.HasPrefix(r.h.Get("Authorization"), "Bearer ") || r.method != "POST" || r.query != "$select=DisplayName" ||
			!strings.Contains(string(r.body), "Get-Mailbox") {
			t.Errorf("regional request %+v", r)
		}
	}
	// Another tenant and the Exchange service are not affected.
	other := &Endpoint{BaseURL: fd.URL, Tenant: "fabrikam.onmicrosoft.com", Service: Compliance, Tokens: tokens}
	if _, err := c.Invoke(context.Background(), other, Request{Cmdlet: "Get-Mailbox"}, func(json.RawMessage) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if *hits != 2 {
		t.Errorf("front door hit %d times, want 2", *hits)
	}
}

func TestRedirectOutsideFamilyIsNotFollowed(t *testing.T) {
	elsewhere := newFakeEXO(t, 3)
	// Same machine, but named localhost instead of the front door's IP: another host.
	loc := strings.Replace(elsewhere.srv.URL, "127.0.0.1", "localhost", 1)
	fd, _ := frontDoor(t, func(r *http.Request) string { return loc + r.URL.Path })
	c := New(Options{HTTPClient: elsewhere.srv.Client(), Clock: newFakeClock()})
	ep := &Endpoint{BaseURL: fd.URL, Tenant: "t", Service: Compliance, Tokens: &fakeTokens{}}
	_, err := c.Invoke(context.Background(), ep, Request{Cmdlet: "Get-Mailbox"}, func(json.RawMessage) error { return nil })
	var e *Error
	if !errors.As(err, &e) || e.Code != "RedirectOutsideFamily" {
		t.Fatalf("got %v", err)
	}
	if n := len(elsewhere.requests()); n != 0 {
		t.Errorf("followed the redirect: %d requests", n)
	}
}

func TestRedirectLoopStops(t *testing.T) {
	var fd *httptest.Server
	fd, hits := frontDoor(t, func(r *http.Request) string { return fd.URL + r.URL.Path })
	c := New(Options{HTTPClient: fd.Client(), Clock: newFakeClock()})
	ep := &Endpoint{BaseURL: fd.URL, Tenant: "t", Service: Compliance, Tokens: &fakeTokens{}}
	_, err := c.Invoke(context.Background(), ep, Request{Cmdlet: "Get-Mailbox"}, func(json.RawMessage) error { return nil })
	var e *Error
	if !errors.As(err, &e) || e.Code != "TooManyRedirects" || *hits != maxRedirects+1 {
		t.Fatalf("got %v after %d hits", err, *hits)
	}
}
