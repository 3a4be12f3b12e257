package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// emulatorPlaybook writes a playbook of two tenants in the built-in
// Emulator environment (contoso in groups eu+pilot, fabrikam in us) with
// the given top-level text (vars:, steps:) after the tenants.
func emulatorPlaybook(t *testing.T, rest string) string {
	t.Helper()
	body := `version: 1
name: guard
tenants:
  - name: contoso
    organization: contoso.onmicrosoft.com
    environment: Emulator
    groups: [eu, pilot]
  - name: fabrikam
    organization: fabrikam.onmicrosoft.com
    environment: Emulator
    groups: [us]
` + rest
	path := filepath.Join(t.TempDir(), "guard.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const orgSteps = `vars:
  desired: true
steps:
  - name: Org
    id: org
    cmdlet: Get-OrganizationConfig
    select: [Name, OAuth2ClientProfileEnabled]
    register: org
  - name: Enable
    id: enable
    cmdlet: Set-OrganizationConfig
    when: ${{ org[0].OAuth2ClientProfileEnabled != desired }}
    parameters: {OAuth2ClientProfileEnabled: "${{ desired }}"}
    tags: [remediate]
`

// runGuard runs `exoplay run` on pb with args; out is the --out folder.
func runGuard(t *testing.T, pb string, args ...string) (code int, stdout, stderr, out string) {
	t.Helper()
	out = t.TempDir()
	code, stdout, stderr = runMain(t, append([]string{"run", pb, "--out", out, "--progress", "none"}, args...)...)
	return code, stdout, stderr, out
}

// TestRunRefusesSelectionTypos: every selection flag that would silently
// widen, empty or ignore part of the run is exit 2 naming the culprit, and
// no run directory is created.
func TestRunRefusesSelectionTypos(t *testing.T) {
	pb := emulatorPlaybook(t, orgSteps)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--limit", "!contosso"}, `--limit element "!contosso": "contosso" matches no tenant name, organization, tenant id or group (did you mean "contoso"?)`},
		{[]string{"--limit", "eu,&pilott"}, `--limit element "&pilott"`},
		{[]string{"--limit", "eu,!contoso"}, `leaves no tenant`},
		{[]string{"--limit", "cont*so,!x*"}, `--limit element "!x*"`},
		{[]string{"--var", "desird=false"}, `--var "desird": no variable of that name`},
		{[]string{"--var", "desird=false"}, `(did you mean "desired"?)`},
		{[]string{"--tags", "remediatee"}, `--tags "remediatee": no step has this tag (did you mean "remediate"?)`},
		{[]string{"--skip-tags", "remedy"}, `--skip-tags "remedy": no step has this tag`},
		{[]string{"--tags", "remediate"}, `step "enable" reads register "org", but step "org" (line 15), which registers it, is not selected by --tags/--skip-tags, so "org" would be empty: add tag "remediate" to step "org", or give it ` + "`tags: [always]`"},
	}
	for _, c := range cases {
		code, _, stderr, out := runGuard(t, pb, c.args...)
		if code != ExitInvalid || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant exit 2 and %q", c.args, code, stderr, c.want)
		}
		if dirs, _ := os.ReadDir(out); len(dirs) != 0 {
			t.Errorf("%v: a refused run created %d run directories", c.args, len(dirs))
		}
	}
	// The same flags are refused by plan, which shares the selection.
	if code, _, stderr := runMain(t, "plan", pb, "--tags", "remediatee"); code != ExitInvalid || !strings.Contains(stderr, "remediatee") {
		t.Errorf("plan --tags remediatee: exit %d\n%s", code, stderr)
	}
	if code, stdout, stderr := runMain(t, "validate", pb, "--var", "desird=false"); code != ExitInvalid || !strings.Contains(stderr, `(did you mean "desired"?)`) {
		t.Errorf("validate --var desird=false: exit %d\n%s%s", code, stdout, stderr)
	}
	// What the messages suggest works: always on the register step.
	fixed := emulatorPlaybook(t, strings.Replace(orgSteps, "    register: org\n", "    register: org\n    tags: [always]\n", 1))
	if code, _, stderr, _ := runGuard(t, fixed, "--tags", "remediate", "--var", "desired=true"); code != ExitOK {
		t.Fatalf("--tags remediate with the register step tagged always: exit %d\n%s", code, stderr)
	}
}

// TestNoTenantIsRefused: a playbook (or an audited inventory) whose
// tenants: and inventory files list no tenant ran nothing and exited 0;
// run, plan, preflight and audit now refuse it (exit 2) before a run
// directory is made. validate still accepts it: a playbook meant only for
// include: has no tenants. An empty shard of a playbook with tenants is
// not this: more shards than tenants is fine.
func TestNoTenantIsRefused(t *testing.T) {
	dir := t.TempDir()
	inv := writeTestFile(t, dir, "none.csv", "name,organization\n")
	pb := writeTestFile(t, dir, "none.yaml", "version: 1\nname: none\ninventory: [none.csv]\nsteps:\n  - {id: org, cmdlet: Get-OrganizationConfig}\n")
	for _, args := range [][]string{{"run", pb}, {"plan", pb}, {"preflight", pb}, {"audit", inv}, {"audit", pb}} {
		out := t.TempDir()
		if args[0] == "run" || args[0] == "audit" {
			args = append(args, "--out", out)
		}
		code, stdout, stderr := runMain(t, args...)
		if code != ExitInvalid || !strings.Contains(stderr, "no tenant to run on") {
			t.Errorf("%v: exit %d, want 2 naming the missing tenants\n%s%s", args, code, stdout, stderr)
		}
		if dirs, _ := os.ReadDir(out); len(dirs) != 0 {
			t.Errorf("%v: a refused run created %d run directories", args, len(dirs))
		}
	}
	if code, _, stderr := runMain(t, "validate", pb); code != ExitOK {
		t.Errorf("validate: exit %d\n%s", code, stderr)
	}
	// Two tenants in three shards: one shard is empty, and that is fine.
	two, empty := emulatorPlaybook(t, orgSteps), 0
	for _, shard := range []string{"1/3", "2/3", "3/3"} {
		code, stdout, stderr := runMain(t, "plan", two, "--shard", shard)
		if code != ExitOK {
			t.Errorf("plan --shard %s of two tenants: exit %d\n%s", shard, code, stderr)
		}
		if strings.Contains(stdout, "\n0 tenants x") {
			empty++
		}
	}
	if empty != 1 {
		t.Errorf("%d empty shards of three for two tenants, want 1", empty)
	}
}

// stepOf returns the status and error message of step id in tenant 0 of a
// results document.
func stepOf(t *testing.T, resultsJSON, id string) (status, msg string, assertions []map[string]any) {
	t.Helper()
	var res struct {
		Tenants []struct {
			Steps []struct {
				ID         string           `json:"id"`
				Status     string           `json:"status"`
				Assertions []map[string]any `json:"assertions"`
				Error      *struct {
					Message string `json:"message"`
				} `json:"error"`
			} `json:"steps"`
		} `json:"tenants"`
	}
	if err := json.Unmarshal([]byte(resultsJSON), &res); err != nil {
		t.Fatalf("not results JSON: %v\n%s", err, resultsJSON)
	}
	for _, st := range res.Tenants[0].Steps {
		if st.ID == id {
			if st.Error != nil {
				msg = st.Error.Message
			}
			return st.Status, msg, st.Assertions
		}
	}
	t.Fatalf("no step %s in results", id)
	return
}

// casThenDisable registers the mailboxes and starts a Set-CASMailbox step
// over them; each case adds its foreach, when and parameters.
const casThenDisable = `
  - name: Mailboxes
    id: cas
    cmdlet: Get-CASMailbox
    register: cas
  - name: Disable
    id: disable
    cmdlet: Set-CASMailbox
`

// TestPropertyTyposFailTheStep: a select entry, a when or an assertion that
// names a property no object has fails the step (exit 1) instead of
// passing; optional: and ?. mark properties that may be absent.
func TestPropertyTyposFailTheStep(t *testing.T) {
	cases := []struct {
		name, steps, step string
		code              int
		status, want      string
	}{
		{"select typo", `
  - name: Org
    id: org
    cmdlet: Get-OrganizationConfig
    select: [Name, OAuth2ClientProfileEnabld]
`, "org", ExitStepFailed, "failed", `select "OAuth2ClientProfileEnabld" matched no property of the Get-OrganizationConfig output`},
		{"select typo marked optional", `
  - name: Org
    id: org
    cmdlet: Get-OrganizationConfig
    select: [Name, OAuth2ClientProfileEnabld]
    optional: [OAuth2ClientProfileEnabld]
`, "org", ExitOK, "ok", ""},
		{"assertion typo", `
  - name: Mailboxes
    id: cas
    cmdlet: Get-CASMailbox
    assert:
      - that: ${{ all(result, .PopEnabld != true) }}
`, "cas", ExitStepFailed, "failed", `property "PopEnabld" is in none of the`},
		{"assertion typo of case", `
  - name: Mailboxes
    id: cas
    cmdlet: Get-CASMailbox
    assert:
      - that: ${{ all(result, .popenabled != true) || true }}
`, "cas", ExitStepFailed, "failed", `(did you mean "PopEnabled"? names are case-sensitive)`},
		{"assertion optional with ?.", `
  - name: Mailboxes
    id: cas
    cmdlet: Get-CASMailbox
    assert:
      - that: "${{ all(result, #?.PopEnabld != true) }}"
`, "cas", ExitOK, "ok", ""},
		{"when typo", `
  - name: Org
    id: org
    cmdlet: Get-OrganizationConfig
    register: org
  - name: Enable
    id: enable
    cmdlet: Set-OrganizationConfig
    when: ${{ org[0].OAuth2ClientProfileEnabld != true }}
    parameters: {OAuth2ClientProfileEnabled: true}
`, "enable", ExitStepFailed, "failed", `property "OAuth2ClientProfileEnabld" is in none of the 1 objects of org (did you mean "OAuth2ClientProfileEnabled"?)`},
		{"foreach typo", casThenDisable + `    foreach: ${{ filter(cas, .PopEnabld) }}
    parameters: {Identity: "${{ item.Identity }}", PopEnabled: false}
`, "disable", ExitStepFailed, "failed", `property "PopEnabld"`},
		{"item typo in when", casThenDisable + `    foreach: ${{ cas }}
    when: ${{ item.PopEnabld != false }}
    parameters: {Identity: "${{ item.Identity }}", PopEnabled: false}
`, "disable", ExitStepFailed, "failed", `property "PopEnabld" is in none of the`},
		{"item typo in a parameter", casThenDisable + `    foreach: ${{ filter(cas, .PopEnabled) }}
    parameters: {Identity: "${{ item.Identiy }}", PopEnabled: false}
`, "disable", ExitStepFailed, "failed", `(did you mean "Identity"?)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pb := emulatorPlaybook(t, "steps:"+c.steps)
			code, stdout, stderr, _ := runGuard(t, pb, "--check", "--format", "json", "--limit", "contoso")
			if code != c.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, c.code, stderr, stdout)
			}
			status, msg, _ := stepOf(t, stdout, c.step)
			if status != c.status || !strings.Contains(msg, c.want) {
				t.Fatalf("step %s: %s %q, want %s with %q", c.step, status, msg, c.status, c.want)
			}
		})
	}
}

// TestAssertionMessageIsEvaluated: ${{ }} in an assertion's message is
// evaluated with result in scope, not printed as written.
func TestAssertionMessageIsEvaluated(t *testing.T) {
	pb := emulatorPlaybook(t, `steps:
  - name: Mailboxes
    id: cas
    cmdlet: Get-CASMailbox
    assert:
      - that: ${{ none(result, .PopEnabled) }}
        message: "${{ len(filter(result, .PopEnabled)) }} of ${{ len(result) }} mailboxes have POP on in ${{ tenant.name }}"
`)
	code, stdout, stderr, _ := runGuard(t, pb, "--check", "--format", "json", "--limit", "contoso")
	if code != ExitNonCompliant { // the emulator's seed gives contoso mailboxes with POP on
		t.Fatalf("exit %d, want %d\n%s", code, ExitNonCompliant, stderr)
	}
	_, _, as := stepOf(t, stdout, "cas")
	if len(as) != 1 {
		t.Fatalf("assertions: %v", as)
	}
	msg, _ := as[0]["message"].(string)
	if strings.Contains(msg, "${{") || !strings.HasSuffix(msg, "mailboxes have POP on in contoso") {
		t.Fatalf("message %q: not evaluated", msg)
	}
}
