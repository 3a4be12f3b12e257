package runner_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
	"github.com/exoplay/exoplay/runner"
)

// Waivers against an injected clock: a matching unexpired waiver turns a
// fail into waived, one expiring within 30 days is flagged, an expired one
// leaves the fail with a warning, and an unused one is reported.
func TestWaiversWithAnInjectedClock(t *testing.T) {
	yaml := `version: 1
name: waivers
tenants:
  - {name: contoso, organization: contoso.onmicrosoft.com, environment: Emulator}
  - {name: fabrikam, organization: fabrikam.onmicrosoft.com, environment: Emulator}
  - {name: tailspin, organization: tailspin.onmicrosoft.com, environment: Emulator}
steps:
  - cmdlet: Get-RemoteDomain
    assert:
      - id: NEVER
        severity: low
        expect: {each: "${{ .Name == 'no such domain' }}"}
      - id: ALWAYS
        severity: high
        expect: {each: "${{ .Name != '' }}"}
waivers:
  - {id: W-ok, controls: NEVER, tenants: [contoso], reason: accepted, owner: jane, ticket: T-1, expires: 2026-12-31}
  - {id: W-old, controls: [NEVER], tenants: [tailspin], reason: was accepted, owner: joe, expires: 2026-08-01}
  - {id: W-soon, controls: ["NEV*"], tenants: [fab*], reason: accepted until the migration, owner: ann, expires: 2026-09-15}
  - {id: W-unused, controls: NEVER, tenants: [nobody], reason: stale, owner: bob, expires: 2027-01-01}
`
	tenants := []emulator.TenantSpec{{Domain: "contoso"}, {Domain: "fabrikam"}, {Domain: "tailspin"}}
	e := startEnv(t, emulator.Options{Tenants: tenants}, yaml)
	now := func() time.Time { return time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC) }
	res, _ := e.run(context.Background(), runner.Options{Now: now}, "")

	verdict := func(tenant, id string) results.Assertion {
		for _, a := range stepOf(t, tenantOf(t, res, tenant), "get-remotedomain").Assertions {
			if a.ID == id {
				return a
			}
		}
		t.Fatalf("%s has no assertion %s", tenant, id)
		return results.Assertion{}
	}
	if v := verdict("contoso", "NEVER"); v.Result != results.ResultWaived || v.Waiver == nil || v.Waiver.ID != "W-ok" || v.Waiver.Owner != "jane" || v.Waiver.Ticket != "T-1" || v.Waiver.ExpiringSoon || !v.Passed {
		t.Errorf("contoso: %+v, want waived by W-ok", v)
	}
	v := verdict("fabrikam", "NEVER")
	if v.Result != results.ResultWaived || v.Waiver == nil || v.Waiver.ID != "W-soon" || !v.Waiver.ExpiringSoon {
		t.Errorf("fabrikam: %+v, want waived by W-soon, flagged as expiring", v)
	}
	if w := stepOf(t, tenantOf(t, res, "fabrikam"), "get-remotedomain").Warnings; !slices.ContainsFunc(w, func(s string) bool { return strings.Contains(s, "W-soon") && strings.Contains(s, "2026-09-15") }) {
		t.Errorf("fabrikam warnings %v lack the expiring waiver", w)
	}
	v = verdict("tailspin", "NEVER")
	if v.Result != results.ResultFail || v.Passed || v.Waiver == nil || v.Waiver.ID != "W-old" || !v.Waiver.Expired || len(v.Failing) == 0 {
		t.Errorf("tailspin: %+v, want a fail naming the expired W-old and the failing objects", v)
	}
	if w := stepOf(t, tenantOf(t, res, "tailspin"), "get-remotedomain").Warnings; !slices.ContainsFunc(w, func(s string) bool { return strings.Contains(s, "W-old") && strings.Contains(s, "expired") }) {
		t.Errorf("tailspin warnings %v lack the expired waiver", w)
	}
	if v := verdict("tailspin", "ALWAYS"); v.Result != results.ResultPass || v.Waiver != nil {
		t.Errorf("a passing control is never waived: %+v", v)
	}
	use := map[string]results.WaiverUse{}
	for _, w := range res.Waivers {
		use[w.ID] = w
	}
	if use["W-ok"].Applied != 1 || use["W-soon"].Applied != 1 || use["W-old"].Applied != 0 || use["W-old"].Matched != 1 || !use["W-old"].Expired ||
		use["W-unused"].Applied != 0 || use["W-unused"].Matched != 0 || len(res.Waivers) != 4 {
		t.Errorf("waiver use = %+v", res.Waivers)
	}
	a := res.Summary.Assertions
	if a.Passed != 3 || a.Failed != 1 || a.Waived != 2 || res.Summary.ExitCode != results.ExitNonCompliant {
		t.Errorf("summary %+v exit %d, want 3 pass, 1 fail, 2 waived, exit 3", a, res.Summary.ExitCode)
	}

	// --fail-on high: the remaining fail is low, so the run is compliant.
	res, _ = e.run(context.Background(), runner.Options{Now: now, FailOn: "high"}, "")
	if res.Summary.ExitCode != results.ExitOK || res.Run.FailOn != "high" {
		t.Errorf("with fail_on high: exit %d (fail_on %q), want 0", res.Summary.ExitCode, res.Run.FailOn)
	}
	// A month later W-ok still holds but W-soon has expired too.
	later := func() time.Time { return time.Date(2026, 9, 16, 0, 0, 0, 0, time.UTC) }
	res, _ = e.run(context.Background(), runner.Options{Now: later}, "")
	if a := res.Summary.Assertions; a.Waived != 1 || a.Failed != 2 {
		t.Errorf("after 2026-09-15: %+v, want 1 waived and 2 failed", a)
	}
}

