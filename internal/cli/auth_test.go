package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/internal/emulator/entra"
)

const (
	authTestTenantID = "11111111-aaaa-4aaa-8aaa-111111111111"
	authTestPassword = "Cli-Passw0rd-Do-Not-Leak"
	authTestAppID    = "aaaaaaaa-0000-4000-8000-000000000003"
)

// authTestPlaybook writes a playbook whose tenants sign in at authority.
func authTestPlaybook(t *testing.T, authority string) string {
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
  - {name: contoso, organization: contoso.onmicrosoft.com, auth: ropc, authority_uri: "` + authority + `/common"}
  - {name: dc, tenant_id: ` + authTestTenantID + `, auth: device, authority_uri: "` + authority + `"}
  - {name: app, organization: contoso.onmicrosoft.com, auth: app, authority_uri: "` + authority + `"}
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
	a, err := entra.New(entra.Options{
		Tenants:   []entra.Tenant{{ID: authTestTenantID, Domain: "contoso.onmicrosoft.com"}},
		Apps:      []entra.App{{ClientID: "fb78d390-0c51-40cd-8e17-fdbfab77341b", Public: true}, {ClientID: authTestAppID, Public: true}},
		Users:     []entra.User{{UPN: "admin@contoso.onmicrosoft.com", Password: authTestPassword, TenantID: authTestTenantID}},
		Resources: []string{"https://outlook.office365.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(a.Handler())
	defer srv.Close()
	a.SetBaseURL(srv.URL)
	t.Setenv("EXOPLAY_TEST_PASSWORD", authTestPassword)
	t.Setenv("EXOPLAY_TEST_SECRET", "unused-secret")
	path := authTestPlaybook(t, srv.URL)
	noTTY := false
	cacheDir := t.TempDir()
	opts := func(tenants ...string) *authOptions {
		return &authOptions{playbook: path, tenants: tenants, cacheDir: cacheDir, httpClient: srv.Client(), interactive: &noTTY, format: "text"}
	}
	var out, errOut bytes.Buffer
	s := &streams{In: strings.NewReader(""), Out: &out, Err: &errOut}
	ctx := context.Background()

	// Before any sign-in, status says what to run and exits 4.
	err = runAuthStatus(ctx, s, opts("contoso,app"))
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != ExitAuthFailed || !strings.Contains(out.String(), "exoplay auth login") {
		t.Fatalf("status before login: %v\n%s", err, out.String())
	}
	out.Reset()
	// Tenants are looked at in parallel; rows keep the playbook's order.
	o := opts()
	o.format = "json"
	_ = runAuthStatus(ctx, s, o)
	var rows []authStatusRow
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil || len(rows) != 3 || rows[0].Tenant != "contoso" || rows[1].Tenant != "dc" || rows[2].Tenant != "app" || !rows[2].Usable || rows[0].Usable {
		t.Fatalf("status json before login: %s (%v)", out.String(), err)
	}
	out.Reset()

	if err := runAuthLogin(ctx, s, opts("contoso", "app")); err != nil {
		t.Fatalf("login: %v\nstdout %s\nstderr %s", err, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "signed in as admin@contoso.onmicrosoft.com") || !strings.Contains(out.String(), "needs no sign-in") {
		t.Fatalf("login output:\n%s", out.String())
	}
	out.Reset()

	o = opts("contoso")
	o.format = "json"
	if err := runAuthStatus(ctx, s, o); err != nil {
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
	if err := runAuthStatus(ctx, s, o); err != nil || !strings.Contains(out.String(), "admin@contoso.onmicrosoft.com") {
		t.Fatalf("listing: %v\n%s", err, out.String())
	}
	out.Reset()

	// Device code without a terminal: a clear failure, no prompt.
	err = runAuthLogin(ctx, s, opts("dc"))
	if !errors.As(err, &ee) || ee.Code != ExitAuthFailed || !strings.Contains(out.String(), "no terminal") || a.Counters().DeviceCodes != 0 {
		t.Fatalf("device code without terminal: %v\n%s", err, out.String())
	}
	for _, text := range []string{out.String(), errOut.String()} {
		if strings.Contains(text, authTestPassword) {
			t.Fatal("password leaked")
		}
	}
}
