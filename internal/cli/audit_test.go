package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/internal/emulator/directory"
	"github.com/exoplay/exoplay/results"
)

// seededTenants picks n tenant domains of each posture, as the emulator an
// Emulator playbook starts (seed 0) generates them, with their licences.
func seededTenants(t *testing.T, n int) (domains []string, posture map[string]directory.Posture, licenses map[string][]string) {
	t.Helper()
	posture, licenses = map[string]directory.Posture{}, map[string][]string{}
	count := map[directory.Posture]int{}
	store := directory.New(directory.Options{})
	for i := 1; len(domains) < 3*n && i < 500; i++ {
		d := fmt.Sprintf("org%03d.onmicrosoft.com", i)
		tn := store.AddTenant(directory.TenantSpec{Domain: d})
		p := tn.Posture()
		if count[p] == n {
			continue
		}
		count[p]++
		domains = append(domains, d)
		posture[d], licenses[d] = p, tn.Licenses()
	}
	if len(domains) != 3*n {
		t.Fatalf("found only %v", count)
	}
	return domains, posture, licenses
}

// freshPasses are the controls a tenant with the service's defaults passes
// (exchange-audit-controls.md: "Rows that usually pass on a fresh tenant",
// plus the rows the Fresh seed does not break); freshNA need a licence a
// Fresh tenant (EOP only) lacks.
var (
	freshPasses = []string{"EXO-03", "EXO-04", "EXO-07", "EXO-11", "EXO-13", "EXO-15", "EXO-17", "EXO-18", "EXO-26", "EXO-27",
		"EXO-28", "EXO-29", "EXO-30", "EXO-31", "EXO-33", "EXO-39"}
	freshNA = []string{"EXO-19", "EXO-20", "EXO-36", "EXO-37", "EXO-38"}
	// anyForms pass on one matching object: a fail has no object at fault,
	// and says what it saw instead.
	anyForms = []string{"EXO-05", "EXO-19", "EXO-37", "EXO-38", "EXO-40"}
)