func TestSeveritiesAgree(t *testing.T) {
	if !slices.Equal(results.SeverityOrder(), playbook.Severities) {
		t.Fatalf("results' severity order %v differs from playbook.Severities %v", results.SeverityOrder(), playbook.Severities)
	}
}

// error (the tool could not decide) is kept apart from fail: a failed read,
// a condition over a property no object has; not_applicable comes from
// applies_when or a step whose when is false; manual needs no read.
func TestVerdictVocabulary(t *testing.T) {
	yaml := `version: 1
name: vocab
vars: {licensed: false}
tenants:
  - {name: contoso, organization: contoso.onmicrosoft.com, environment: Emulator}
steps:
  - cmdlet: Get-Mailbox
    id: missing
    parameters: {Identity: nobody-here}
    continue_on_error: true
    assert:
      - {id: READ-FAILED, expect: {each: "${{ .Name != '' }}"}}
  - cmdlet: Get-RemoteDomain
    id: domains
    assert:
      - {id: TYPO, expect: {each: "${{ .AutoForwardEnabld == false }}"}}
      - {id: GATED, applies_when: "${{ licensed }}", expect: {each: "${{ .Name == 'x' }}"}}
      - {id: BY-HAND, manual: checked in the portal}
      - {id: COUNTED, expect: {count: "${{ .DomainName == '*' }}", min: 1, max: 1}}
  - cmdlet: Get-TransportConfig
    id: skipped
    when: ${{ licensed }}
    assert:
      - {id: SKIPPED, expect: {each: "${{ .SmtpClientAuthenticationDisabled }}"}}
`
	e := startEnv(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso"}}}, yaml)
	res, _ := e.run(context.Background(), runner.Options{}, "")
	tr := tenantOf(t, res, "contoso")
	got := map[string]results.Assertion{}
	for _, st := range tr.Steps {
		for _, a := range st.Assertions {
			got[a.ID] = a
		}
	}
	for id, want := range map[string]string{"READ-FAILED": "error", "TYPO": "error", "GATED": "not_applicable", "BY-HAND": "manual", "COUNTED": "pass", "SKIPPED": "not_applicable"} {
		if got[id].Result != want {
			t.Errorf("%s = %s (%s), want %s", id, got[id].Result, got[id].Reason, want)
		}
	}
	if r := got["READ-FAILED"].Reason; !strings.Contains(r, "the step failed") || !strings.Contains(r, "nobody-here") {
		t.Errorf("READ-FAILED reason %q", r)
	}
	if r := got["TYPO"].Reason; !strings.Contains(r, `"AutoForwardEnabld" is in none of the`) {
		t.Errorf("TYPO reason %q", r)
	}
	if got["TYPO"].Passed || !got["GATED"].Passed {
		t.Error("passed must be false exactly for fail and error")
	}
	// The broken control did not stop the step or the ones after it.
	if st := stepOf(t, tr, "domains"); st.Status != results.StatusOK {
		t.Errorf("domains step is %s", st.Status)
	}
	a := res.Summary.Assertions
	if a.Errors != 2 || a.NotApplicable != 2 || a.Manual != 1 || a.Passed != 1 || a.Failed != 0 || res.Summary.ExitCode != results.ExitStepFailed {
		t.Errorf("summary %+v exit %d", a, res.Summary.ExitCode)
	}
}

// Controls of steps that never ran, because an earlier step failed, are
// error (manual ones stay manual), so a per-control view still counts the
// tenant.
func TestControlsOfStepsNotRunAreUndecided(t *testing.T) {
	yaml := `version: 1
name: undecided
tenants:
  - {name: contoso, organization: contoso.onmicrosoft.com, environment: Emulator}
steps:
  - {cmdlet: Get-Mailbox, id: missing, parameters: {Identity: nobody-here}}
  - cmdlet: Get-RemoteDomain
    id: after
    assert:
      - {id: LATER, title: Later control, expect: {each: "${{ .Name != '' }}"}}
      - {id: BY-HAND, manual: checked in the portal}
`
	e := startEnv(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso"}}}, yaml)
	res, _ := e.run(context.Background(), runner.Options{}, "")
	a := stepOf(t, tenantOf(t, res, "contoso"), "after").Assertions
	if len(a) != 2 || a[0].Result != results.ResultError || !strings.Contains(a[0].Reason, "not run: step missing failed") || a[0].Title != "Later control" ||
		a[1].Result != results.ResultManual {
		t.Fatalf("assertions = %+v", a)
	}
}
