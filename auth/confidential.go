package auth

import (
	"context"
	"fmt"
	"strconv"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
)

// confidentialAcq gets app-only tokens (client credentials) for any tenant
// from one MSAL confidential client: certificate, client secret, or a
// federated credential (a managed identity's token, or a Kubernetes service
// account token for workload_identity).
type confidentialAcq struct {
	m      *Manager
	cred   *Credential
	client confidential.Client
}

func newConfidential(m *Manager, cred *Credential, authority, tenant string) (*confidentialAcq, error) {
	var mc confidential.Credential
	var err error
	switch cred.Method {
	case MethodCertificate:
		cc, lerr := loadCertificate(cred, m.now())
		if lerr != nil {
			return nil, configError(cred, tenant, CodeCertificate, lerr.Error(), "")
		}
		mc, err = confidential.NewCredFromCert(cc.chain, cc.key)
	case MethodClientSecret:
		mc, err = confidential.NewCredFromSecret(cred.ClientSecret)
	case MethodManagedIdentity:
		mi, merr := newManagedIdentity(m, cred)
		if merr != nil {
			return nil, merr
		}
		audience := tokenExchangeAudience(authority)
		// Called by MSAL for every network token request; the MI client
		// caches its own token, so this is cheap.
		mc = confidential.NewCredFromAssertionCallback(func(ctx context.Context, _ confidential.AssertionRequestOptions) (string, error) {
			res, err := mi.acquire(ctx, "", audience, "")
			return res.token, err
		})
	case MethodWorkloadIdentity:
		m.checkAuthorityHost(authority)
		mc = confidential.NewCredFromAssertionCallback(func(context.Context, confidential.AssertionRequestOptions) (string, error) {
			return m.federatedToken(cred)
		})
	default:
		return nil, fmt.Errorf("method %s is not app-only", cred.Method)
	}
	if err != nil {
		return nil, configError(cred, tenant, CodeInvalidConfig, err.Error(), "")
	}
	opts := []confidential.Option{
		confidential.WithInstanceDiscovery(instanceDiscovery(authority)),
		// Ignore MSAL_FORCE_REGION: regional endpoints are an opt-in.
		confidential.WithAzureRegion("DisableMsalForceRegion"),
	}
	if m.opts.HTTPClient != nil {
		opts = append(opts, confidential.WithHTTPClient(m.opts.HTTPClient))
	}
	// The base authority needs a tenant; every request names its own.
	client, err := confidential.New(authority+"/"+tenant, cred.ClientID, mc, opts...)
	if err != nil {
		return nil, configError(cred, tenant, CodeInvalidConfig, err.Error(), "")
	}
	return &confidentialAcq{m: m, cred: cred, client: client}, nil
}

func (a *confidentialAcq) interactive() bool { return false }

func (a *confidentialAcq) acquire(ctx context.Context, tenant, resource, claims string) (tokenResult, error) {
	scopes := []string{resource + "/.default"}
	return a.m.retry(ctx, "client_credentials "+tenant, func() (tokenResult, error) {
		opts := []confidential.AcquireByCredentialOption{confidential.WithTenantID(tenant)}
		if claims != "" {
			opts = append(opts, confidential.WithClaims(claims))
		}
		r, err := a.client.AcquireTokenByCredential(ctx, scopes, opts...)
		if err != nil {
			return tokenResult{}, err
		}
		return tokenOf(r), nil
	})
}

// forceClaims is the claims challenge used to bypass MSAL's token cache on a
// forced refresh. MSAL skips its cache whenever claims are given; this value
// is the shape Entra itself sends in continuous-access-evaluation challenges
// ("a token issued no earlier than now"), so the authority accepts it.
func forceClaims(unix int64) string {
	return `{"access_token":{"nbf":{"essential":true,"value":"` + strconv.FormatInt(unix, 10) + `"}}}`
}
