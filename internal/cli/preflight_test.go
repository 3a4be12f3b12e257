package cli

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/internal/emulator/entra"
)

// certExpiringIn writes a PEM certificate + key that expires in d and
// returns the certificate for the emulator's app registration.
func certExpiringIn(t *testing.T, path string, d time.Duration) *x509.Certificate {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "exoplay-preflight"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(d)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	b := append(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// preflightEmulator has three organizations: contoso signs in with the demo
// app, fabrikam with an app that lacks Exchange.ManageAsApp (it gets a
// token, but Exchange refuses it), northwind with a certificate that
// expires in 10 days.
func preflightEmulator(t *testing.T) (dir, ca string, pb func(tenants ...string) string) {
	dir = t.TempDir()
	const weakApp, certApp = "f1f1f1f1-0000-4000-8000-00000000f001", "f1f1f1f1-0000-4000-8000-00000000f002"
	cert := certExpiringIn(t, filepath.Join(dir, "app.pem"), 10*24*time.Hour+time.Hour)
	emu, ca := startEmulator(t, emulator.Options{
		Tenants: []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com"}, {Domain: "fabrikam.onmicrosoft.com"}, {Domain: "northwind.onmicrosoft.com"}},
		Apps: []entra.App{
			{ClientID: weakApp, Secret: "weak-app-secret-value", Roles: []string{"Mail.Read"}},
			{ClientID: certApp, Certificates: []*x509.Certificate{cert}},
		},
	})
	t.Setenv("WEAK_SECRET", "weak-app-secret-value")
	auths := map[string]string{"contoso": "app", "fabrikam": "weak", "northwind": "cert"}
	pb = func(tenants ...string) string {
		var b strings.Builder
		fmt.Fprintf(&b, `version: 1
name: preflight
auth:
  app: {method: client_secret, client_id: %s, client_secret: "${{ env.%s }}"}
  weak: {method: client_secret, client_id: %s, client_secret: "${{ env.WEAK_SECRET }}"}
  cert: {method: certificate, client_id: %s, certificate_file: %s}
tenants:
`, emu.DemoClientID, secretEnv, weakApp, certApp, filepath.Join(dir, "app.pem"))
		for _, n := range tenants {
			fmt.Fprintf(&b, "  - {name: %s, organization: %s.onmicrosoft.com, auth: %s}\n", n, n, auths[n])
		}
		b.WriteString(`steps:
  - id: modern-auth
    cmdlet: Set-OrganizationConfig
    parameters: {OAuth2ClientProfileEnabled: true}
`)
		path := filepath.Join(dir, strings.Join(tenants, "-")+".yaml")
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	return dir, ca, pb
}

func TestPreflightShowsReadinessAndBlocksTenantsThatAreNotReady(t *testing.T) {
	dir, ca, pb := preflightEmulator(t)
	all := pb("contoso", "fabrikam", "northwind")

	code, stdout, stderr := runMain(t, "preflight", all, "--ca-file", ca, "--format", "json")
	if code != ExitOK {
		t.Fatalf("preflight: exit %d\n%s\n%s", code, stdout, stderr)
	}
	var m struct {
		Tenants []struct {
			Tenant, Status, Reason string
			TenantID               string `json:"tenant_id"`
			Roles                  []string
			Days                   *int `json:"certificate_days_left"`
			Warnings               []string
			Reads                  []struct {
				Cmdlet string
				OK     bool
			}
		}
		Ready, Blocked int
	}
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if m.Ready != 2 || m.Blocked != 1 || len(m.Tenants) != 3 {
		t.Fatalf("readiness %+v, want 2 ready and fabrikam blocked", m)
	}
	c, f, n := m.Tenants[0], m.Tenants[1], m.Tenants[2]
	if c.Status != "ready" || c.TenantID != emulator.TenantID("contoso.onmicrosoft.com") || !strings.Contains(strings.Join(c.Roles, ","), "Exchange.ManageAsApp") ||
		len(c.Reads) != 1 || c.Reads[0].Cmdlet != "Get-AcceptedDomain" || !c.Reads[0].OK {
		t.Errorf("contoso: %+v", c)
	}
	if f.Status != "blocked" || !strings.Contains(f.Reason, "Exchange.ManageAsApp") {
		t.Errorf("fabrikam: %+v, want blocked naming the missing role", f)
	}
	if n.Status != "ready" || n.Days == nil || *n.Days != 10 || len(n.Warnings) != 1 || !strings.Contains(n.Warnings[0], "expires in 10 days") {
		t.Errorf("northwind: %+v, want ready with a warning: certificate expires in 10 days", n)
	}
	if strings.Contains(stdout+stderr, "weak-app-secret-value") {
		t.Fatal("a secret appears in the output")
	}
	// The text matrix.
	code, stdout, _ = runMain(t, "preflight", all, "--ca-file", ca)
	if code != ExitOK || !strings.Contains(stdout, "fabrikam") || !strings.Contains(stdout, "2 ready, 1 blocked") {
		t.Errorf("text matrix: exit %d\n%s", code, stdout)
	}

	// None ready: exit 4.
	if code, stdout, stderr := runMain(t, "preflight", pb("fabrikam"), "--ca-file", ca); code != ExitAuthFailed {
		t.Errorf("only a blocked tenant: exit %d, want 4\n%s\n%s", code, stdout, stderr)
	}

	// A run that writes to several tenants checks them first: the blocked
	// one gets no call, the others their writes.
	code, stdout, stderr = runMain(t, "run", all, "--ca-file", ca, "--out", filepath.Join(dir, "runs"), "--format", "json", "--progress", "none")
	if code != ExitStepFailed {
		t.Fatalf("run: exit %d, want 1 (one tenant blocked)\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "Preflight:") || strings.Contains(stdout, "Preflight:") {
		t.Errorf("the readiness matrix goes to stderr only\n%s", stderr)
	}
	st := tenantStatuses(t, stdout)
	if st["contoso"] != "changed" || st["northwind"] != "changed" || st["fabrikam"] != "failed preflight_blocked modern-auth=skipped" {
		t.Errorf("statuses %v", st)
	}
	// --preflight=false: the write goes out and the service refuses it.
	code, stdout, _ = runMain(t, "run", all, "--ca-file", ca, "--out", filepath.Join(dir, "runs"), "--format", "json", "--progress", "none", "--preflight=false")
	if st := tenantStatuses(t, stdout); code != ExitStepFailed || !strings.HasPrefix(st["fabrikam"], "failed") || strings.Contains(st["fabrikam"], "preflight") {
		t.Errorf("--preflight=false: exit %d, statuses %v", code, st)
	}
}

// tenantStatuses reads results.json: tenant -> status (and, for a failed
// tenant with an error code, the code and its steps' statuses).
func tenantStatuses(t *testing.T, out string) map[string]string {
	t.Helper()
	var res struct {
		Tenants []struct {
			Name, Status string
			Error        *struct{ Code string }
			Steps        []struct{ ID, Status string }
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	m := map[string]string{}
	for _, tr := range res.Tenants {
		s := tr.Status
		if tr.Error != nil && tr.Error.Code != "" {
			s += " " + tr.Error.Code
			for _, st := range tr.Steps {
				s += " " + st.ID + "=" + st.Status
			}
		}
		m[tr.Name] = s
	}
	return m
}
