package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/exoplay/exoplay/internal/emulator"
)

// One wrong client secret shared by many tenants: Entra ID is asked once,
// the first refusal (AADSTS7000215, about the credential, not the tenant)
// stops the credential's other tenants without a request, and stderr says
// it once, not once per tenant and step.
func TestWrongSharedSecretIsOneTokenRequestAndOneMessage(t *testing.T) {
	const n = 8
	var specs []emulator.TenantSpec
	for i := range n {
		specs = append(specs, emulator.TenantSpec{Domain: fmt.Sprintf("cust%02d.onmicrosoft.com", i)})
	}
	emu, ca := startEmulator(t, emulator.Options{Tenants: specs})
	t.Setenv("WRONG_SECRET", "not-the-secret-of-this-app")
	dir := t.TempDir()
	var b strings.Builder
	fmt.Fprintf(&b, `version: 1
name: wrong-secret
settings: {max_parallel_tenants: 4}
auth:
  app: {method: client_secret, client_id: %s, client_secret: "${{ env.WRONG_SECRET }}"}
tenants:
`, emu.DemoClientID)
	for i := range n {
		fmt.Fprintf(&b, "  - {name: cust%02d, organization: cust%02d.onmicrosoft.com, auth: app}\n", i, i)
	}
	b.WriteString(`steps:
  - id: org
    cmdlet: Get-OrganizationConfig
  - id: domains
    cmdlet: Get-AcceptedDomain
`)
	pb := filepath.Join(dir, "pb.yaml")
	if err := os.WriteFile(pb, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runMain(t, "run", pb, "--ca-file", ca, "--out", filepath.Join(dir, "runs"), "--format", "json", "--progress", "plain")
	if code != ExitAuthFailed {
		t.Fatalf("exit %d, want %d\n%s", code, ExitAuthFailed, stderr)
	}
	if got := emu.Counters().Tokens.Requests("", ""); got != 1 {
		t.Errorf("%d token requests for %d tenants sharing one wrong secret, want 1", got, n)
	}
	st := tenantStatuses(t, stdout)
	refused := 0
	for name, s := range st {
		switch {
		case strings.HasPrefix(s, "failed AADSTS7000215"):
		case strings.HasPrefix(s, "failed credential_refused"):
			refused++
		default:
			t.Errorf("tenant %s: %s, want failed (AADSTS7000215 or credential_refused)", name, s)
		}
	}
	if refused != n-1 {
		t.Errorf("%d tenants refused without a request, want %d: %v", refused, n-1, st)
	}
	// Once in the log, once as it happens, once in the last frame: not
	// once per tenant and step.
	if c := strings.Count(stderr, "the client secret is wrong"); c > 3 {
		t.Errorf("the same error printed %d times on stderr:\n%s", c, stderr)
	}
	if want := fmt.Sprintf("error ×%d (%d tenant(s)), first ", n-1, n-1); !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks the grouped refusal %q:\n%s", want, stderr)
	}
	if strings.Contains(stdout+stderr, "not-the-secret-of-this-app") {
		t.Fatal("the secret appears in the output")
	}
}

// Issue 10 item 9 through the CLI: after Ctrl-C the last frame says how
// many tenants and cells are left (it said "6/6" with 5 incomplete).
func TestProgressLastFrameAfterInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	emu, ca := resumeEmulator(t)
	pb, _ := inventoryPlaybook(t, emu, map[string]string{"c1": "contoso.onmicrosoft.com", "c2": "fabrikam.onmicrosoft.com"})
	cmd, log := child(t, "run", pb, "--ca-file", ca, "--out", t.TempDir(), "--progress", "plain")
	waitFor(t, "some writes", 60*time.Second, func() bool { n, _ := writesApplied(emu); return n >= 5 })
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	out := log.String()
	m := regexp.MustCompile(`progress: interrupted: (\d) of 2 tenant\(s\) incomplete, (\d+) of (\d+) cell\(s\) not done`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the last frame does not say what the interrupt left:\n%s", out)
	}
	if left, _ := strconv.Atoi(m[2]); left == 0 || m[1] == "0" {
		t.Errorf("an interrupted run with nothing left: %s", m[0])
	}
	if done := regexp.MustCompile(`tenants (\d)/2 done`).FindAllStringSubmatch(out, -1); len(done) == 0 || done[len(done)-1][1] == "2" {
		t.Errorf("the last frame claims every tenant done:\n%s", out)
	}
	t.Log(out)
}
