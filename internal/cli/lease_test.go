package cli

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/exoplay/exoplay/internal/emulator"
)

// buildExoplay builds the real binary (cmd/exoplay) once for the test.
func buildExoplay(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "exoplay")
	_, here, _, _ := runtime.Caller(0)
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/exoplay")
	cmd.Dir = filepath.Join(filepath.Dir(here), "..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func startExoplay(t *testing.T, ctx context.Context, bin string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &out
}

// TestOneCapAcrossProcesses runs two `exoplay run` processes (the real
// binary) on one organization of an emulator in this process, reached only
// by --connect-to and --ca-file, with an emulator that lets any number of
// requests in (no 429 to slow the clients down): with one lease directory
// they never have more than max_sessions_per_org (3) requests in flight
// together. A process killed while holding all three slots leaves them
// free: the next run completes.
func TestOneCapAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts processes")
	}
	bin := buildExoplay(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Each phase has an emulator of its own, so its counters are the
	// phase's alone.
	phase := func(latency time.Duration) (*emulator.Emulator, []string) {
		emu, ca := startEmulator(t, emulator.Options{
			Tenants:        []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com", Mailboxes: 3}},
			Latency:        emulator.LatencySpec{Fixed: latency},
			ConcurrencyCap: -1,
		})
		pb := remotePlaybook(t, emu, `  - name: Config
    cmdlet: Get-OrganizationConfig
    foreach: ${{ 1..30 }}
settings: {max_sessions_per_org: 3}
`)
		return emu, []string{"run", pb, "--ca-file", ca, "--connect-to", emu.ConnectTo, "--progress", "none"}
	}
	const org = "contoso.onmicrosoft.com"

	pair := func(leaseA, leaseB string) int {
		emu, base := phase(60 * time.Millisecond)
		a, outA := startExoplay(t, ctx, bin, append(base, "--out", t.TempDir(), "--lease-dir", leaseA)...)
		b, outB := startExoplay(t, ctx, bin, append(base, "--out", t.TempDir(), "--lease-dir", leaseB)...)
		if err := a.Wait(); err != nil {
			t.Fatalf("first run: %v\n%s", err, outA)
		}
		if err := b.Wait(); err != nil {
			t.Fatalf("second run: %v\n%s", err, outB)
		}
		tc := emu.Counters().Tenant(org)
		if n := tc.Calls("Get-OrganizationConfig"); n != 60 {
			t.Fatalf("the emulator served %d Get-OrganizationConfig, want 2 × 30\n%s\n%s", n, outA, outB)
		}
		return tc.MaxInFlight
	}

	shared := filepath.Join(t.TempDir(), "leases")
	if m := pair(shared, shared); m > 3 || m < 2 {
		t.Errorf("two processes on one lease directory: the emulator saw %d requests in flight at once, want 2..3", m)
	} else {
		t.Logf("one lease directory: max in flight %d", m)
	}
	// What the lease prevents (logged, not asserted: how much two
	// processes overlap depends on the scheduler).
	t.Logf("two lease directories: max in flight %d", pair(t.TempDir(), t.TempDir()))

	// Kill a run holding every slot: the kernel releases its locks.
	emu, base := phase(3 * time.Second)
	k, outK := startExoplay(t, ctx, bin, append(base, "--out", t.TempDir(), "--lease-dir", shared)...)
	waitFor(t, "three requests in flight", time.Minute, func() bool { return emu.Counters().Tenant(org).InFlight == 3 })
	if err := k.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = k.Wait()
	if names, _ := filepath.Glob(filepath.Join(shared, "*.lock")); len(names) != 3 {
		t.Errorf("slot files %v, want 3 (<tenant-id>.<n>.lock)\n%s", names, outK)
	}
	emu.SetLatency(emulator.LatencySpec{})
	ctx2, cancel2 := context.WithTimeout(ctx, 45*time.Second)
	defer cancel2()
	n, outN := startExoplay(t, ctx2, bin, append(base, "--out", t.TempDir(), "--lease-dir", shared)...)
	if err := n.Wait(); err != nil {
		t.Fatalf("the run after the killed one: %v (a slot leaked?)\n%s", err, outN)
	}
}
