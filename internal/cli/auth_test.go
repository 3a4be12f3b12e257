package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/internal/connect"
	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/internal/emulator/entra"
)

const (
	authTestTenantID = "11111111-aaaa-4aaa-8aaa-111111111111"
	authTestPassword = emulator.DemoUserPassword
	authTestAppID    = "aaaaaaaa-0000-4000-8000-000000000003"
)

// authTestPlaybook writes a production playbook (O365Default, no endpoint
// overrides): its tenants sign in at login.microsoftonline.com, which the
// commands dial to the emulator (--connect-to) and trust (--ca-file).
func authTestPlaybook(t *testing.T) string {
	t.Helper()
	pb := `version: 1
name: auth-cli
auth:
  ropc:
    method: username_password
    username: admin@contoso.onmicrosoft.com
    password: ${{ env.EXOPLAY_TEST_PASSWORD }}
  device:
    method: device_code
    client_id: ` + authTestAppID + `
  app:
    method: client_secret
    client_id: 22222222-3333-4444-5555-666666666666
    client_secret: ${{ env.EXOPLAY_TEST_SECRET }}
tenants:
  - {name: contoso, organization: contoso.onmicrosoft.com, auth: ropc}
  - {name: dc, tenant_id: ` + authTestTenantID + `, auth: device}
  - {name: app, organization: contoso.onmicrosoft.com, auth: app}
steps:
  - cmdlet: Get-OrganizationConfig
`
	p := filepath.Join(t.TempDir(), "auth.yaml")
	if err := os.WriteFile(p, []byte(pb), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAuthLoginAndStatus(t *testing.T) {
	emu, ca := startEmulator(t, emulator.Options{
		Tenants: []emulator.TenantSpec{{Domain: "contoso", ID: authTestTenantID}},
		Apps:    []entra.App{{ClientID: authTestAppID, Public: true}},
	})
	t.Setenv(connect.ConnectToEnv, "") // the flag alone dials here
	t.Setenv("EXOPLAY_TEST_PASSWORD", authTestPassword)
	t.Setenv("EXOPLAY_TEST_SECRET", "unused-secret")
	path := authTestPlaybook(t)
	noTTY := false
	cacheDir := t.TempDir()
	var out, errOut bytes.Buffer
	s := &streams{In: strings.NewReader(""), Out: &out, Err: &errOut}
	opts := func(tenants ...string) *authOptions {
		return &authOptions{IO: s, playbook: path, tenants: tenants, cacheDir: cacheDir, network: connect.Network{CAFile: ca, ConnectTo: []string{emu.ConnectTo}}, interactive: &noTTY, format: "text"}
	}
	ctx := context.Background()

	// Before any sign-in, status says what to run and exits 4.
	err := runAuthStatus(ctx, opts("contoso,app"))
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != ExitAuthFailed || !strings.Contains(out.String(), "exoplay auth login") {
		t.Fatalf("status before login: %v\n%s", err, out.String())
	}
	out.Reset()
	// Tenants are looked at in parallel; rows keep the playbook's order.
	o := opts()
	o.format = "json"
	_ = runAuthStatus(ctx, o)
	var rows []authStatusRow
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil || len(rows) != 3 || rows[0].Tenant != "contoso" || rows[1].Tenant != "dc" || rows[2].Tenant != "app" || !rows[2].Usable || rows[0].Usable {
		t.Fatalf("status json before login: %s (%v)", out.String(), err)
	}
	out.Reset()

	if err := runAuthLogin(ctx, opts("contoso", "app")); err != nil {
		t.Fatalf("login: %v\nstdout %s\nstderr %s", err, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "signed in as admin@contoso.onmicrosoft.com") || !strings.Contains(out.String(), "needs no sign-in") {
		t.Fatalf("login output:\n%s", out.String())
	}
	out.Reset()

	o = opts("contoso")
	o.format = "json"
	if err := runAuthStatus(ctx, o); err != nil {
		t.Fatalf("status after login: %v\n%s", err, out.String())
	}
	rows = nil
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil || len(rows) != 1 || !rows[0].Usable || rows[0].TenantID != authTestTenantID || rows[0].ExpiresOn == nil {
		t.Fatalf("status json %s (%v)", out.String(), err)
	}
	out.Reset()

	// Cache listing without a playbook.
	o = opts()
	o.playbook = ""
	if err := runAuthStatus(ctx, o); err != nil || !strings.Contains(out.String(), "admin@contoso.onmicrosoft.com") {
		t.Fatalf("listing: %v\n%s", err, out.String())
	}
	out.Reset()

	// Device code without a terminal: a clear failure, no prompt.
	err = runAuthLogin(ctx, opts("dc"))
	if !errors.As(err, &ee) || ee.Code != ExitAuthFailed || !strings.Contains(out.String(), "no terminal") || emu.Counters().Tokens.DeviceCodes != 0 {
		t.Fatalf("device code without terminal: %v\n%s", err, out.String())
	}
	out.Reset()

	// EXOPLAY_CA_FILE is honoured like --ca-file (issue 9): without either,
	// resolving the tenant's domain at its authority fails on trust.
	o = opts("contoso")
	o.network.CAFile = ""
	t.Setenv(connect.CAFileEnv, "")
	if err := runAuthStatus(ctx, o); err == nil || !strings.Contains(out.String(), "cannot tell") {
		t.Errorf("status without trusting the emulator: %v\n%s", err, out.String())
	}
	out.Reset()
	t.Setenv(connect.CAFileEnv, ca)
	if err := runAuthStatus(ctx, o); err != nil {
		t.Errorf("status with %s: %v\n%s", connect.CAFileEnv, err, out.String())
	}
	for _, text := range []string{out.String(), errOut.String()} {
		if strings.Contains(text, authTestPassword) {
			t.Fatal("password leaked")
		}
	}
}
