package cli

import (
	"net/http"
	"strings"

	"github.com/rs/zerolog"

	"github.com/exoplay/exoplay/cloud"
	"github.com/exoplay/exoplay/internal/connect"
	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/playbook"
)

// `environment: Emulator` is sugar, and this file is all of it: the run
// starts the emulator in-process, dials every host name to it (a
// --connect-to rule), trusts its CA, and treats the tenant as the cloud its
// `emulate:` names (O365Default unless it says otherwise). Below here
// nothing knows it talks to an emulator: the same URLs, token resources,
// redirects and MSAL flows as against Microsoft.

// network is what a run talks through: one HTTP client and, for tenants in
// the Emulator environment, an in-process emulator seeded with their
// organizations and the demo app that signs in tenants naming no auth.
type network struct {
	client  *http.Client
	demoApp *connect.App // nil without emulator tenants
	close   func()
}

func openNetwork(nw connect.Network, tenants []*playbook.Tenant, logger zerolog.Logger) (*network, error) {
	n := &network{close: func() {}}
	connectTo := nw.ConnectTo
	specs, emuTenants := emulatorTenants(tenants)
	var emu *emulator.Emulator
	if len(specs) > 0 {
		var err error
		if emu, err = emulator.Start(emulator.Options{Tenants: specs}); err != nil {
			return nil, exitf(ExitStepFailed, "starting the emulator: %v", err)
		}
		logger.Info().Str("addr", emu.Addr).Msg("emulator started")
		// The emulator's rule comes first: the run's own --connect-to rules
		// stay for its other tenants.
		nw.ConnectTo = append([]string{emu.ConnectTo}, connectTo...)
		nw.CAs = [][]byte{emu.CACertPEM}
		// Parsing the system's CA bundle costs ~10 ms of CPU: skip it when
		// the run only talks to the in-process emulator.
		nw.NoSystemRoots = emuTenants == len(tenants)
		n.demoApp = &connect.App{Name: "emulator-demo-app", ClientID: emu.DemoClientID, Secret: emu.DemoSecret}
	}
	client, err := nw.Client()
	if err != nil {
		if emu != nil {
			emu.Close()
		}
		return nil, exitf(ExitInvalid, "%v", err)
	}
	n.client = client
	if emu != nil {
		n.close = func() {
			// Connections we opened but never used would hold the
			// emulator's graceful shutdown for seconds.
			client.CloseIdleConnections()
			emu.Close()
		}
	}
	return n, nil
}

// environmentOf is the cloud whose names a tenant uses: its environment,
// or for Emulator tenants the cloud the emulator stands in for.
func environmentOf(t *playbook.Tenant) string {
	if !isEmulated(t) {
		return t.Environment
	}
	if t.Emulate != "" {
		return t.Emulate
	}
	return cloud.Default
}

func isEmulated(t *playbook.Tenant) bool { return strings.EqualFold(t.Environment, cloud.Emulator) }

// emulatorTenants lists the organizations of tenants in the Emulator
// environment (each once) and counts those tenants.
func emulatorTenants(ts []*playbook.Tenant) (specs []emulator.TenantSpec, n int) {
	seen := map[string]bool{}
	for _, t := range ts {
		if !isEmulated(t) {
			continue
		}
		n++
		key := strings.ToLower(t.Organization + "|" + t.TenantID)
		if seen[key] {
			continue
		}
		seen[key] = true
		specs = append(specs, emulator.TenantSpec{Domain: t.Organization, ID: t.TenantID})
	}
	return specs, n
}
