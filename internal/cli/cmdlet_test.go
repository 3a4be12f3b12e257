package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCmdletShow(t *testing.T) {
	code, out, stderr := runMain(t, "cmdlet", "show", "set-casmailbox")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"Set-CASMailbox\n", "service:  exchange", "set-casmailbox\n", "PopEnabled ", "Boolean", "On-premises Exchange only (refused by validate): ", "DomainController", "93336da"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runMain(t, "cmdlet", "show", "New-ComplianceSearch", "--format", "json")
	var in cmdletJSON
	if code != ExitOK || json.Unmarshal([]byte(out), &in) != nil || in.Name != "New-ComplianceSearch" || in.Services[0] != "compliance" ||
		in.Params[0].Name != "Name" || !in.Params[0].In[0].Required {
		t.Errorf("json: exit %d %+v\n%s", code, in, out)
	}
	code, _, stderr = runMain(t, "cmdlet", "show", "Get-Mailboxx")
	if code != ExitInvalid || !strings.Contains(stderr, `(did you mean "Get-Mailbox"?)`) {
		t.Errorf("unknown: exit %d: %s", code, stderr)
	}
}

func TestCmdletList(t *testing.T) {
	code, out, stderr := runMain(t, "cmdlet", "list", "*casmailbox")
	if code != ExitOK || !strings.Contains(out, "Get-CASMailbox") || !strings.Contains(out, "Set-CASMailbox") || strings.Contains(out, "CASMailboxPlan") {
		t.Errorf("glob: exit %d\n%s%s", code, out, stderr)
	}
	if !strings.Contains(stderr, "of 941 cmdlets") {
		t.Errorf("count on stderr: %q", stderr)
	}
	code, out, _ = runMain(t, "cmdlet", "list", "ComplianceSearch", "--service", "compliance", "--format", "json")
	var rows []cmdletEntry
	if code != ExitOK || json.Unmarshal([]byte(out), &rows) != nil || len(rows) < 3 {
		t.Fatalf("json: exit %d\n%s", code, out)
	}
	for _, r := range rows {
		if !strings.Contains(strings.ToLower(r.Name), "compliancesearch") || r.Services[len(r.Services)-1] != "compliance" {
			t.Errorf("row %+v", r)
		}
	}
	if code, _, stderr := runMain(t, "cmdlet", "list", "Get-Mailboxx"); code != ExitInvalid || !strings.Contains(stderr, "no cmdlet in the catalog matches") {
		t.Errorf("no match: exit %d: %s", code, stderr)
	}
	if code, _, _ := runMain(t, "cmdlet", "list", "--service", "purview"); code != ExitInvalid {
		t.Errorf("bad service: exit %d", code)
	}
}

// The typos of issue 12 each fail validate at their line with a suggestion.
func TestValidateCatchesCmdletTypos(t *testing.T) {
	f := filepath.Join(t.TempDir(), "typos.yaml")
	os.WriteFile(f, []byte(`version: 1
tenants:
  - {name: contoso, organization: contoso.onmicrosoft.com, environment: Emulator}
steps:
  - cmdlet: Get-Mailboxx
  - cmdlet: Set-OrganisationConfig
  - cmdlet: Set-OrganizationConfig
    parameters:
      OAuth2ClientProfileEnabeld: true
  - cmdlet: Get-CASMailbox
    parameters: {Identiy: adele}
  - cmdlet: Set-CASMailbox
    parameters:
      Identity: adele
      PopEnabled: "yes please"
`), 0o644)
	code, _, stderr := runMain(t, "validate", f)
	if code != ExitInvalid {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		`typos.yaml:5:13: unknown cmdlet "Get-Mailboxx" (did you mean "Get-Mailbox"?)`,
		`typos.yaml:6:13: unknown cmdlet "Set-OrganisationConfig" (did you mean "Set-OrganizationConfig"?)`,
		`typos.yaml:9:7: unknown parameter "OAuth2ClientProfileEnabeld" for Set-OrganizationConfig (did you mean "OAuth2ClientProfileEnabled"?)`,
		`typos.yaml:11:18: unknown parameter "Identiy" for Get-CASMailbox (did you mean "Identity"?)`,
		`typos.yaml:15:19: PopEnabled takes true or false (unquoted), not the text "yes please"`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("validate lacks %q:\n%s", want, stderr)
		}
	}
	// --check on the same playbook refuses before any tenant is touched.
	if code, _, _ := runMain(t, "run", "--check", f); code != ExitInvalid {
		t.Errorf("run --check: exit %d", code)
	}
}

func TestSchemaCmdlets(t *testing.T) {
	code, out, _ := runMain(t, "schema", "--cmdlets")
	want, err := os.ReadFile("../../schema.cmdlets.json")
	if err != nil {
		t.Fatal(err)
	}
	if code != ExitOK || out != string(want) {
		t.Errorf("exit %d; output differs from schema.cmdlets.json", code)
	}
}
