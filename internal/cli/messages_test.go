package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSmallHostileInputsGetClearMessages: issue 14 item 10, through the CLI.
func TestSmallHostileInputsGetClearMessages(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o600)
		return p
	}
	uri := func(u string) string {
		return write("uri.yaml", `version: 1
auth: {app: {method: client_secret, client_id: 11111111-2222-3333-4444-555555555555, client_secret: "${{ env.S }}"}}
tenants:
  - {name: lab, organization: contoso.onmicrosoft.com, auth: app, connection_uri: "`+u+`"}
steps:
  - {cmdlet: Get-OrganizationConfig}
`)
	}
	if code, _, stderr := runMain(t, "validate", uri("http://LOCALHOST:8443")); code != ExitOK {
		t.Errorf("http://LOCALHOST is loopback: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := runMain(t, "validate", uri("https://outlook.office365.com:99999")); code != ExitInvalid ||
		!strings.Contains(stderr, "uri.yaml:4:") || !strings.Contains(stderr, "port 99999 is not a TCP port (1-65535)") || strings.Contains(stderr, "does not match pattern") {
		t.Errorf("port 99999: exit %d\n%s", code, stderr)
	}

	pb := emulatorPlaybook(t, orgSteps)
	dangling := filepath.Join(dir, "dangling")
	os.Symlink(filepath.Join(dir, "nowhere"), dangling)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--out", dangling}, "dangling is a symbolic link to " + filepath.Join(dir, "nowhere") + ", which does not exist"},
		{[]string{"--log-format", "xml"}, `--log-format must be console or json, not "xml"`},
		{[]string{"--log-level", "trace"}, `--log-level must be debug, info, warn or error, not "trace"`},
		{[]string{"--var", "desired=.nan"}, `--var "desired=.nan": NaN is not a number exoplay can record or send`},
	}
	for _, c := range cases {
		args := append([]string{"run", pb, "--progress", "none"}, c.args...)
		if c.args[0] != "--out" {
			args = append(args, "--out", t.TempDir())
		}
		code, _, stderr := runMain(t, args...)
		if code != ExitInvalid || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, want 2 and %q\n%s", c.args, code, c.want, stderr)
		}
	}
}

// TestCheckWithNaNWritesResults: a NaN parameter fails its cell with a
// message, and the run still writes results.json (the journal and
// results.json failed to encode it, and the run ended without results).
func TestCheckWithNaNWritesResults(t *testing.T) {
	pb := emulatorPlaybook(t, `vars: {x: .nan}
steps:
  - {id: attr, cmdlet: Set-Mailbox, parameters: {Identity: admin, CustomAttribute1: "${{ x }}"}}
`)
	code, stdout, stderr, out := runGuard(t, pb, "--check", "--limit", "contoso", "--format", "json")
	if code != ExitStepFailed {
		t.Fatalf("exit %d, want 1\n%s", code, stderr)
	}
	status, msg, _ := stepOf(t, stdout, "attr")
	if status != "failed" || !strings.Contains(msg, "parameter CustomAttribute1 is NaN") {
		t.Fatalf("step: %s %q", status, msg)
	}
	if files, _ := filepath.Glob(filepath.Join(out, "*", "results.json")); len(files) != 1 {
		t.Fatalf("results.json: %v", files)
	}
}
