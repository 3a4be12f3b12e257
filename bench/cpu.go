package main

import (
	"context"
	"fmt"
)

// cpuScenario runs ~10,000 foreach calls, writes then reads, and divides the
// child's CPU time (user + system, from its rusage) by the calls the
// emulator counted. Writes cost more: each is journaled durably (fsync)
// before it is sent.
func cpuScenario(ctx context.Context, h *harness, c *config) ([]Figure, error) {
	cmd := fmt.Sprintf("go run ./bench -only cpu -cpu-tenants %d -cpu-mailboxes %d -latency %s -cap %d", c.cpuTenants, c.cpuMailboxes, c.latency, c.cap)
	var figs []Figure
	for _, reads := range []bool{false, true} {
		name, what := "cpu", "writes"
		if reads {
			name, what = "cpu-reads", "reads"
		}
		r, err := measureSched(ctx, h, schedRun{tenants: c.cpuTenants, mailboxes: c.cpuMailboxes, latency: c.latency, cap: c.cap, reads: reads}, name)
		if err != nil {
			return figs, fmt.Errorf("%s: %w", name, err)
		}
		v := per10k(r.child.CPU(), r.calls)
		figs = append(figs, Figure{
			Scenario: "cpu", Name: "cpu: client CPU per 10,000 cmdlet calls (foreach " + what + ")", Value: v, Unit: "s",
			Shown: fmt.Sprintf("%.3f s", v), Aim: "≤ 0.5 s", Met: boolPtr(v <= 0.5), Command: cmd,
			Detail: fmt.Sprintf("user %s + sys %s over %d calls (%d tenants × (1 list + %d %s)), wall %s, peak RSS %s; other processes %s of the machine",
				secs(r.child.User), secs(r.child.Sys), r.calls, r.tenants, r.mailboxes, what, secs(r.child.Wall), mib(r.child.MaxRSSKiB), others(r.child)),
		})
	}
	// The same writes from a minimal Go client in its own process.
	f, err := measureFloor(ctx, h, c.cpuTenants, c.cpuMailboxes, c.latency, c.cap)
	if err != nil {
		return figs, err
	}
	v := per10k(f.child.CPU(), f.calls)
	figs = append(figs, Figure{
		Scenario: "cpu", Name: "cpu: floor — minimal Go client CPU per 10,000 writes", Value: v, Unit: "s",
		Shown: fmt.Sprintf("%.3f s", v), Command: cmd,
		Detail: fmt.Sprintf("user %s + sys %s over %d calls: TLS + HTTP/1.1 + JSON and nothing else, on this machine; other processes %s of the machine",
			secs(f.child.User), secs(f.child.Sys), f.calls, others(f.child)),
	})
	return figs, nil
}
