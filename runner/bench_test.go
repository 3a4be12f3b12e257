package runner_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/results"
	"github.com/exoplay/exoplay/runner"
)

// BenchmarkSchedulerEfficiency is issue #5's scheduler figure: 50 tenants ×
// 600 foreach writes at 10 ms latency under a cap of 3. The writes are
// Set-OrganizationConfig, so the emulator's identity lookups stay out of
// the figure. The ideal makespan
// is ⌈600/3⌉ × 10 ms = 2 s (tenants in parallel); the benchmark reports the
// foreach phase's makespan over that, the whole run's (sign-in and the list
// read included), and the CPU the process spent per 10,000 calls (client
// and in-process emulator together, so an upper bound for the client).
//
//	go test -run '^$' -bench SchedulerEfficiency -benchtime 1x ./runner
func BenchmarkSchedulerEfficiency(b *testing.B) {
	// One tenant shows the scheduler's own overhead; fifty add the CPU of
	// 30,000 TLS calls on both sides, which a 2-core machine runs short of.
	for _, tenants := range []int{1, 50} {
		b.Run(fmt.Sprintf("tenants=%d", tenants), func(b *testing.B) { schedulerEfficiency(b, tenants) })
	}
}

func schedulerEfficiency(b *testing.B, tenants int) {
	const items = 600
	latency := 10 * time.Millisecond
	specs := make([]emulator.TenantSpec, tenants)
	var yaml strings.Builder
	yaml.WriteString("version: 1\nname: bench\nsettings: {max_parallel_tenants: 50}\ntenants:\n")
	for i := range specs {
		specs[i] = emulator.TenantSpec{Domain: fmt.Sprintf("t%02d.onmicrosoft.com", i), Mailboxes: 5}
		fmt.Fprintf(&yaml, "  - {name: t%02d, organization: t%02d.onmicrosoft.com, environment: Emulator}\n", i, i)
	}
	yaml.WriteString(`steps:
  - {name: Read, id: read, cmdlet: Get-OrganizationConfig, select: [Name]}
  - name: Write
    id: write
    cmdlet: Set-OrganizationConfig
    foreach: "${{ map(1..600, #) }}"
    parameters: {AuditDisabled: false}
`)
	e := startEnv(b, emulator.Options{Tenants: specs, Latency: emulator.LatencySpec{Fixed: latency}}, yaml.String())
	ideal := time.Duration((items+2)/3) * latency
	for b.Loop() {
		var before, after syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &before)
		start := time.Now()
		res, _ := e.run(context.Background(), runner.Options{}, "")
		whole := time.Since(start)
		syscall.Getrusage(syscall.RUSAGE_SELF, &after)
		if res.Summary.ExitCode != 0 {
			b.Fatalf("exit %d", res.Summary.ExitCode)
		}
		var foreach time.Duration
		for _, tr := range res.Tenants {
			s := tr.Steps[1]
			if s.Status != results.StatusChanged && s.Status != results.StatusOK {
				b.Fatalf("%s: %s", tr.Name, s.Status)
			}
			foreach = max(foreach, time.Duration(s.Duration*float64(time.Second)))
		}
		cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()-before.Utime.Nano()-before.Stime.Nano()) * time.Nanosecond
		calls := res.Summary.Calls
		b.ReportMetric(foreach.Seconds()/ideal.Seconds(), "foreach-makespan/ideal")
		b.ReportMetric(whole.Seconds()/ideal.Seconds(), "run-makespan/ideal")
		b.ReportMetric(cpu.Seconds()*10000/float64(calls), "cpu-s/10k-calls")
		if os.Getenv("BENCH_DEBUG") != "" {
			c := e.emu.Counters()
			for _, tr := range res.Tenants[:min(3, len(res.Tenants))] {
				tc := c.Tenant(tr.Name + ".onmicrosoft.com")
				b.Logf("%s: max in flight %d, requests %d, throttled %d, step %.2fs", tr.Name, tc.MaxInFlight, tc.Requests, tc.Throttled, tr.Steps[1].Duration)
			}
		}
	}
}
