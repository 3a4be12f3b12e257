package runner_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/runner"
)

// BenchmarkExportMailboxes exports every mailbox of one tenant into its data
// file and reports the peak heap of the process (in-process emulator
// included) — it must not grow with the number of objects beyond the
// emulator's own store.
//
//	go test -run '^$' -bench ExportMailboxes -benchtime 1x ./runner
func BenchmarkExportMailboxes(b *testing.B) {
	for _, n := range []int{20000, 200000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			e := startEnv(b, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com", Mailboxes: n}}}, `version: 1
name: export
tenants:
  - {name: contoso, organization: contoso.onmicrosoft.com, environment: Emulator}
steps:
  - {name: Export, id: export, cmdlet: Get-Mailbox, parameters: {ResultSize: Unlimited}}
`)
			for b.Loop() {
				runtime.GC()
				var base runtime.MemStats
				runtime.ReadMemStats(&base)
				var peak atomic.Uint64
				stop := make(chan struct{})
				done := make(chan struct{})
				go func() {
					defer close(done)
					var m runtime.MemStats
					for {
						runtime.ReadMemStats(&m)
						if m.HeapInuse > peak.Load() {
							peak.Store(m.HeapInuse)
						}
						select {
						case <-stop:
							return
						case <-time.After(20 * time.Millisecond):
						}
					}
				}()
				res, _ := e.run(context.Background(), runner.Options{}, "")
				close(stop)
				<-done
				if got := res.Tenants[0].Steps[0].Output.Objects; got != n {
					b.Fatalf("exported %d objects, want %d", got, n)
				}
				b.ReportMetric(float64(peak.Load()-min(peak.Load(), base.HeapInuse))/(1<<20), "peak-heap-growth-MiB")
				b.ReportMetric(float64(base.HeapInuse)/(1<<20), "heap-before-MiB")
			}
		})
	}
}
