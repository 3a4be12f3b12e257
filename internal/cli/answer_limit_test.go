package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/internal/emulator"
)

// settings.max_answer_mib reaches the transport: a page bigger than the
// limit fails the step with AnswerTooLarge instead of being read.
func TestRunMaxAnswerSize(t *testing.T) {
	emu, ca := startEmulator(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com", Mailboxes: 1500}}})
	pb := remotePlaybook(t, emu, `  - name: Mailboxes
    id: mbx
    cmdlet: Get-Mailbox
    parameters: {ResultSize: Unlimited}
`)
	b, err := os.ReadFile(pb)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pb, []byte(strings.Replace(string(b), "tenants:\n", "settings:\n  max_answer_mib: 1\ntenants:\n", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	code, stdout, stderr := runMain(t, "run", pb, "--out", out, "--ca-file", ca, "--progress", "none")
	res, err := os.ReadFile(filepath.Join(onlyRunDir(t, out), "results.json"))
	if code != ExitStepFailed || err != nil || !strings.Contains(string(res), "AnswerTooLarge") {
		t.Fatalf("exit %d, %v\n%s\n%s", code, err, stdout, stderr)
	}
	// The default limit reads the same pages.
	if err := os.WriteFile(pb, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runMain(t, "run", pb, "--out", t.TempDir(), "--ca-file", ca, "--progress", "none"); code != ExitOK {
		t.Fatalf("default limit: exit %d\n%s", code, stderr)
	}
}
