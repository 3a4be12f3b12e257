package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/internal/emulator"
)

// emulatorToken gets an app token for tenant from the emulator, as a helper
// such as `az account get-access-token` would print it.
func emulatorToken(t *testing.T, emu *emulator.Emulator, tenantID string) string {
	t.Helper()
	resp, err := emu.HTTPClient().PostForm("https://login.microsoftonline.com/"+tenantID+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {emu.DemoClientID}, "client_secret": {emu.DemoSecret},
		"scope": {"https://outlook.office365.com/.default"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.AccessToken == "" {
		t.Fatalf("no token from the emulator (%d): %v", resp.StatusCode, err)
	}
	return body.AccessToken
}

// TestNoSecretInAnyOutputByValue: secrets are scrubbed by value from
// stdout, stderr and every file of the run directory — what an
// access_token_command prints (stdout and stderr, on success and on
// failure), the token itself, and the --var value of a var declared under
// secret_vars whose name looks harmless and which lands in a parameter
// whose name looks harmless (issue 14 item 8).
func TestNoSecretInAnyOutputByValue(t *testing.T) {
	emu, ca := startEmulator(t, emulator.Options{Tenants: []emulator.TenantSpec{
		{Domain: "contoso.onmicrosoft.com"}, {Domain: "fabrikam.onmicrosoft.com"}}})
	dir := t.TempDir()
	const (
		okStderr   = "client_secret=Helper-Stderr-Secret-9c1"
		failStderr = "client_secret=Helper-Fail-Secret-5d2"
		failStdout = "Helper-Out-Secret-7e3"
		varSecret  = "Var-Secret-Value-2b8"
	)
	contoso := emu.Tenants()[0]
	token := emulatorToken(t, emu, contoso.ID)
	tokFile := filepath.Join(dir, "token")
	os.WriteFile(tokFile, []byte(token+"\n"), 0o600)
	okHelper := filepath.Join(dir, "ok.sh")
	os.WriteFile(okHelper, []byte(fmt.Sprintf("cat %q\necho %q >&2\n", tokFile, okStderr)), 0o700)
	failHelper := filepath.Join(dir, "fail.sh")
	os.WriteFile(failHelper, []byte(fmt.Sprintf("echo %q\necho %q >&2\nexit 3\n", failStdout, failStderr)), 0o700)

	pb := filepath.Join(dir, "secrets.yaml")
	os.WriteFile(pb, []byte(fmt.Sprintf(`version: 1
name: secrets
secret_vars: [reset_to]
vars: {reset_to: placeholder}
auth:
  helper-ok: {method: access_token, access_token_command: [sh, %q]}
  helper-fail: {method: access_token, access_token_command: [sh, %q]}
tenants:
  - {name: contoso, organization: %s, auth: helper-ok}
  - {name: fabrikam, organization: %s, auth: helper-fail}
steps:
  - {id: org, cmdlet: Get-OrganizationConfig}
  - id: attr
    cmdlet: Set-Mailbox
    parameters: {Identity: admin, CustomAttribute1: "${{ reset_to }}"}
`, okHelper, failHelper, contoso.Domain, emu.Tenants()[1].Domain)), 0o600)

	secrets := []string{okStderr, "Helper-Stderr-Secret-9c1", "Helper-Fail-Secret-5d2", failStdout, varSecret, token}
	out := t.TempDir()
	var all bytes.Buffer
	ran := false
	for _, format := range []string{"json", "text", "csv", "jsonl"} {
		// --record: the cassettes are in out too, so the walk below greps them.
		code, stdout, stderr := runMain(t, "run", pb, "--check", "--var", "reset_to="+varSecret, "--out", out,
			"--ca-file", ca, "--progress", "plain", "--log-level", "debug", "--format", format,
			"--record", filepath.Join(out, "cassettes-"+format))
		if code != ExitStepFailed {
			t.Fatalf("%s: exit %d, want 1 (fabrikam's helper fails)\n%s", format, code, stderr)
		}
		all.WriteString(stdout + stderr)
		if format == "json" {
			ran = strings.Contains(stdout, `"would_run"`) && strings.Contains(stdout, "[REDACTED]")
			if !strings.Contains(stderr+stdout, "its stderr, ") {
				t.Errorf("the failing helper's error does not say its stderr was withheld:\n%s", stderr)
			}
		}
	}
	if !ran {
		t.Fatalf("contoso's check-mode write did not run with its parameter redacted; the test proves nothing:\n%s", all.String())
	}
	files, recorded := 0, 0
	filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(path)
		files++
		if strings.Contains(path, "cassettes-") && strings.Contains(path, "Get-OrganizationConfig") {
			recorded++
		}
		all.WriteString("\n" + path + "\n")
		all.Write(b)
		return nil
	})
	if recorded < 4 {
		t.Fatalf("%d recorded Get-OrganizationConfig calls, want one per format: the cassettes were not grepped", recorded)
	}
	if files < 4*3 {
		t.Fatalf("only %d files in the run directories", files)
	}
	for _, s := range secrets {
		if i := strings.Index(all.String(), s); i >= 0 {
			t.Errorf("secret %.12s… appears in the output: …%s…", s, all.String()[max(0, i-200):i])
		}
	}
}
