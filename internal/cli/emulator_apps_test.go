package cli

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/exoplay/exoplay/internal/emulator"
)

// writeCertKey writes an RSA key and its self-signed certificate to one PEM
// file, as a user's app credential would be.
func writeCertKey(t *testing.T, path string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "exoplay-test-app"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	b := append(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// An unchanged production playbook (environment O365Default, certificate
// and federated managed identity auth) runs against an `exoplay emulator`
// whose apps come from its flags and its scenario file, reached only by
// --connect-to and --ca-file.
func TestEmulatorRegistersCertificateAndFederatedApps(t *testing.T) {
	dir := t.TempDir()
	const certApp, scenarioApp, fedApp = "c0c0c0c0-0000-4000-8000-00000000c001", "c0c0c0c0-0000-4000-8000-00000000c002", "c0c0c0c0-0000-4000-8000-00000000c003"
	writeCertKey(t, filepath.Join(dir, "flag-app.pem"))
	writeCertKey(t, filepath.Join(dir, "scenario-app.pem"))
	scenario := filepath.Join(dir, "scenario.yaml")
	os.WriteFile(scenario, []byte("tenants: [{domain: contoso, mailboxes: 3}]\napps:\n  - {client_id: "+scenarioApp+", certificate_file: scenario-app.pem}\n"), 0o600)

	cmd, o := emulatorCommand(&streams{})
	if err := cmd.ParseFlags([]string{"--scenario", scenario, "--app-cert", certApp + "=" + filepath.Join(dir, "flag-app.pem"), "--app-federated", fedApp}); err != nil {
		t.Fatal(err)
	}
	eo, err := emulatorOptionsFrom(cmd, o, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	emu, ca := startEmulator(t, eo)
	t.Setenv("IDENTITY_ENDPOINT", emu.IdentityEndpoint)
	t.Setenv("IDENTITY_HEADER", emu.IdentityHeader)

	pb := filepath.Join(dir, "prod.yaml")
	os.WriteFile(pb, []byte(fmt.Sprintf(`version: 1
name: prod
auth:
  flag-cert: {method: certificate, client_id: %s, certificate_file: %s}
  scenario-cert: {method: certificate, client_id: %s, certificate_file: %s}
  federated: {method: managed_identity, client_id: %s}
tenants:
  - {name: a, organization: contoso.onmicrosoft.com, auth: flag-cert}
  - {name: b, organization: contoso.onmicrosoft.com, auth: scenario-cert}
  - {name: c, organization: contoso.onmicrosoft.com, auth: federated}
steps:
  - cmdlet: Get-AcceptedDomain
`, certApp, filepath.Join(dir, "flag-app.pem"), scenarioApp, filepath.Join(dir, "scenario-app.pem"), fedApp)), 0o600)
	code, stdout, stderr := runMain(t, "run", pb, "--out", dir, "--progress", "none", "--ca-file", ca, "--connect-to", emu.ConnectTo)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if n := emu.Counters().Tenants[emulator.TenantID("contoso")].ByCmdlet["Get-AcceptedDomain"]; n != 3 {
		t.Errorf("Get-AcceptedDomain ran %d times, want once per credential", n)
	}

	// A bad flag is refused with its form.
	for _, bad := range [][]string{{"--app-cert", certApp}, {"--app-federated", fedApp + "="}} {
		c, o := emulatorCommand(&streams{})
		c.ParseFlags(bad)
		if _, err := emulatorOptionsFrom(c, o, os.Stderr); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
