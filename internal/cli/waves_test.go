package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/internal/emulator"
)

// TestRolloutStopsAtAFailingWave: six organizations, a canary and waves
// [1, 50%, 100%]; the emulator fails the write in t2 and t3, so wave 2
// fails 2 of 2 tenants, above max_fail_ratio 0.3: the run stops (exit 1),
// the third wave sends nothing and is incomplete, and --resume (the fault
// gone) runs exactly it. plan shows the waves.
func TestRolloutStopsAtAFailingWave(t *testing.T) {
	var specs []emulator.TenantSpec
	for i := 1; i <= 6; i++ {
		specs = append(specs, emulator.TenantSpec{Domain: fmt.Sprintf("t%d.onmicrosoft.com", i)})
	}
	emu, ca := startEmulator(t, emulator.Options{Tenants: specs})
	var rules []emulator.FaultRule
	for _, d := range []string{"t2.onmicrosoft.com", "t3.onmicrosoft.com"} {
		rules = append(rules, emulator.FaultRule{Kind: "500", Probability: 1, Tenant: d, Cmdlet: "Set-OrganizationConfig"})
	}
	if err := emu.SetFaults(emulator.FaultSpec{Rules: rules}); err != nil {
		t.Fatal(err)
	}
	pb := remotePlaybook(t, emu, `  - id: modern-auth
    cmdlet: Set-OrganizationConfig
    parameters: {OAuth2ClientProfileEnabled: false}
settings:
  retries: 0
  rollout: {canary: t1, waves: [1, 50%, 100%], max_fail_ratio: 0.3, pause: 0s}
`)
	writes := func() map[string]int {
		m := map[string]int{}
		for _, tc := range emu.Counters().Tenants {
			m[strings.TrimSuffix(tc.Domain, ".onmicrosoft.com")] = len(tc.Writes)
		}
		return m
	}

	code, stdout, stderr := runMain(t, "plan", pb, "--format", "json")
	if code != ExitOK {
		t.Fatalf("plan: exit %d\n%s", code, stderr)
	}
	var plan struct{ Rollout planRollout }
	if err := json.Unmarshal([]byte(stdout), &plan); err != nil {
		t.Fatal(err)
	}
	var shown []string
	for _, w := range plan.Rollout.Waves {
		shown = append(shown, w.Name+"="+strings.Join(w.Tenants, ","))
	}
	if got := strings.Join(shown, " "); got != "canary=t1 wave 2=t2,t3 wave 3=t4,t5,t6" {
		t.Errorf("plan waves: %s", got)
	}
	if _, text, _ := runMain(t, "plan", pb); !strings.Contains(text, "Rollout: 3 waves") || !strings.Contains(text, "wave 3") {
		t.Errorf("plan text shows no waves:\n%s", text)
	}

	out := t.TempDir()
	code, stdout, stderr = runMain(t, "run", pb, "--ca-file", ca, "--out", out, "--format", "json", "--progress", "none")
	if code != ExitStepFailed {
		t.Fatalf("run: exit %d, want 1\n%s", code, stderr)
	}
	st := tenantStatuses(t, stdout)
	for name, want := range map[string]string{"t1": "changed", "t2": "failed", "t3": "failed", "t4": "incomplete", "t5": "incomplete", "t6": "incomplete"} {
		if !strings.HasPrefix(st[name], want) {
			t.Errorf("%s: %s, want %s", name, st[name], want)
		}
	}
	if !strings.Contains(stdout, "wave 2 failed 2 of 2 tenants, above max_fail_ratio 0.3") {
		t.Errorf("the incomplete tenants do not say why\n%s", stdout)
	}
	if w := writes(); w["t1"] != 1 || w["t4"]+w["t5"]+w["t6"] != 0 {
		t.Fatalf("writes applied %v: want t1's and none of wave 3", w)
	}

	// Fixed: the resume runs the third wave (the failed tenants stay
	// failed: they finished).
	if err := emu.SetFaults(emulator.FaultSpec{}); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runMain(t, "run", pb, "--ca-file", ca, "--resume", onlyRunDir(t, out), "--format", "json", "--progress", "none")
	st = tenantStatuses(t, stdout)
	if code != ExitStepFailed || st["t4"] != "changed" || st["t5"] != "changed" || st["t6"] != "changed" || !strings.HasPrefix(st["t2"], "failed") {
		t.Errorf("resume: exit %d, statuses %v\n%s", code, st, stderr)
	}
	if w := writes(); w["t1"] != 1 || w["t4"] != 1 || w["t5"] != 1 || w["t6"] != 1 {
		t.Errorf("writes after the resume %v: want one each in t1, t4, t5, t6", w)
	}
}
