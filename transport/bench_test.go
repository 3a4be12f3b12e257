package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/exoplay/exoplay/transport/internal/pagetest"
)

// memTransport answers InvokeCommand from memory, so benchmarks measure the
// client alone: encoding, headers, token, limiter, decoding, stripping.
// Get-Mailbox serves total objects in pages of the same 1000-object block.
type memTransport struct {
	small []byte
	one   []byte
	head  []byte
	block []byte // objects of one page, comma-separated
	total int
	per   int
}

func newMemTransport(total, per int) *memTransport {
	objs := make([]string, per)
	for i := range objs {
		objs[i] = pagetest.Mailbox(i)
	}
	return &memTransport{
		small: []byte(pagetest.Envelope("", nil, `{"Name@odata.type":"#String","Name":"contoso","OAuth2ClientProfileEnabled":true,"AuditDisabled":false}`)),
		one:   []byte(pagetest.Envelope("", nil, `{"DisplayName":"User 1","RetainDeletedItemsFor":"14.00:00:00"}`)),
		head:  []byte(`{"@odata.context":"https://bench.example.com/adminapi/beta/t/$metadata#Collection(Exchange.GenericHashTable)","adminapi.warnings@odata.type":"#Collection(String)","@adminapi.warnings":[],"value":[`),
		block: []byte(strings.Join(objs, ",")),
		total: total,
		per:   per,
	}
}

func (m *memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Request: r, ProtoMajor: 1, ProtoMinor: 1}
	if r.URL.Query().Has("$select") { // Get-Mailbox -Identity, two properties
		resp.Body = io.NopCloser(bytes.NewReader(m.one))
		return resp, nil
	}
	if r.Header.Get("X-CmdletName") != "Get-Mailbox" {
		resp.Body = io.NopCloser(bytes.NewReader(m.small))
		return resp, nil
	}
	off, _ := strconv.Atoi(r.URL.Query().Get("$skiptoken"))
	tail := `]}`
	if off+m.per < m.total {
		tail = `],"@odata.nextLink":"https://bench.example.com/adminapi/beta/t/InvokeCommand?$skiptoken=` + strconv.Itoa(off+m.per) + `"}`
	}
	resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(m.head), bytes.NewReader(m.block), strings.NewReader(tail)))
	return resp, nil
}

type staticTokens struct{}

func (staticTokens) Token(context.Context, bool) (string, error) {
	return "eyJhbGciOiJub25lIn0.eyJ4IjoxfQ.sig", nil
}

type nopLimiter struct{}

func (nopLimiter) Acquire(context.Context) error { return nil }
func (nopLimiter) Release()                      {}
func (nopLimiter) Throttled(time.Duration)       {}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkInvokeCall is the client's CPU per small InvokeCommand call
// (one page, one object, a few parameters): cpu-µs/op counts every thread
// of the process (GC included), ns/op is wall time on one goroutine.
func BenchmarkInvokeCall(b *testing.B) {
	c := New(Options{HTTPClient: &http.Client{Transport: newMemTransport(0, 1)}})
	ep := &Endpoint{BaseURL: "https://bench.example.com", Tenant: "contoso.onmicrosoft.com", Tokens: staticTokens{}, Limiter: nopLimiter{}}
	req := Request{Cmdlet: "Set-CASMailbox", Parameters: map[string]any{"Identity": "user1@contoso.com", "PopEnabled": false, "ImapEnabled": false,
		"ActiveSyncAllowedDeviceIDs": map[string]any{"Add": []any{"dev1", "dev2"}}}}
	ctx := context.Background()
	emit := func(json.RawMessage) error { return nil }
	b.ReportAllocs()
	start := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Invoke(ctx, ep, req, emit); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-µs/op")
}

// BenchmarkInvokeBench is the calls of the bench harness's cpu scenario
// (go run ./bench -only cpu), client side only: Set-Mailbox with an empty
// result, and Get-Mailbox -Identity selecting two properties, each with the
// runner's per-call timeout and retries.
func BenchmarkInvokeBench(b *testing.B) {
	retries := 3
	for _, bc := range []struct {
		name string
		req  Request
	}{
		{"write", Request{Cmdlet: "Set-Mailbox", Parameters: map[string]any{"Identity": "user42@contoso.onmicrosoft.com", "RetainDeletedItemsFor": "30.00:00:00"}}},
		{"read", Request{Cmdlet: "Get-Mailbox", Parameters: map[string]any{"Identity": "user42@contoso.onmicrosoft.com"},
			Select: []string{"DisplayName", "RetainDeletedItemsFor"}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := New(Options{HTTPClient: &http.Client{Transport: newMemTransport(0, 1)}})
			ep := &Endpoint{BaseURL: "https://bench.example.com", Tenant: "contoso.onmicrosoft.com", Tokens: staticTokens{}, Limiter: nopLimiter{}}
			req := bc.req
			req.Retries, req.Timeout = &retries, 15*time.Minute
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			objs := 0
			emit := func(json.RawMessage) error { objs++; return nil }
			b.ReportAllocs()
			start := cpuTime()
			b.ResetTimer()
			for b.Loop() {
				if _, err := c.Invoke(ctx, ep, req, emit); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-µs/op")
			if bc.name == "read" && objs == 0 {
				b.Fatal("no object read")
			}
		})
	}
}

// BenchmarkStream streams Get-Mailbox results of n objects (pages of 1000)
// and reports per-object cost and the peak heap seen while streaming, to
// show it stays flat whatever n is.
func BenchmarkStream(b *testing.B) {
	for _, n := range []int{20_000, 200_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			c := New(Options{HTTPClient: &http.Client{Transport: newMemTransport(n, 1000)}})
			ep := &Endpoint{BaseURL: "https://bench.example.com", Tenant: "t", Tokens: staticTokens{}}
			req := Request{Cmdlet: "Get-Mailbox", Parameters: map[string]any{"ResultSize": "Unlimited"}}
			var peak uint64
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			base := ms.HeapInuse
			var mallocs uint64
			b.ReportAllocs()
			start := cpuTime()
			b.ResetTimer()
			for b.Loop() {
				runtime.ReadMemStats(&ms)
				m0 := ms.Mallocs
				count := 0
				st, err := c.Invoke(context.Background(), ep, req, func(o json.RawMessage) error {
					count++
					if count%20_000 == 0 {
						runtime.ReadMemStats(&ms)
						peak = max(peak, ms.HeapInuse)
					}
					return nil
				})
				if err != nil || st.Objects != n {
					b.Fatalf("%v %d", err, st.Objects)
				}
				runtime.ReadMemStats(&ms)
				mallocs += ms.Mallocs - m0
			}
			b.StopTimer()
			objs := float64(b.N) * float64(n)
			b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/objs, "cpu-ns/object")
			b.ReportMetric(float64(mallocs)/objs, "allocs/object")
			b.ReportMetric(float64(int64(peak)-int64(base))/(1<<20), "peak-heap-MiB")
		})
	}
}
