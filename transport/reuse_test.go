package transport

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/exoplay/exoplay/transport/internal/pagetest"
)

// A call that stops reading a page early (ResultSize reached, or emit
// failed) must leave the connection reusable: the next call must not pay
// for a new TCP and TLS handshake.
func TestConnectionReusedAfterPartlyReadPage(t *testing.T) {
	objs := make([]string, 160) // about 100 KiB: streamed, not read whole
	for i := range objs {
		objs[i] = pagetest.Mailbox(i)
	}
	page := pagetest.Envelope("", nil, objs...)
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		// Written in parts and flushed: chunked, as a service streaming
		// its answer sends it, so no Content-Length tells where it ends.
		for i := 0; i < len(page); i += 8 << 10 {
			_, _ = w.Write([]byte(page[i:min(i+8<<10, len(page))]))
			w.(http.Flusher).Flush()
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	defer srv.Close()
	if len(page) <= wholeBodyMax || len(page) > 2*wholeBodyMax {
		t.Fatalf("page of %d bytes does not test a streamed page with a little left to drain", len(page))
	}
	c := New(Options{HTTPClient: srv.Client()})
	ep := &Endpoint{BaseURL: srv.URL, Tenant: "contoso.onmicrosoft.com", Tokens: &fakeTokens{}}
	stop := errors.New("enough")
	for i := range 6 {
		req := Request{Cmdlet: "Get-Mailbox", ResultSize: 1}
		emit := func(json.RawMessage) error { return nil }
		if i%2 == 1 {
			req.ResultSize = 0
			emit = func(json.RawMessage) error { return stop }
		}
		st, err := c.Invoke(context.Background(), ep, req, emit)
		if i%2 == 0 && (err != nil || st.Objects != 1) {
			t.Fatalf("call %d: %v, %d objects", i, err, st.Objects)
		}
		if i%2 == 1 && !errors.Is(err, stop) {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("6 sequential calls opened %d connections, want 1 (bodies not drained before Close?)", n)
	}
	if !strings.HasPrefix(srv.URL, "https://") {
		t.Fatal("not TLS")
	}
}
