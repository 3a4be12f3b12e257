package main

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/exoplay/exoplay/internal/emulator"
)

// fleetSteps are calls reads of the organization's configuration, one after
// the other: a fleet audit's shape (few calls per tenant), latency-bound.
func fleetSteps(calls int) string {
	var b strings.Builder
	for i := range calls {
		fmt.Fprintf(&b, "  - {name: Org %d, id: org-%d, cmdlet: Get-OrganizationConfig}\n", i+1, i+1)
	}
	return b.String()
}

// fleetScenario runs N tenants × a few calls with latency on both the
// Exchange side and the authority (issue 13 item 7), at each
// max_parallel_tenants of -fleet-parallel. Ideal is the run without
// sign-in: ⌈N/P⌉ turns × calls × latency; each turn that signs in itself
// adds its sign-in round trips (about 3 × the authority latency).
func fleetScenario(ctx context.Context, h *harness, c *config) ([]Figure, error) {
	var figs []Figure
	for _, p := range c.fleetParallel {
		cmd := fmt.Sprintf("go run ./bench -only fleet -fleet-tenants %d -fleet-calls %d -fleet-latency %s -fleet-parallel %d", c.fleetTenants, c.fleetCalls, c.fleetLatency, p)
		e, err := h.startEmulator(emulator.Options{
			Tenants: benchTenants(c.fleetTenants, 1), Seed: 1,
			Latency: emulator.LatencySpec{Fixed: c.fleetLatency}, AuthorityLatency: c.fleetLatency,
		})
		if err != nil {
			return figs, err
		}
		pb, err := h.writePlaybook(playbookSpec{Name: "bench-fleet", Settings: map[string]int{"max_parallel_tenants": p}, Steps: fleetSteps(c.fleetCalls)}, e.emu)
		if err != nil {
			e.emu.Close()
			return figs, err
		}
		label := fmt.Sprintf("fleet-%d", p)
		h.settle(ctx, label)
		h.log("fleet: %d tenants × %d calls at %s, max_parallel_tenants %d", c.fleetTenants, c.fleetCalls, c.fleetLatency, p)
		r, err := h.run(ctx, e, pb, label)
		e.emu.Close()
		if err != nil {
			return figs, err
		}
		if f := r.Results.failed(); len(f) > 0 {
			return figs, fmt.Errorf("fleet: the run did not finish: %s", f[0])
		}
		turns := math.Ceil(float64(c.fleetTenants) / float64(p))
		ideal := time.Duration(turns * float64(c.fleetCalls) * float64(c.fleetLatency))
		figs = append(figs, Figure{
			Scenario: "fleet", Name: fmt.Sprintf("fleet: %d tenants × %d calls at %s, max_parallel_tenants %d: run ÷ ideal", c.fleetTenants, c.fleetCalls, c.fleetLatency, p),
			Value: r.Wall.Seconds() / ideal.Seconds(), Unit: "ratio", Shown: fmt.Sprintf("%.2f (%s wall, ideal %s)", r.Wall.Seconds()/ideal.Seconds(), secs(r.Wall), secs(ideal)),
			Command: cmd,
			Detail: fmt.Sprintf("ideal = ⌈N/P⌉ × calls × latency, sign-in not counted; results duration %.2f s, client CPU %s, peak RSS %s, binary %s",
				r.Results.Summary.DurationSeconds, secs(r.CPU()), mib(r.MaxRSSKiB), h.bin),
		})
	}
	return figs, nil
}
