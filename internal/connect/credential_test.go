package connect

import (
	"testing"

	"github.com/exoplay/exoplay/auth"
	"github.com/exoplay/exoplay/playbook"
)

// workload_identity takes client_id and token_file from the variables the
// Workload Identity webhook sets, unless the playbook names them.
func TestWorkloadIdentityDefaultsFromTheWebhook(t *testing.T) {
	t.Setenv(auth.EnvClientID, " 11111111-2222-3333-4444-555555555555 ")
	t.Setenv(auth.EnvFederatedTokenFile, "/var/run/secrets/azure/tokens/azure-identity-token")
	cred, err := Credential(&playbook.Auth{Name: "fleet", Method: auth.MethodWorkloadIdentity})
	if err != nil || cred.ClientID != "11111111-2222-3333-4444-555555555555" || cred.TokenFile != "/var/run/secrets/azure/tokens/azure-identity-token" {
		t.Fatalf("from the environment: %+v, %v", cred, err)
	}
	cred, err = Credential(&playbook.Auth{Name: "fleet", Method: auth.MethodWorkloadIdentity,
		ClientID: "66666666-7777-8888-9999-000000000000", TokenFile: "/etc/exoplay/token"})
	if err != nil || cred.ClientID != "66666666-7777-8888-9999-000000000000" || cred.TokenFile != "/etc/exoplay/token" {
		t.Fatalf("the playbook's own: %+v, %v", cred, err)
	}
	// Another method never reads them.
	cred, _ = Credential(&playbook.Auth{Name: "mi", Method: auth.MethodManagedIdentity})
	if cred.ClientID != "" || cred.TokenFile != "" {
		t.Fatalf("managed_identity took the webhook's variables: %+v", cred)
	}
}
