package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/internal/emulator"
)

// TestReviewedPlanIsEnforced: with require_plan_over 1, a run writing to
// two tenants needs --plan; a plan reviewed with `plan --out` runs; a
// changed playbook or another selection is refused (exit 2) and sends
// nothing.
func TestReviewedPlanIsEnforced(t *testing.T) {
	emu, ca := startEmulator(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com"}, {Domain: "fabrikam.onmicrosoft.com"}}})
	pb := remotePlaybook(t, emu, `  - id: rule
    cmdlet: New-TransportRule
    parameters: {Name: reviewed, SentToScope: NotInOrganization, SetSCL: 9}
settings: {require_plan_over: 1}
`)
	writes := func() int {
		n := 0
		for _, tc := range emu.Counters().Tenants {
			n += len(tc.Writes)
		}
		return n
	}
	run := func(args ...string) (int, string) {
		code, _, stderr := runMain(t, append([]string{"run", pb, "--ca-file", ca, "--out", t.TempDir(), "--progress", "none"}, args...)...)
		return code, stderr
	}

	if code, stderr := run(); code != ExitInvalid || !strings.Contains(stderr, "require_plan_over 1") || writes() != 0 {
		t.Fatalf("without --plan: exit %d, %d writes\n%s", code, writes(), stderr)
	}
	// --check sends no write: no plan needed.
	if code, stderr := run("--check"); code != ExitOK {
		t.Fatalf("--check: exit %d\n%s", code, stderr)
	}

	plan := filepath.Join(t.TempDir(), "plan.json")
	if code, _, stderr := runMain(t, "plan", pb, "--out", plan); code != ExitOK {
		t.Fatalf("plan --out: exit %d\n%s", code, stderr)
	}
	b, err := os.ReadFile(plan)
	if err != nil || !strings.Contains(string(b), `"format": "exoplay-plan/1"`) || !strings.Contains(string(b), "fabrikam") {
		t.Fatalf("plan file: %v\n%s", err, b)
	}

	// Another selection than the reviewed one.
	if code, stderr := run("--plan", plan, "--limit", "contoso"); code != ExitInvalid || !strings.Contains(stderr, "--limit") || writes() != 0 {
		t.Errorf("--limit against the plan: exit %d, %d writes\n%s", code, writes(), stderr)
	}
	// A changed playbook.
	orig, _ := os.ReadFile(pb)
	os.WriteFile(pb, append(append([]byte{}, orig...), "# edited after review\n"...), 0o600)
	if code, stderr := run("--plan", plan); code != ExitInvalid || !strings.Contains(stderr, "playbook") || !strings.Contains(stderr, "changed") || writes() != 0 {
		t.Errorf("changed playbook: exit %d, %d writes\n%s", code, writes(), stderr)
	}
	os.WriteFile(pb, orig, 0o600)

	// As reviewed: it runs.
	dir := filepath.Join(t.TempDir(), "reviewed-run")
	if code, stderr := run("--plan", plan, "--run-dir", dir); code != ExitOK || writes() != 2 {
		t.Fatalf("as reviewed: exit %d, %d writes\n%s", code, writes(), stderr)
	}
	// A resume would send unfinished writes unchecked against the plan: refused,
	// with or without --plan given again.
	resume := func(args ...string) (int, string) {
		code, _, stderr := runMain(t, append([]string{"run", pb, "--resume", dir, "--ca-file", ca, "--progress", "none"}, args...)...)
		return code, stderr
	}
	if code, stderr := resume(); code != ExitInvalid || !strings.Contains(stderr, "reviewed plan") || writes() != 2 {
		t.Errorf("resume of a --plan run: exit %d, %d writes\n%s", code, writes(), stderr)
	}
	if code, stderr := resume("--plan", plan); code != ExitInvalid || !strings.Contains(stderr, "--plan does not go with a resume") || writes() != 2 {
		t.Errorf("--resume with --plan: exit %d, %d writes\n%s", code, writes(), stderr)
	}
	// Not a plan file.
	if code, stderr := run("--plan", pb); code != ExitInvalid || !strings.Contains(stderr, "not a plan") {
		t.Errorf("--plan PLAYBOOK: exit %d\n%s", code, stderr)
	}
}
