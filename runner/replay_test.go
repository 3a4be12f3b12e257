package runner_test

import (
	"context"
	"testing"

	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/results"
	"github.com/exoplay/exoplay/runner"
)

// Resume and transport's retries ask one rule (cmdlet.Replayable), which
// reads the parameters too: a Set- that adds to a multi-valued property is
// not sent again after an interruption left its outcome unknown, while a
// Set- that states a whole value is.
func TestResumeDoesNotRepeatAnUnconfirmedSetWithAdd(t *testing.T) {
	t.Parallel()
	e := startEnv(t, emulator.Options{}, `version: 1
name: unconfirmed-add
`+tenantsYAML+`steps:
  - name: One mailbox
    id: one
    cmdlet: Get-Mailbox
    parameters: {ResultSize: 1}
    select: [Identity]
    register: mbx
  - name: Hide
    id: hide
    cmdlet: Set-Mailbox
    parameters: {Identity: "${{ mbx[0].Identity }}", HiddenFromAddressListsEnabled: true}
  - name: Add an address
    id: add-address
    cmdlet: Set-Mailbox
    parameters:
      Identity: "${{ mbx[0].Identity }}"
      EmailAddresses: {Add: "smtp:extra.${{ tenant.name }}@${{ tenant.organization }}"}
`)
	drain := make(chan struct{})
	close(drain) // interrupted before anything started
	res, rd := e.run(context.Background(), runner.Options{Drain: drain}, "")
	if res.Summary.ExitCode != results.ExitInterrupted {
		t.Fatalf("exit %d", res.Summary.ExitCode)
	}
	// The process died after journaling both of contoso's writes as sent.
	for _, step := range []string{"hide", "add-address"} {
		if err := rd.Journal().Record(results.Event{Type: results.EventCellSent, Tenant: "contoso", Step: step}); err != nil {
			t.Fatal(err)
		}
	}
	rd.Close()
	res, _ = e.run(context.Background(), runner.Options{}, rd.Path())
	con := tenantOf(t, res, "contoso")
	if s := stepOf(t, con, "add-address"); s.Status != results.StatusFailed || s.Error == nil || s.Error.Code != "outcome_unknown" {
		t.Fatalf("contoso add-address: %s %+v, want failed with outcome_unknown", s.Status, s.Error)
	}
	if s := stepOf(t, con, "hide"); s.Status != results.StatusChanged {
		t.Fatalf("contoso hide: %s %+v, want changed (a whole value is safe to send again)", s.Status, s.Error)
	}
	if s := stepOf(t, tenantOf(t, res, "fabrikam"), "add-address"); s.Status != results.StatusChanged {
		t.Fatalf("fabrikam add-address: %s %+v", s.Status, s.Error)
	}
	c := e.emu.Counters()
	if n := c.Tenant("contoso.onmicrosoft.com").Calls("Set-Mailbox"); n != 1 {
		t.Errorf("contoso: Set-Mailbox sent %d times on resume, want 1 (hide only)", n)
	}
	if n := c.Tenant("fabrikam.onmicrosoft.com").Calls("Set-Mailbox"); n != 2 {
		t.Errorf("fabrikam: Set-Mailbox sent %d times, want 2", n)
	}
}