// TestAuditTwelveTenantsMatchesTheirPostures is issue 11's done-when: the
// shipped baseline over 12 emulated tenants of mixed postures gives, per
// control, what each tenant was seeded with: every control passes on a
// Hardened tenant and fails on a Risky one with the failing objects named.
func TestAuditTwelveTenantsMatchesTheirPostures(t *testing.T) {
	domains, posture, licenses := seededTenants(t, 4)
	var b strings.Builder
	b.WriteString("version: 1\nname: mixed\ntenants:\n")
	for _, d := range domains {
		lic, _ := json.Marshal(licenses[d])
		fmt.Fprintf(&b, "  - {name: %s, organization: %s, environment: Emulator, groups: [%s], vars: {licenses: %s}}\n",
			strings.TrimSuffix(d, ".onmicrosoft.com"), d, strings.ToLower(posture[d].String()), lic)
	}
	dir := t.TempDir()
	pbPath := filepath.Join(dir, "mixed.yaml")
	if err := os.WriteFile(pbPath, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runMain(t, "audit", pbPath, "--out", filepath.Join(dir, "runs"), "--progress", "none", "--format", "json")
	if code != ExitNonCompliant {
		t.Fatalf("exit %d, want 3\nstderr: %s", code, stderr)
	}
	var res results.Results
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Tenants) != 12 {
		t.Fatalf("%d tenants", len(res.Tenants))
	}
	controls := 0
	for _, tr := range res.Tenants {
		d := tr.Organization
		p := posture[d]
		got := map[string]results.Assertion{}
		for _, st := range tr.Steps {
			if st.Status != results.StatusOK {
				t.Errorf("%s: step %s is %s: %v", tr.Name, st.ID, st.Status, st.Error)
			}
			for _, a := range st.Assertions {
				got[a.ID] = a
			}
		}
		for i := 1; i <= 40; i++ {
			id := fmt.Sprintf("EXO-%02d", i)
			a, ok := got[id]
			if !ok {
				t.Errorf("%s: no result for %s", tr.Name, id)
				continue
			}
			controls++
			want := results.ResultFail
			switch {
			case p == directory.Hardened:
				want = results.ResultPass
			case p == directory.Fresh && slices.Contains(freshPasses, id):
				want = results.ResultPass
			case p == directory.Fresh && slices.Contains(freshNA, id):
				want = results.ResultNotApplicable
			}
			if a.Result != want {
				t.Errorf("%s (%s): %s = %s, want %s (expected %q, actual %q, reason %q, failing %v)", tr.Name, p, id, a.Result, want, a.Expected, a.Actual, a.Reason, a.Failing)
				continue
			}
			if want != results.ResultFail {
				continue
			}
			// A fail says what was expected and what was found, and names
			// the objects at fault with the values the condition read.
			if a.Expected == "" || a.Actual == "" || a.Passed {
				t.Errorf("%s: %s fails without expected/actual: %+v", tr.Name, id, a)
			}
			if slices.Contains(anyForms, id) {
				continue
			}
			if len(a.Failing) == 0 || a.Failing[0].Identity == "" {
				t.Errorf("%s (%s): %s fails without naming the failing objects: %+v", tr.Name, p, id, a)
			} else if id != "EXO-39" && len(a.Failing[0].Values) == 0 {
				t.Errorf("%s: %s names %s without the offending values", tr.Name, id, a.Failing[0].Identity)
			}
		}
		for _, id := range []string{"EXO-SPF", "EXO-DMARC"} {
			if a := got[id]; a.Result != results.ResultManual || a.Reason == "" {
				t.Errorf("%s: %s = %+v, want manual with its reason", tr.Name, id, a)
			}
		}
		if p == directory.Risky {
			// Spot checks that the named objects are the seeded ones.
			if f := got["EXO-03"].Failing; len(f) != 1 || f[0].Identity != "Copy finance mail to archive" || f[0].Values["RedirectMessageTo"] == nil {
				t.Errorf("%s: EXO-03 failing = %+v, want the redirect rule with its RedirectMessageTo", tr.Name, f)
			}
			if f := got["EXO-17"].Failing; len(f) != 1 || f[0].Identity != "svc-archive" || f[0].Values["AuditBypassEnabled"] != true {
				t.Errorf("%s: EXO-17 failing = %+v", tr.Name, f)
			}
			if f := got["EXO-02"].Failing; len(f) != 2 || f[1].Identity != "Sales relay" {
				t.Errorf("%s: EXO-02 failing = %+v, want Default and the custom policy its rule enables", tr.Name, f)
			}
		}
	}
	if controls != 12*40 {
		t.Errorf("%d control results, want 480", controls)
	}
	// One read per cmdlet serves every control that needs it.
	for _, tr := range res.Tenants {
		n := 0
		for _, st := range tr.Steps {
			if st.Cmdlet == "Get-TransportRule" {
				n += st.Attempts.Calls
			}
		}
		if n != 1 {
			t.Errorf("%s: Get-TransportRule called %d times for EXO-03..05, want 1", tr.Name, n)
		}
	}
}

