package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exoplay/exoplay"
	"github.com/exoplay/exoplay/playbook"
)

func TestValidateReportsEveryProblemAndExits2(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("version: 1\nsteps:\n  - cmdlet: Bad\n    nmae: x\n"), 0o644)
	good := filepath.Join("..", "..", "examples", "quickstart.yaml")

	code, stdout, stderr := runMain(t, "validate", good, bad)
	if code != ExitInvalid {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitInvalid, stderr)
	}
	for _, want := range []string{
		bad + `:3:13: cmdlet "Bad" is not of Verb-Noun form`,
		bad + `:4:5: unknown key "nmae" in step 1 (did you mean "name"?)`,
		"2 problems",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "^") {
		t.Error("no snippet when stderr is not a terminal")
	}
	if !strings.Contains(stdout, "quickstart.yaml: valid (2 tenants") || strings.Contains(stdout, "bad.yaml") {
		t.Errorf("stdout: %q", stdout)
	}

	code, _, stderr = runMain(t, "validate", good)
	if code != ExitOK || stderr != "" {
		t.Errorf("valid file: exit %d, stderr %q", code, stderr)
	}
}

func TestValidateJSONAndSnippet(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("version: 1\nsteps:\n  - cmdlet: Get-Mailbox\n    when: ${{ nope }}\n"), 0o644)
	code, stdout, _ := runMain(t, "validate", "--format", "json", bad)
	var got []jsonDiagnostic
	if err := json.Unmarshal([]byte(stdout), &got); err != nil || code != ExitInvalid {
		t.Fatalf("exit %d, %v: %s", code, err, stdout)
	}
	if len(got) != 1 || got[0].Line != 4 || got[0].Col != 15 || !strings.Contains(got[0].Message, `unknown name "nope"`) {
		t.Errorf("diagnostics: %+v", got)
	}

	var buf bytes.Buffer
	ds := loadErr(t, bad)
	printDiagnostics(&buf, ds, true)
	want := "> 4 |     when: ${{ nope }}\n    |               ^\n"
	if !strings.Contains(buf.String(), want) {
		t.Errorf("snippet:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestValidateVarFlag(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "p.yaml")
	os.WriteFile(f, []byte("version: 1\nsteps:\n  - cmdlet: Set-OrganizationConfig\n    when: ${{ desired }}\n"), 0o644)
	if code, _, _ := runMain(t, "validate", f); code != ExitInvalid {
		t.Errorf("without --var: exit %d", code)
	}
	if code, _, stderr := runMain(t, "validate", "--var", "desired=true", f); code != ExitOK {
		t.Errorf("with --var: exit %d: %s", code, stderr)
	}
}

func TestPlanSelectsAndResolves(t *testing.T) {
	pb := filepath.Join("..", "..", "examples", "msp-disable-legacy-protocols.yaml")
	code, stdout, stderr := runMain(t, "plan", pb, "--limit", "pilot,!northwind", "--tags", "remediate", "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc planDoc
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Tenants) != 1 || doc.Tenants[0].Name != "contoso" {
		t.Fatalf("tenants: %+v", doc.Tenants)
	}
	steps := doc.Tenants[0].Steps
	// The write step and the register step it reads (tagged always).
	if len(steps) != 2 || steps[0].ID != "cas" || steps[1].ID != "disable-legacy" || !steps[1].Write {
		t.Fatalf("--tags remediate should leave the write step and its register step: %+v", steps)
	}
	params := map[string]planParam{}
	for _, p := range steps[1].Parameters {
		params[p.Name] = p
	}
	if p := params["PopEnabled"]; !p.Resolved || p.Value != false {
		t.Errorf("static parameter not resolved: %+v", p)
	}
	if !strings.Contains(stdout, `"value": false`) {
		t.Error(`a resolved false must appear in JSON as "value": false`)
	}
	if p := params["Identity"]; p.Resolved || p.Source != "${{ item.Identity }}" {
		t.Errorf("an item parameter is known only at run time: %+v", p)
	}
	if doc.Summary.Writes != 1 || doc.Summary.Cells != 2 {
		t.Errorf("summary: %+v", doc.Summary)
	}
}

func TestPlanResolvesWhenFromVars(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "p.yaml")
	os.WriteFile(f, []byte(`version: 1
vars: {enforce: false}
tenants:
  - {name: a, organization: a.onmicrosoft.com, environment: Emulator}
  - {name: b, organization: b.onmicrosoft.com, environment: Emulator, vars: {enforce: true}}
steps:
  - cmdlet: Set-OrganizationConfig
    when: ${{ enforce }}
    parameters: {OAuth2ClientProfileEnabled: true, BookingsNamingPolicyPrefix: "for ${{ tenant.name }}"}
`), 0o644)
	code, stdout, stderr := runMain(t, "plan", f)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"2 tenants x 1 steps = 2 cells, 1 writes, 1 skipped by when",
		"skipped: when is false",
		`-BookingsNamingPolicyPrefix "for b"`,
		"WRITE",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, stdout)
		}
	}
	if code, _, stderr := runMain(t, "plan", f, "--limit", "nope"); code != ExitInvalid || !strings.Contains(stderr, `"nope" matches no tenant`) {
		t.Errorf("bad --limit: exit %d, %s", code, stderr)
	}
	if code, _, _ := runMain(t, "plan", f, "--shard", "3/2"); code != ExitInvalid {
		t.Errorf("bad --shard: exit %d", code)
	}
}

func TestSchemaCommandPrintsEmbeddedSchema(t *testing.T) {
	code, stdout, _ := runMain(t, "schema")
	if code != ExitOK || stdout != string(exoplay.SchemaJSON) || !json.Valid([]byte(stdout)) {
		t.Errorf("exit %d, %d bytes", code, len(stdout))
	}
}

func loadErr(t *testing.T, path string) playbook.Diagnostics {
	t.Helper()
	_, err := playbook.Load(path, playbook.LoadOptions{})
	ds, ok := err.(playbook.Diagnostics)
	if !ok {
		t.Fatalf("want diagnostics, got %v", err)
	}
	return ds
}
