package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// environment: Emulator is sugar: the run uses the production names of the
// cloud in emulate: (here GCC High), dialled to the in-process emulator.
func TestEmulateSelectsTheCloudsNames(t *testing.T) {
	dir := t.TempDir()
	pb := filepath.Join(dir, "gcch.yaml")
	os.WriteFile(pb, []byte(`version: 1
name: gcch
tenants:
  - name: contoso
    organization: contoso.onmicrosoft.com
    environment: Emulator
    emulate: O365USGovGCCHigh
steps:
  - name: Domains
    cmdlet: Get-AcceptedDomain
  - name: DLP
    cmdlet: Get-DlpCompliancePolicy
    service: compliance
`), 0o600)
	code, _, stderr := runMain(t, "run", pb, "--out", dir, "--progress", "none", "--log-level", "debug", "--log-format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, host := range []string{`"host":"outlook.office365.us"`, `"host":"ps.compliance.protection.office365.us"`, `.ps.compliance.protection.office365.us"`} {
		if !strings.Contains(stderr, host) {
			t.Errorf("no request to %s in the debug log:\n%.2000s", host, stderr)
		}
	}
	for _, line := range strings.Split(stderr, "\n") {
		if strings.Contains(line, "exo request") && !strings.Contains(line, `office365.us"`) {
			t.Errorf("a GCC High tenant's request went to another host: %s", line)
		}
	}
}

func TestEmulateNeedsEnvironmentEmulator(t *testing.T) {
	dir := t.TempDir()
	pb := filepath.Join(dir, "bad.yaml")
	os.WriteFile(pb, []byte(`version: 1
name: bad
auth:
  app: {method: client_secret, client_id: 0e0e0e0e-de30-4a99-8c1e-00000000a001, client_secret_file: x}
tenants:
  - name: contoso
    organization: contoso.onmicrosoft.com
    auth: app
    emulate: O365USGovGCCHigh
steps:
  - cmdlet: Get-AcceptedDomain
`), 0o600)
	code, _, stderr := runMain(t, "run", pb, "--out", dir, "--progress", "none")
	if code != ExitInvalid || !strings.Contains(stderr, "emulate") || !strings.Contains(stderr, "bad.yaml:9:") {
		t.Errorf("exit %d, want %d with the position of emulate:\n%s", code, ExitInvalid, stderr)
	}
}

func TestBadConnectToIsInvalidInvocation(t *testing.T) {
	code, _, stderr := runMain(t, "run", "../../examples/quickstart.yaml", "--out", t.TempDir(), "--progress", "none", "--connect-to", "127.0.0.1:8443")
	if code != ExitInvalid || !strings.Contains(stderr, "HOST1:PORT1:HOST2:PORT2") {
		t.Errorf("exit %d, want %d naming the form:\n%s", code, ExitInvalid, stderr)
	}
}
