package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	if c := strings.Count(stderr, "the client secret is wrong"); c > 2 {
		t.Errorf("the same error printed %d times on stderr:\n%s", c, stderr)
	}
	if strings.Contains(stdout+stderr, "not-the-secret-of-this-app") {
		t.Fatal("the secret appears in the output")
	}
	t.Logf("stderr:\n%s", stderr)
}