func TestAuditInventoryControlsAndText(t *testing.T) {
	dir := t.TempDir()
	inv := writeTestFile(t, dir, "tenants.csv", "name,organization,environment,vars.licenses\ncontoso,contoso.onmicrosoft.com,Emulator,defender_p1;customer_lockbox\n")
	out := filepath.Join(dir, "runs")
	code, stdout, stderr := runMain(t, "audit", inv, "--out", out, "--progress", "none", "--controls", "MS.EXO.1.1,tag:dns,CIS 6.2.2")
	if code != ExitNonCompliant {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"CONTROL", "EXO-01", "EXO-04", "EXO-SPF", "EXO-DMARC", "contoso: Default", "Non-compliant (exit 3)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "EXO-05") || strings.Contains(stdout, "EXO-40") {
		t.Errorf("controls not selected were run:\n%s", stdout)
	}
	// A selection that names nothing is an error, not an empty audit.
	code, _, stderr = runMain(t, "audit", inv, "--out", out, "--progress", "none", "--controls", "MS.EXO.99.9")
	if code != ExitInvalid || !strings.Contains(stderr, `"MS.EXO.99.9" names no control`) {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
	code, _, stderr = runMain(t, "audit", inv, "--out", out, "--progress", "none", "--fail-on", "severe")
	if code != ExitInvalid || !strings.Contains(stderr, `--fail-on must be info, low, medium, high or critical, not "severe"`) {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
}

func TestBaselineListShowExport(t *testing.T) {
	code, stdout, _ := runMain(t, "baseline", "list")
	if code != 0 || strings.Count(stdout, "\nEXO-") != 42 {
		t.Fatalf("exit %d, list:\n%s", code, stdout)
	}
	code, stdout, _ = runMain(t, "baseline", "show", "MS.EXO.3.1", "--format", "json")
	var docs []controlDoc
	if err := json.Unmarshal([]byte(stdout), &docs); code != 0 || err != nil || len(docs) != 1 {
		t.Fatalf("exit %d, %v: %s", code, err, stdout)
	}
	if d := docs[0]; d.ID != "EXO-10" || !slices.Equal(d.Reads, []string{"Get-DkimSigningConfig", "Get-AcceptedDomain"}) || d.Remediation == "" || d.RemediationURL == "" || d.Rationale == "" {
		t.Errorf("show = %+v", d)
	}
	code, stdout, _ = runMain(t, "baseline", "show", "EXO-02")
	if code != 0 || !strings.Contains(stdout, "reads:        Get-HostedOutboundSpamFilterRule, Get-HostedOutboundSpamFilterPolicy") {
		t.Errorf("show EXO-02:\n%s", stdout)
	}
	// The export is an editable playbook: add a tenant and it validates.
	code, stdout, _ = runMain(t, "baseline", "export")
	if code != 0 {
		t.Fatal(code)
	}
	path := filepath.Join(t.TempDir(), "exo.yaml")
	edited := strings.Replace(stdout, "\nsteps:\n", "\ntenants:\n  - {name: contoso, organization: contoso.onmicrosoft.com, environment: Emulator}\nsteps:\n", 1)
	if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runMain(t, "validate", path); code != 0 {
		t.Errorf("the exported baseline does not validate: %s", stderr)
	}
}

// A user playbook includes the baseline, overrides a threshold with a var,
// selects controls, and waives one in a separate file; validate checks the
// waivers file and names the line of a bad waiver.
func TestIncludeBaselineWithVarsAndWaiversFile(t *testing.T) {
	domains, posture, _ := seededTenants(t, 1)
	var hardened string
	for _, d := range domains {
		if posture[d] == directory.Hardened {
			hardened = d
		}
	}
	dir := t.TempDir()
	pb := filepath.Join(dir, "mine.yaml")
	src := fmt.Sprintf(`version: 1
include: baseline:exo
vars:
  mailtips_large_audience_max: 10
tenants:
  - {name: hard, organization: %s, environment: Emulator, groups: [eu]}
`, hardened)
	if err := os.WriteFile(pb, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	waivers := filepath.Join(dir, "waivers.yaml")
	if err := os.WriteFile(waivers, []byte(`waivers:
  - id: W-1
    controls: [EXO-21]
    groups: [eu]
    reason: the large-audience tip is 25 by policy
    owner: secops@contoso.com
    expires: 2999-12-31
`), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "runs")
	// Without the waiver the lower threshold fails a hardened tenant (its
	// threshold is 25): the var reached the included control.
	code, stdout, stderr := runMain(t, "run", pb, "--out", out, "--progress", "none", "--controls", "EXO-21,EXO-13", "--format", "json")
	if code != ExitNonCompliant {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res results.Results
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	if n := len(res.Tenants[0].Steps); n != 1 {
		t.Errorf("%d steps ran for two org-config controls, want 1", n)
	}
	a := res.Tenants[0].Steps[0].Assertions
	if len(a) != 2 || a[0].ID != "EXO-13" || a[0].Result != results.ResultPass || a[1].ID != "EXO-21" || a[1].Result != results.ResultFail ||
		a[1].Failing[0].Values["MailTipsLargeAudienceThreshold"] != float64(25) {
		t.Fatalf("assertions = %+v", a)
	}
	code, stdout, stderr = runMain(t, "run", pb, "--out", out, "--progress", "none", "--controls", "EXO-21", "--waivers", waivers, "--format", "json")
	if code != 0 {
		t.Fatalf("with the waiver: exit %d: %s", code, stderr)
	}
	res = results.Results{}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	if v := res.Tenants[0].Steps[0].Assertions[0]; v.Result != results.ResultWaived || v.Waiver.Owner != "secops@contoso.com" || len(res.Waivers) != 1 || res.Waivers[0].Applied != 1 {
		t.Errorf("waived = %+v, waivers %+v", v, res.Waivers)
	}
	// The run directory's manifest names the baseline (as include: names
	// it, versioned by the sha256 of its bytes: no file to hash again) and
	// the waivers file, each once.
	m, err := results.ReadManifest(res.Run.Dir)
	if err != nil {
		t.Fatal(err)
	}
	var baselines, waiverFiles []results.ManifestInput
	for _, in := range m.Inputs {
		switch in.Role {
		case "baseline":
			baselines = append(baselines, in)
		case "waivers":
			waiverFiles = append(waiverFiles, in)
		}
	}
	if len(baselines) != 1 || baselines[0].Path != "baseline:exo" || len(baselines[0].Version) != 64 || baselines[0].SHA256 != "" {
		t.Errorf("manifest baseline inputs %+v: want baseline:exo once, versioned by its sha256", baselines)
	}
	if abs, _ := filepath.Abs(waivers); len(waiverFiles) != 1 || waiverFiles[0].Path != abs || len(waiverFiles[0].SHA256) != 64 {
		t.Errorf("manifest waivers inputs %+v: want %s once, with its sha256", waiverFiles, abs)
	}
	// verify finds the run intact, and every input where it was: a
	// built-in baseline is not a file that went missing.
	code, stdout, stderr = runMain(t, "verify", res.Run.Dir)
	if code != ExitOK || strings.Contains(stdout, "note:") || !strings.HasPrefix(stdout, "ok: ") {
		t.Errorf("verify: exit %d\n%s%s", code, stdout, stderr)
	}

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("waivers:\n  - {id: W-2, controls: [EXO-99], scope: all, reason: r, owner: o, expires: 2026-02-30}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runMain(t, "validate", pb, "--waivers", bad)
	for _, want := range []string{bad + `:2:5: waiver W-2: no control "EXO-99" in this playbook`, bad + ":2:77: waiver W-2: expires must be a date"} {
		if code != ExitInvalid || !strings.Contains(stderr, want) {
			t.Errorf("exit %d; stderr lacks %q:\n%s", code, want, stderr)
		}
	}
}

// EXO-37 takes the sensitive users and domains to protect as vars: a
// hardened tenant protects its admin, not a CEO it was never told about.
func TestImpersonationTargetsAreVars(t *testing.T) {
	dir := t.TempDir()
	pb := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(pb, []byte(`version: 1
include: baseline:exo
tenants:
  - {name: litware, organization: litware.onmicrosoft.com, environment: Emulator, vars: {licenses: [defender_p1]}}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	result := func(vars ...string) string {
		args := append([]string{"run", pb, "--out", filepath.Join(dir, "runs"), "--progress", "none", "--controls", "EXO-37", "--format", "json"}, vars...)
		_, stdout, stderr := runMain(t, args...)
		var res results.Results
		if err := json.Unmarshal([]byte(stdout), &res); err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		for _, st := range res.Tenants[0].Steps {
			for _, a := range st.Assertions {
				return a.Result
			}
		}
		return "none"
	}
	if got := result(); got != results.ResultPass {
		t.Errorf("hardened tenant without named targets: %s", got)
	}
	if got := result("--var", "impersonation_users=[ADMIN@litware.com]", "--var", "impersonation_domains=[litware.com]"); got != results.ResultPass {
		t.Errorf("the protected admin and domain: %s", got)
	}
	if got := result("--var", "impersonation_users=[ceo@litware.com]"); got != results.ResultFail {
		t.Errorf("a CEO no policy protects: %s, want fail", got)
	}
}
