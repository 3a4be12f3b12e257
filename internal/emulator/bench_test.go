package emulator_test

import (
	"io"
	"net/http"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/exoplay/exoplay/internal/emulator"
)

// BenchmarkInvokeCommand measures trivial InvokeCommand calls
// (Get-AcceptedDomain) over loopback TLS with keep-alive connections and
// parallel clients, zero latency and no concurrency cap: the emulator's own
// cost per call. Reported as calls/s.
func BenchmarkInvokeCommand(b *testing.B) {
	e := start(b, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso"}}, ConcurrencyCap: -1})
	tid := e.Tenants()[0].ID
	tok := token(b, e, tid, exo)
	url := exo + "/adminapi/beta/" + tid + "/InvokeCommand"
	body := cmdlet("Get-AcceptedDomain", "")
	client := e.HTTPClient()
	b.SetParallelism(8)
	cpu0 := cpuTime()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("POST", url, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	// CPU per call (client and server together, this process) stays
	// meaningful when other processes share the cores.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/call")
}

// cpuTime is the user+system CPU time this process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkMailboxPages pages Get-Mailbox -ResultSize Unlimited in pages of
// 1000 over a 200,000-mailbox tenant. Reported as mailboxes/s.
func BenchmarkMailboxPages(b *testing.B) {
	e := start(b, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso", Mailboxes: 200_000}}})
	tid := e.Tenants()[0].ID
	tok := token(b, e, tid, exo)
	body := cmdlet("Get-Mailbox", `{"ResultSize":"Unlimited"}`)
	n := 0
	for b.Loop() {
		url := exo + "/adminapi/beta/" + tid + "/InvokeCommand"
		for page := 0; url != "" && page < 10; page++ { // 10,000 mailboxes per iteration
			a := postRaw(b, e.HTTPClient(), url, tok, body, "Prefer", "odata.maxpagesize=1000")
			if a.status != 200 {
				b.Fatalf("%d %.200s", a.status, a.raw)
			}
			// Count objects without decoding them: the client's JSON work is not the emulator's.
			n += strings.Count(string(a.raw), `"ExchangeObjectId":`)
			url = nextLink(a.raw)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "mailboxes/s")
}

// nextLink finds @odata.nextLink at the end of an envelope.
func nextLink(raw []byte) string {
	const key = `"@odata.nextLink":"`
	i := strings.LastIndex(string(raw), key)
	if i < 0 {
		return ""
	}
	rest := string(raw[i+len(key):])
	return rest[:strings.IndexByte(rest, '"')]
}

// BenchmarkStart200kMailboxes reports the heap a 200,000-mailbox tenant
// costs (live heap after GC, minus an empty emulator's).
func BenchmarkStart200kMailboxes(b *testing.B) {
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	for b.Loop() {
		base := heap()
		e, err := emulator.Start(emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso", Mailboxes: 200_000}}})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(heap()-base)/(1<<20), "MiB-heap")
		e.Close()
	}
}

// BenchmarkCloseWithASpareConnection is Close while a client holds a
// connection it never sent a request on, as a transport's spare dial leaves
// one: net/http alone would wait 5 s before counting it idle.
func BenchmarkCloseWithASpareConnection(b *testing.B) {
	opts := emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso"}}}
	for b.Loop() {
		b.StopTimer()
		e, err := emulator.Start(opts)
		if err != nil {
			b.Fatal(err)
		}
		conn := spareConn(b, e)
		b.StartTimer()
		if err := e.Close(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		conn.Close()
		b.StartTimer()
	}
}
