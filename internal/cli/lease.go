package cli

import (
	"os"

	"github.com/spf13/pflag"

	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/runner/lease"
)

// leaseDirEnv sets --lease-dir's default (e.g. a volume that every pod of a
// deployment mounts).
const leaseDirEnv = "EXOPLAY_LEASE_DIR"

func addLeaseFlag(f *pflag.FlagSet, dir *string) {
	f.StringVar(dir, "lease-dir", "", "share max_sessions_per_org with every exoplay process that uses this `DIR` (a slot file per organization and request, locked while in flight); default $"+leaseDirEnv+", else "+lease.DefaultPath()+"; a shared volume makes the cap hold across hosts that lock it")
}

// openLeases opens the lease directory a run shares its per-organization
// cap through. Without --lease-dir (or its env) a run whose tenants all
// live in its own in-process emulator shares nothing: no other process can
// reach those organizations, and their tenant ids are the same in every
// emulator.
func openLeases(flag string, tenants []*playbook.Tenant) (*lease.Dir, error) {
	dir := flag
	if dir == "" {
		dir = os.Getenv(leaseDirEnv)
	}
	if dir == "" {
		_, emulated := emulatorTenants(tenants)
		if emulated == len(tenants) {
			return nil, nil
		}
		dir = lease.DefaultPath()
	}
	d, err := lease.Open(dir)
	if err != nil {
		return nil, exitf(ExitInvalid, "--lease-dir: %v", err)
	}
	return d, nil
}
