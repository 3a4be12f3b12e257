package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A register of an Unlimited listing without select is valid (exit 0) but
// warned about on stderr, at the register line; with select, or without
// Unlimited, nothing is said.
func TestValidateWarnsOfAnUnlimitedRegisterWithoutSelect(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "p.yaml")
	os.WriteFile(f, []byte(`version: 1
steps:
  - id: all
    cmdlet: Get-Mailbox
    parameters: {ResultSize: unlimited}
    register: mbx
  - id: some
    cmdlet: Get-Mailbox
    parameters: {ResultSize: Unlimited}
    select: [Identity]
    register: ids
  - id: few
    cmdlet: Get-Mailbox
    parameters: {ResultSize: 10}
    register: few
`), 0o644)
	code, stdout, stderr := runMain(t, "validate", f)
	if code != ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "valid (") || strings.Contains(stdout, "warning") {
		t.Errorf("stdout: %q", stdout)
	}
	want := f + ":6:15: warning: step all registers Get-Mailbox -ResultSize Unlimited without select"
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	if n := strings.Count(stderr, "warning:"); n != 1 {
		t.Errorf("%d warnings, want 1 (only step all):\n%s", n, stderr)
	}
}
