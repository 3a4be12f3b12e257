package auth

import (
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/exoplay/exoplay/internal/inputfile"
)

// Environment variables the Azure Workload Identity webhook sets in a pod
// labelled azure.workload.identity/use: "true" (Azure/azure-workload-identity,
// pkg/webhook/consts.go). workload_identity takes its defaults from the
// first two; AzureAuthorityHost is only compared with the tenant's cloud.
const (
	EnvClientID           = "AZURE_CLIENT_ID"
	EnvFederatedTokenFile = "AZURE_FEDERATED_TOKEN_FILE"
	EnvAuthorityHost      = "AZURE_AUTHORITY_HOST"
)

// CodeFederatedToken: the service account token file of a workload_identity
// credential could not be read, or held nothing.
const CodeFederatedToken = "federated_token_unreadable"

// federatedToken reads the service account token of a workload_identity
// credential. MSAL asks for it on every network token request, and it is
// read afresh each time: the kubelet rewrites the projected file before the
// token expires (an hour by default), so a run of many hours must never hold
// on to an old one. Nothing is cached. The value is reported as a secret,
// and no error carries it.
func (m *Manager) federatedToken(cred *Credential) (string, error) {
	fail := func(msg string) (string, error) {
		return "", configError(cred, "", CodeFederatedToken, msg,
			"token_file defaults to $"+EnvFederatedTokenFile+", which the Workload Identity webhook sets with the projected service account token; check that the pod's service account is annotated azure.workload.identity/client-id and the pod labelled azure.workload.identity/use: \"true\"")
	}
	data, err := inputfile.Read(cred.TokenFile) // a FIFO must not hang the sign-in
	if err != nil {
		return fail(fmt.Sprintf("cannot read the service account token (token_file %s): %v", cred.TokenFile, err))
	}
	tok := strings.TrimSpace(string(data))
	if tok == "" {
		return fail(fmt.Sprintf("the service account token file (token_file %s) is empty", cred.TokenFile))
	}
	m.secret(tok)
	return tok, nil
}

// checkAuthorityHost warns when $AZURE_AUTHORITY_HOST names another host
// than the tenant's cloud authority. exoplay signs in where the tenant's
// environment (or authority_uri) says, as for every method: one run spans
// tenants of several clouds, while the webhook sets one host for the whole
// pod, so that variable cannot decide the authority. A disagreement is still
// worth a word: the app's federated credential lives in one cloud.
func (m *Manager) checkAuthorityHost(authority string) {
	raw := strings.TrimSpace(os.Getenv(EnvAuthorityHost))
	if raw == "" {
		return
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		m.warn("$%s (%q) is not a URL; it is ignored: workload_identity signs in at the tenant's cloud authority %s", EnvAuthorityHost, raw, authority)
		return
	}
	if host := strings.ToLower(u.Host); "https://"+host != authority {
		m.warn("$%s is %s but this tenant's cloud authority is %s; exoplay signs in at the tenant's authority (set the tenant's environment or authority_uri to change it)", EnvAuthorityHost, raw, authority)
	}
}
