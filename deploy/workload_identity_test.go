package deploy

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/exoplay/exoplay/internal/cli"
	"github.com/exoplay/exoplay/internal/connect"
	"github.com/exoplay/exoplay/internal/emulator"
)

// TestWorkloadIdentityOverlayRuns plays the Workload Identity webhook and
// kubelet over overlays/workload-identity as kustomize builds it: the app
// is the service account's azure.workload.identity/client-id annotation
// (AZURE_CLIENT_ID), the subject system:serviceaccount:exoplay:<its name>
// as docs/kubernetes.md §6.1 registers it, and a projected token in
// AZURE_FEDERATED_TOKEN_FILE. The CronJob's own arguments then run the
// overlay's playbook, unchanged, against an emulator whose app trusts that
// cluster issuer, in every tenant of the overlay's inventory.
func TestWorkloadIdentityOverlayRuns(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed: the overlay is not built")
	}
	built, err := exec.Command(kubectl, "kustomize", "kubernetes/overlays/workload-identity").Output()
	if err != nil {
		t.Fatalf("kubectl kustomize: %v\n%s", err, stderrOf(err))
	}
	work := t.TempDir()
	etc, state := filepath.Join(work, "etc"), filepath.Join(work, "state")
	os.MkdirAll(etc, 0o750)
	var sa *corev1.ServiceAccount
	var container corev1.Container
	for i, doc := range documents(built) {
		switch v := typed(t, fmt.Sprintf("workload-identity #%d", i+1), doc).(type) {
		case *corev1.ServiceAccount:
			sa = v
		case *batchv1.CronJob:
			container = v.Spec.JobTemplate.Spec.Template.Spec.Containers[0]
		case *corev1.ConfigMap:
			for name, data := range v.Data {
				os.WriteFile(filepath.Join(etc, name), []byte(data), 0o640)
			}
		}
	}
	if sa == nil || len(container.Args) == 0 {
		t.Fatal("the overlay has no service account or no CronJob")
	}
	clientID := sa.Annotations["azure.workload.identity/client-id"]

	// The cluster's service account issuer and its key.
	const issuer = "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000000/11111111-1111-1111-1111-111111111111/"
	subject := "system:serviceaccount:exoplay:" + sa.Name
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	keyFile := filepath.Join(work, "issuer.pub")
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600)
	now := time.Now()
	token, err := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": issuer, "sub": subject,
		"aud": []string{"api://AzureADTokenExchange"}, "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix()}).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(work, "azure-identity-token")
	os.WriteFile(tokenFile, []byte(token), 0o600)

	tenants := []emulator.TenantSpec{{Domain: "contoso"}, {Domain: "fabrikam"}, {Domain: "northwind"}}
	emu, ca := startEmulator(t, emulator.Options{Tenants: tenants, AppSpecs: []emulator.AppSpec{{ClientID: clientID,
		FederatedCredentials: []emulator.FederatedCredentialSpec{{Issuer: issuer, Subject: subject, IssuerKeyFile: keyFile}}}}}, work)
	// What the webhook and the kubelet put into the pod.
	t.Setenv("AZURE_CLIENT_ID", clientID)
	t.Setenv("AZURE_FEDERATED_TOKEN_FILE", tokenFile)
	t.Setenv("AZURE_AUTHORITY_HOST", "https://login.microsoftonline.com/")
	t.Setenv(connect.ConnectToEnv, emu.ConnectTo)
	t.Setenv(connect.CAFileEnv, ca)

	args := make([]string, len(container.Args))
	for i, a := range container.Args {
		a = strings.ReplaceAll(a, "/etc/exoplay", etc)
		a = strings.ReplaceAll(a, "/var/lib/exoplay", state)
		args[i] = strings.ReplaceAll(a, "$(JOB_NAME)", "exoplay-audit-1")
	}
	var out, errb bytes.Buffer
	code := cli.Main(context.Background(), args, strings.NewReader(""), &out, &errb)
	// 3: the overlay's audit found non-compliant settings; it ran.
	if code != cli.ExitOK && code != 3 {
		t.Fatalf("exoplay %s: exit %d\n%s\n%s", strings.Join(args, " "), code, out.String(), errb.String())
	}
	for _, tn := range emu.Tenants() {
		if n := emu.Counters().Tenants[tn.ID].ByCmdlet["Get-OrganizationConfig"]; n != 1 {
			t.Errorf("%s: Get-OrganizationConfig ran %d times, want once", tn.Domain, n)
		}
	}
	if strings.Contains(out.String()+errb.String(), token) {
		t.Error("the service account token appears in the output")
	}
}
