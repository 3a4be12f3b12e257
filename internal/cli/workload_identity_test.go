package cli

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/exoplay/exoplay/internal/emulator"
)

const (
	wiApp     = "c0c0c0c0-0000-4000-8000-00000000c0a1"
	wiIssuer  = "https://oidc.prod-aks.azure.com/00000000-1111-4222-8333-444444444444/"
	wiSubject = "system:serviceaccount:exoplay:exoplay"
)

// workloadCluster is a stand-in for a Kubernetes cluster's service account
// issuer: it signs projected tokens and publishes its public key, which the
// emulator's app trusts through a federated identity credential (given as a
// PEM file, as an `exoplay emulator --scenario` user gives it).
type workloadCluster struct {
	key     *rsa.PrivateKey
	keyFile string
}

func newWorkloadCluster(t *testing.T, dir string) *workloadCluster {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	c := &workloadCluster{key: key, keyFile: filepath.Join(dir, fmt.Sprintf("issuer-%p.pub", key))}
	if err := os.WriteFile(c.keyFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return c
}

// project writes a service account token to path as the kubelet does and
// returns it; mod changes its claims.
func (c *workloadCluster) project(t *testing.T, path string, mod func(jwt.MapClaims)) string {
	t.Helper()
	now := time.Now()
	claims := jwt.MapClaims{"iss": wiIssuer, "sub": wiSubject, "aud": []string{"api://AzureADTokenExchange"},
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"kubernetes.io": map[string]any{"namespace": "exoplay", "serviceaccount": map[string]any{"name": "exoplay"}}}
	if mod != nil {
		mod(claims)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = "cluster-key"
	s, err := tok.SignedString(c.key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

// wiPlaybook is an unchanged production playbook (O365Default) whose auth
// takes client_id and token_file from the environment the Workload
// Identity webhook sets.
func wiPlaybook(t *testing.T, dir string, emu *emulator.Emulator) string {
	t.Helper()
	pb := filepath.Join(dir, "fleet.yaml")
	os.WriteFile(pb, []byte(fmt.Sprintf(`version: 1
name: fleet
auth:
  fleet: {method: workload_identity}
tenants:
  - {name: contoso, organization: %s, auth: fleet}
  - {name: fabrikam, organization: %s, auth: fleet}
steps:
  - {id: domains, cmdlet: Get-AcceptedDomain}
`, emu.Tenants()[0].Domain, emu.Tenants()[1].Domain)), 0o600)
	return pb
}

// A playbook signs in with workload_identity to two tenants of an emulator
// reached only through the production names (--connect-to, --ca-file); the
// kubelet's rotation of the token file (and the cluster's new signing key)
// is picked up by the next run; Entra's refusals of a wrong subject,
// audience or an expired token are explained; and the service account
// token appears in no output, log, result or recording.
func TestWorkloadIdentityRun(t *testing.T) {
	dir := t.TempDir()
	cluster := newWorkloadCluster(t, dir)
	emu, ca := startEmulator(t, emulator.Options{AppSpecs: []emulator.AppSpec{{ClientID: wiApp,
		FederatedCredentials: []emulator.FederatedCredentialSpec{{Issuer: wiIssuer, Subject: wiSubject, IssuerKeyFile: cluster.keyFile}}}}})
	tokenFile := filepath.Join(dir, "azure-identity-token")
	t.Setenv("AZURE_CLIENT_ID", wiApp)
	t.Setenv("AZURE_FEDERATED_TOKEN_FILE", tokenFile)
	pb := wiPlaybook(t, dir, emu)
	out := t.TempDir()
	var all strings.Builder
	run := func(wantCode int, args ...string) string {
		t.Helper()
		code, stdout, stderr := runMain(t, append([]string{"run", pb, "--out", out, "--ca-file", ca, "--progress", "plain", "--log-level", "debug"}, args...)...)
		all.WriteString(stdout + stderr)
		if code != wantCode {
			t.Fatalf("exit %d, want %d\n%s\n%s", code, wantCode, stdout, stderr)
		}
		return stdout + stderr
	}
	ran := func() int {
		n := 0
		for _, tn := range emu.Tenants() {
			if emu.Counters().Tenants[tn.ID].ByCmdlet["Get-AcceptedDomain"] > 0 {
				n++
			}
		}
		return n
	}

	var assertions []string
	assertions = append(assertions, cluster.project(t, tokenFile, nil))
	run(ExitOK, "--format", "json", "--record", filepath.Join(out, "cassettes"))
	if n := ran(); n != 2 {
		t.Fatalf("Get-AcceptedDomain ran in %d tenants, want 2", n)
	}

	// Preflight signs in as the run does and says how.
	code, stdout, stderr := runMain(t, "preflight", pb, "--ca-file", ca, "--format", "json")
	all.WriteString(stdout + stderr)
	var ready struct {
		Tenants []struct {
			Status string
			Method string `json:"auth_method"`
		}
	}
	if code != ExitOK || json.Unmarshal([]byte(stdout), &ready) != nil || len(ready.Tenants) != 2 {
		t.Fatalf("preflight: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, r := range ready.Tenants {
		if r.Status != "ready" || r.Method != "workload_identity" {
			t.Errorf("preflight: %+v", r)
		}
	}

	// The cluster rotates its key and the kubelet rewrites the file: the
	// next run presents the new token (the old one would now be refused).
	rotated := newWorkloadCluster(t, dir)
	emu.Authority().SetIssuerKeys(wiIssuer, &rotated.key.PublicKey)
	if msg := run(ExitAuthFailed); !strings.Contains(msg, "AADSTS50013") {
		t.Fatalf("the old token after the key rotation: %s", msg)
	}
	assertions = append(assertions, rotated.project(t, tokenFile, nil))
	run(ExitOK)

	// Entra's refusals, explained.
	for _, tc := range []struct {
		mod  func(jwt.MapClaims)
		want []string
	}{
		{func(c jwt.MapClaims) { c["sub"] = "system:serviceaccount:default:default" }, []string{"AADSTS700213", "system:serviceaccount:default:default", "system:serviceaccount:<namespace>:<service account>"}},
		{func(c jwt.MapClaims) { c["aud"] = []string{"https://kubernetes.default.svc"} }, []string{"AADSTS700212", "api://AzureADTokenExchange"}},
		{func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-10 * time.Minute).Unix() }, []string{"AADSTS700024", "token_file"}},
	} {
		assertions = append(assertions, rotated.project(t, tokenFile, tc.mod))
		msg := run(ExitAuthFailed)
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: the output does not say %q:\n%s", tc.want[0], w, msg)
			}
		}
	}
	// No token file at all: the message names the setting and the variable.
	t.Setenv("AZURE_FEDERATED_TOKEN_FILE", "")
	if msg := run(ExitAuthFailed); !strings.Contains(msg, "token_file") || !strings.Contains(msg, "AZURE_FEDERATED_TOKEN_FILE") {
		t.Errorf("without a token file: %s", msg)
	}

	// The tokens appear nowhere: stdout, stderr, results, exoplay.log, cassettes.
	files, recordedAssertion := 0, false
	filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			recordedAssertion = recordedAssertion || strings.Contains(path, "cassettes") && strings.Contains(string(b), "client_assertion")
			all.WriteString("\n" + path + "\n")
			all.Write(b)
			files++
		}
		return err
	})
	if files < 10 || !strings.Contains(all.String(), "exoplay.log") || !strings.Contains(all.String(), "results.json") {
		t.Fatalf("only %d files in the run directories; the test proves nothing", files)
	}
	if !recordedAssertion {
		t.Fatal("no recorded token request carries client_assertion: the cassettes were not checked")
	}
	for i, a := range assertions {
		if strings.Contains(all.String(), a) {
			t.Errorf("service account token %d appears in the output", i)
		}
	}
}

// `exoplay auth status` lists a workload_identity tenant as needing no
// sign-in ahead of a run.
func TestWorkloadIdentityAuthStatus(t *testing.T) {
	dir := t.TempDir()
	emu, _ := startEmulator(t, emulator.Options{})
	code, stdout, stderr := runMain(t, "auth", "status", "--playbook", wiPlaybook(t, dir, emu), "--format", "json")
	var rows []authStatusRow
	if code != ExitOK || json.Unmarshal([]byte(stdout), &rows) != nil || len(rows) != 2 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, r := range rows {
		if r.Method != "workload_identity" || !r.Usable || !strings.Contains(r.Note, "needs no sign-in") {
			t.Errorf("row %+v", r)
		}
	}
}
