package cli

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/exoplay/exoplay/internal/emulator"
)

// TestPlanAndRunAgree runs `plan` and `run` with the same selection flags
// against the emulator: the tenants and steps the plan lists are exactly
// those the run ran (both come from one runner.Plan).
func TestPlanAndRunAgree(t *testing.T) {
	emu, ca := startEmulator(t, emulator.Options{Tenants: []emulator.TenantSpec{
		{Domain: "contoso.onmicrosoft.com", Mailboxes: 5}, {Domain: "fabrikam.onmicrosoft.com", Mailboxes: 5}, {Domain: "northwind.onmicrosoft.com", Mailboxes: 5}}})
	pb := remotePlaybook(t, emu, `  - {id: org, cmdlet: Get-OrganizationConfig, tags: [audit]}
  - {id: cas, cmdlet: Get-CASMailbox, register: cas}
  - {id: dom, cmdlet: Get-AcceptedDomain, tags: [never]}
  - {id: rd, cmdlet: Get-RemoteDomain, tags: [audit, slow]}
`)
	sel := []string{"--limit", "*,!fabrikam", "--tags", "audit,untagged", "--skip-tags", "slow"}
	code, stdout, stderr := runMain(t, append([]string{"plan", pb, "--format", "json"}, sel...)...)
	if code != ExitOK {
		t.Fatalf("plan: exit %d: %s", code, stderr)
	}
	var doc planDoc
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	planned := map[string][]string{}
	for _, tn := range doc.Tenants {
		for _, st := range tn.Steps {
			planned[tn.Name] = append(planned[tn.Name], st.ID)
		}
	}
	code, stdout, stderr = runMain(t, append([]string{"run", pb, "--format", "json", "--out", t.TempDir(), "--ca-file", ca, "--progress", "none"}, sel...)...)
	if code != ExitOK {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	var res struct {
		Tenants []struct {
			Name  string
			Steps []struct {
				ID       string
				Attempts struct{ Calls int }
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	ran := map[string][]string{}
	for _, tn := range res.Tenants {
		ran[tn.Name] = []string{}
		for _, st := range tn.Steps {
			if st.Attempts.Calls > 0 {
				ran[tn.Name] = append(ran[tn.Name], st.ID)
			}
		}
	}
	if len(planned) != 2 || !slices.Equal(planned["contoso"], []string{"org", "cas"}) {
		t.Fatalf("plan = %v, want contoso and northwind with [org cas]", planned)
	}
	for name, steps := range planned {
		if !slices.Equal(ran[name], steps) {
			t.Errorf("%s: plan lists %v, the run ran %v", name, steps, ran[name])
		}
	}
	if len(ran) != len(planned) {
		t.Errorf("run covered tenants %v, plan %v", ran, planned)
	}
}
