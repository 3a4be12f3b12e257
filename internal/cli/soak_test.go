package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/exoplay/exoplay/internal/emulator"
)

// TestRunOutlivesShortTokens runs a playbook for several token lifetimes and
// requires that no call fails for authentication: tokens are renewed before
// they expire. EXOPLAY_SOAK (a duration, default 12s) sets how long it runs;
// the figure comes from EXOPLAY_SOAK=3m with 20-second tokens.
func TestRunOutlivesShortTokens(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for seconds")
	}
	soak, lifetime := 12*time.Second, 3*time.Second
	if v := os.Getenv("EXOPLAY_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		soak, lifetime = d, 20*time.Second
	}
	latency := 20 * time.Millisecond
	emu, ca := startEmulator(t, emulator.Options{
		Tenants:       []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com"}, {Domain: "fabrikam.onmicrosoft.com"}},
		Latency:       emulator.LatencySpec{Fixed: latency},
		TokenLifetime: lifetime,
	})
	// Three sessions per organization, each call one latency long.
	calls := int(soak / latency * 3)
	pb := remotePlaybook(t, emu, fmt.Sprintf(`  - name: Read the organization config, again and again
    id: reads
    cmdlet: Get-OrganizationConfig
    foreach: ${{ 1..%d }}
    select: [Name]
`, calls))
	out := t.TempDir()
	start := time.Now()
	code, stdout, stderr := runMain(t, "run", pb, "--out", out, "--ca-file", ca, "--progress", "none")
	elapsed := time.Since(start)
	if code != ExitOK {
		t.Fatalf("exit %d after %v\n%s%s", code, elapsed, stdout, stderr)
	}
	if elapsed < 2*lifetime {
		t.Fatalf("the run took %v, not long enough to outlive a %v token twice", elapsed, lifetime)
	}
	issued := 0
	for _, n := range emu.Counters().Tokens.TokensIssued {
		issued += n
	}
	// Each tenant needs about one token per lifetime; far more would mean
	// renewal on every call, far fewer that expired tokens were used.
	perTenant := float64(issued) / 2
	if atLeast := elapsed.Seconds()/lifetime.Seconds() - 1; perTenant < atLeast {
		t.Fatalf("%d tokens issued in %v with %v lifetimes: expired tokens must have been used", issued, elapsed, lifetime)
	}
	tenants := emu.Counters().Tenants
	if len(tenants) != 2 {
		t.Fatalf("counters for %d tenants, want 2", len(tenants))
	}
	for _, tc := range tenants {
		if tc.ByCmdlet["Get-OrganizationConfig"] < calls {
			t.Fatalf("tenant %s saw %d calls, want %d", tc.Domain, tc.ByCmdlet["Get-OrganizationConfig"], calls)
		}
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "*"))
	raw, err := os.ReadFile(filepath.Join(dirs[0], "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Summary struct {
			Steps struct{ Failed int } `json:"steps"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(raw, &res); err != nil || res.Summary.Steps.Failed != 0 {
		t.Fatalf("failed steps %d (%v)", res.Summary.Steps.Failed, err)
	}
	t.Logf("%d calls per tenant over %v with %v tokens: %d tokens issued", calls, elapsed.Round(time.Millisecond), lifetime, issued)
}
