package main

import (
	"context"
	"fmt"
)

// cpuScenario runs ~10,000 write calls and divides the child's CPU time
// (user + system, from its rusage) by the calls the emulator counted.
func cpuScenario(ctx context.Context, h *harness, c *config) ([]Figure, error) {
	cmd := fmt.Sprintf("go run ./bench -only cpu -cpu-tenants %d -cpu-mailboxes %d -latency %s -cap %d", c.cpuTenants, c.cpuMailboxes, c.latency, c.cap)
	r, err := measureSched(ctx, h, c.cpuTenants, c.cpuMailboxes, c.latency, c.cap, "cpu")
	if err != nil {
		return nil, err
	}
	v := per10k(r.child.CPU(), r.calls)
	return []Figure{{
		Scenario: "cpu", Name: "cpu: client CPU per 10,000 cmdlet calls", Value: v, Unit: "s",
		Shown: fmt.Sprintf("%.3f s", v), Aim: "≤ 0.5 s", Met: boolPtr(v <= 0.5), Command: cmd,
		Detail: fmt.Sprintf("user %s + sys %s over %d calls (%d tenants × (1 read + %d writes)), wall %s, peak RSS %s",
			secs(r.child.User), secs(r.child.Sys), r.calls, r.tenants, r.mailboxes, secs(r.child.Wall), mib(r.child.MaxRSSKiB)),
	}}, nil
}
