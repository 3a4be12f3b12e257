package main

import (
	"context"
	"fmt"
	"strings"
	"time"
)

const registerAimKiB = 128 * 1024

// registerSteps registers every mailbox with all its properties (no
// select), then runs a foreach over the register whose when is false for
// every item: what a playbook pays to hold and iterate a large register,
// without the cost of the calls. With writes, the when is true: every
// item is a Set-Mailbox.
func registerSteps(writes bool) string {
	when := `${{ item.RetainDeletedItemsFor == "never" }}`
	if writes {
		when = `${{ item.Identity != "" }}`
	}
	return `  - name: Mailboxes
    id: mailboxes
    cmdlet: Get-Mailbox
    parameters: {ResultSize: Unlimited}
    register: mbx
  - name: Iterate
    id: iterate
    cmdlet: Set-Mailbox
    foreach: ${{ mbx }}
    when: '` + when + `'
    parameters: {Identity: "${{ item.Identity }}", RetainDeletedItemsFor: "30.00:00:00"}
`
}

// registerScenario measures the child's peak RSS registering and iterating
// N full mailboxes (issue 13 item 5), and the client CPU per foreach write
// over a large register against a small one.
func registerScenario(ctx context.Context, h *harness, c *config) ([]Figure, error) {
	figs, err := peakSweep{
		scenario: "register", doing: "registering and iterating", step: "mailboxes", done: "objects registered in",
		aim: "< 128 MiB", aimKiB: registerAimKiB,
		cmd:     fmt.Sprintf("go run ./bench -only register -register-sizes %s -register-mib %d", joinInts(c.registerSizes), c.registerMiB),
		measure: func(n int) (*childResult, error) { return measureRegister(ctx, h, c, n, false) },
	}.run(c.registerSizes)
	if err != nil || len(c.registerWrites) == 0 {
		return figs, err
	}
	wcmd := fmt.Sprintf("go run ./bench -only register -register-writes %s -register-mib %d", joinInts(c.registerWrites), c.registerMiB)
	for _, n := range c.registerWrites {
		small, err := measureRegister(ctx, h, c, n, true)
		if err != nil {
			return figs, err
		}
		per := small.CPU() / time.Duration(n)
		figs = append(figs, Figure{
			Scenario: "register", Name: fmt.Sprintf("register: client CPU per foreach write over %s registered mailboxes", thousands(n)),
			Value: per.Seconds() * 1000, Unit: "ms", Shown: fmt.Sprintf("%.3f ms", per.Seconds()*1000), Command: wcmd,
			Detail: fmt.Sprintf("peak RSS %s, wall %s, client CPU %s (start-up, sign-in and the listing included)", mib(small.MaxRSSKiB), secs(small.Wall), secs(small.CPU())),
		})
	}
	return figs, nil
}

func measureRegister(ctx context.Context, h *harness, c *config, mailboxes int, writes bool) (*childResult, error) {
	e, stop, err := h.startOneTenant(mailboxes)
	if err != nil {
		return nil, err
	}
	defer stop()
	spec := playbookSpec{Name: "bench-register", Steps: registerSteps(writes)}
	if c.registerMiB >= 0 {
		spec.Settings = map[string]int{"register_memory_mib": c.registerMiB}
	}
	pb, err := h.writePlaybook(spec, e.emu)
	if err != nil {
		return nil, err
	}
	label := fmt.Sprintf("register-%d", mailboxes)
	if writes {
		label += "-writes"
	}
	h.settle(ctx, label)
	h.log("register: %d mailboxes (writes %v)", mailboxes, writes)
	r, err := h.run(ctx, e, pb, label)
	if err != nil {
		return nil, err
	}
	if got := r.Results.stepObjects("mailboxes"); got < mailboxes {
		return nil, fmt.Errorf("register: the listing returned %d objects, want at least %d", got, mailboxes)
	}
	for _, f := range r.Results.failed() {
		if !writes && strings.HasSuffix(f, "/iterate: skipped") {
			continue // when is false for every item, by design
		}
		return nil, fmt.Errorf("register: the run did not finish: %s", f)
	}
	return r, nil
}
