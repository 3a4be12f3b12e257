package examples_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/exoplay/exoplay/internal/cli"
	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/playbook"
)

// TestProductionExampleRunsThroughConnectTo runs cron-certificate.yaml, a
// playbook for real tenants (commercial and GCC High, certificate auth),
// byte for byte unchanged against the emulator: only --connect-to and
// --ca-file differ from a run against Microsoft. Its certificate, which a
// user would create, is made here and registered with the emulator.
func TestProductionExampleRunsThroughConnectTo(t *testing.T) {
	const example = "cron-certificate.yaml"
	src, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := playbook.Parse(example, src, playbook.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, example), src, 0o600); err != nil {
		t.Fatal(err)
	}
	// The app's certificate: a PFX where the playbook says, its password in
	// the environment, its public half registered with the emulator.
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "nightly"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	const password = "example-pfx-password"
	pfx, err := pkcs12.Modern.Encode(key, cert, nil, password)
	if err != nil {
		t.Fatal(err)
	}
	a := pb.Auth["nightly"]
	pfxPath := filepath.Join(dir, a.CertificateFile) // resolved against "." (the bare file name parsed above)
	os.MkdirAll(filepath.Dir(pfxPath), 0o700)
	if err := os.WriteFile(pfxPath, pfx, 0o600); err != nil {
		t.Fatal(err)
	}
	pubPEM := filepath.Join(dir, "public.pem")
	os.WriteFile(pubPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	t.Setenv("EXOPLAY_CERT_PASSWORD", password)

	var specs []emulator.TenantSpec
	for _, tn := range pb.Tenants {
		specs = append(specs, emulator.TenantSpec{Domain: tn.Organization, Mailboxes: 2})
	}
	emu, err := emulator.Start(emulator.Options{Tenants: specs, AppSpecs: []emulator.AppSpec{{ClientID: a.ClientID, CertificateFile: pubPEM}}})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	ca, err := emu.WriteCAFile(dir)
	if err != nil {
		t.Fatal(err)
	}

	var stdout, stderr bytes.Buffer
	code := cli.Main(context.Background(), []string{"run", filepath.Join(dir, example), "--out", filepath.Join(dir, "runs"),
		"--progress", "none", "--format", "json", "--connect-to", emu.ConnectTo, "--ca-file", ca}, strings.NewReader(""), &stdout, &stderr)
	var res struct {
		Tenants []struct {
			Name   string `json:"name"`
			Status string `json:"status"`
			Steps  []struct {
				Status string `json:"status"`
			} `json:"steps"`
		} `json:"tenants"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil || len(res.Tenants) != len(pb.Tenants) {
		t.Fatalf("exit %d, results %v\nstderr:\n%s", code, err, stderr.String())
	}
	// Every tenant signed in and every step ran; the seeded data may fail
	// an assertion (exit 3), which is the audit working, not the dialling.
	if code != cli.ExitOK && code != cli.ExitNonCompliant {
		t.Fatalf("exit %d\nstderr:\n%s\nstdout:\n%s", code, stderr.String(), stdout.String())
	}
	for _, tn := range res.Tenants {
		for _, st := range tn.Steps {
			if st.Status != "ok" && st.Status != "changed" && st.Status != "failed_assertion" {
				t.Errorf("tenant %s: a step ended %s\n%s", tn.Name, st.Status, stdout.String())
			}
		}
	}
	for _, tn := range emu.Tenants() {
		if n := emu.Counters().Tenants[tn.ID].ByCmdlet["Get-OrganizationConfig"]; n != 1 {
			t.Errorf("%s: Get-OrganizationConfig ran %d times", tn.Domain, n)
		}
	}
}
