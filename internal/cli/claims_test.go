package cli

import (
	"testing"

	"github.com/exoplay/exoplay/internal/emulator"
)

// A claims challenge (exo-rest-protocol.md §10.11) through the production
// path: the service's 401 names claims, transport passes them to
// auth.Source, which asks MSAL for a token with them; the emulator refuses
// any token that was not asked for with the challenge.
func TestRunAnswersAClaimsChallenge(t *testing.T) {
	f, err := emulator.ParseFaults("claims:first1")
	if err != nil {
		t.Fatal(err)
	}
	emu, ca := startEmulator(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com", Mailboxes: 5}}, Faults: f})
	pb := remotePlaybook(t, emu, `  - name: Mailboxes
    id: mbx
    cmdlet: Get-Mailbox
    parameters: {ResultSize: Unlimited}
`)
	code, _, stderr := runMain(t, "run", pb, "--out", t.TempDir(), "--ca-file", ca, "--progress", "none")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if c := emu.Counters(); c.Faults != 1 || c.Tenant("contoso.onmicrosoft.com").Calls("Get-Mailbox") != 2 {
		t.Errorf("faults %d, calls %d", c.Faults, c.Tenant("contoso.onmicrosoft.com").Calls("Get-Mailbox"))
	}
}
