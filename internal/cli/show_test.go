package cli

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const showPlaybook = `version: 1
name: show
tenants:
  - {name: contoso, organization: contoso.onmicrosoft.com, environment: Emulator, groups: [eu]}
  - {name: fabrikam, organization: fabrikam.onmicrosoft.com, environment: Emulator, groups: [us]}
steps:
  - name: Organization config
    id: org
    cmdlet: Get-OrganizationConfig
    select: [Name, "OAuth*", DisplayName]
    show: [Name, "OAuth*"]
  - name: Domains
    id: domains
    cmdlet: Get-AcceptedDomain
  - name: Modern auth on
    id: modern
    cmdlet: Set-OrganizationConfig
    parameters: {OAuth2ClientProfileEnabled: true}
`

func TestRunShowsStepTables(t *testing.T) {
	pb := filepath.Join(t.TempDir(), "show.yaml")
	if err := os.WriteFile(pb, []byte(showPlaybook), 0o600); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	code, stdout, stderr := runMain(t, "run", pb, "--out", out, "--progress", "none")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	summary := strings.Index(stdout, "Results:")
	table := strings.Index(stdout, "contoso · org (Get-OrganizationConfig):\nName                    OAuth2ClientProfileEnabled\n----")
	if summary < 0 || table < summary {
		t.Errorf("want contoso's org table after the summary:\n%s", stdout)
	}
	if strings.Contains(stdout, "DisplayName") || !strings.Contains(stdout, "fabrikam · org") {
		t.Errorf("show lists only Name and OAuth*, for each tenant:\n%s", stdout)
	}
	// --format json keeps stdout to the JSON document.
	code, stdout, _ = runMain(t, "run", pb, "--out", out, "--progress", "none", "--format", "json")
	if code != ExitOK || !json.Valid([]byte(stdout)) {
		t.Errorf("--format json: exit %d, stdout is not one JSON document", code)
	}

	dirs, _ := filepath.Glob(filepath.Join(out, "*"))
	dir := dirs[0]
	code, stdout, stderr = runMain(t, "show", dir, "--step", "org", "--columns", "Name,OAuth*")
	if code != ExitOK {
		t.Fatalf("show: exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "TENANT") || !strings.Contains(lines[0], "OAuth2ClientProfileEnabled") || !strings.HasPrefix(lines[3], "fabrikam") {
		t.Errorf("show table:\n%s", stdout)
	}
	code, stdout, _ = runMain(t, "show", dir, "--step", "domains", "--tenant", "eu", "--format", "csv")
	rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if code != ExitOK || err != nil || len(rows) < 2 {
		t.Fatalf("show csv: exit %d, %v\n%s", code, err, stdout)
	}
	for _, r := range rows[1:] {
		if r[0] != "contoso" {
			t.Errorf("--tenant eu printed a row of %s", r[0])
		}
	}
	code, stdout, _ = runMain(t, "show", dir, "--step", "org", "--format", "json", "--columns", "Name")
	var objs []struct {
		Tenant string
		Step   string
		Object map[string]any
	}
	if code != ExitOK || json.Unmarshal([]byte(stdout), &objs) != nil || len(objs) != 2 || objs[0].Object["Name"] == nil || len(objs[0].Object) != 1 {
		t.Errorf("show json: exit %d\n%s", code, stdout)
	}
	// Without --step, each step with objects gets its table.
	code, stdout, _ = runMain(t, "show", dir)
	if code != ExitOK || !strings.Contains(stdout, "step org:") || !strings.Contains(stdout, "step domains:") {
		t.Errorf("show every step: exit %d\n%s", code, stdout)
	}
	// A step that stored no objects (a write) says so in the text form,
	// instead of a bare header; JSON is the empty list.
	code, stdout, stderr = runMain(t, "show", dir, "--step", "modern")
	if code != ExitOK || stdout != "(no objects: step modern stored none in the selected tenants)\n" {
		t.Errorf("show of a step without objects: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, _ = runMain(t, "show", dir, "--step", "modern", "--format", "json"); code != ExitOK || strings.TrimSpace(stdout) != "[]" {
		t.Errorf("show json of a step without objects: exit %d\n%s", code, stdout)
	}
	for _, bad := range [][]string{
		{"show", dir, "--step", "org", "--columns", "Nmae"},
		{"show", dir, "--step", "org", "--columns", " , "}, // names nothing: was every column
		{"show", dir, "--step", "nope"},
		{"show", dir, "--tenant", "nosuch"},
		{"show", dir, "--format", "csv"},
	} {
		if code, _, stderr := runMain(t, bad...); code != ExitInvalid || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q: want 2 and a reason", bad, code, stderr)
		}
	}
}
