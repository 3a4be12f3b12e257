package auth

import (
	"context"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/managedidentity"
)

// miAcq gets tokens of an Azure managed identity (system or user assigned).
// Such a token is valid in the identity's own tenant only; the tid check
// refuses it for any other. For other tenants the identity is used as a
// federated credential (Credential.Federated; see newConfidential).
type miAcq struct {
	m      *Manager
	client managedidentity.Client
}

func newManagedIdentity(m *Manager, cred *Credential) (*miAcq, error) {
	id := managedidentity.SystemAssigned()
	if cred.ManagedIdentityClientID != "" {
		id = managedidentity.UserAssignedClientID(cred.ManagedIdentityClientID)
	}
	// MSAL's own retry sleeps in real time; ours is shared by every method
	// and honours Retry-After.
	opts := []managedidentity.ClientOption{managedidentity.WithRetryPolicyDisabled()}
	if m.opts.HTTPClient != nil {
		opts = append(opts, managedidentity.WithHTTPClient(m.opts.HTTPClient))
	}
	c, err := managedidentity.New(id, opts...)
	if err != nil {
		return nil, configError(cred, "", CodeInvalidConfig, "managed identity: "+err.Error(), "")
	}
	return &miAcq{m: m, client: c}, nil
}

func (a *miAcq) interactive() bool { return false }

// acquire ignores tenant: the identity's tenant is fixed.
func (a *miAcq) acquire(ctx context.Context, _, resource, claims string) (tokenResult, error) {
	return a.m.retry(ctx, "managed identity", func() (tokenResult, error) {
		var opts []managedidentity.AcquireTokenOption
		if claims != "" {
			opts = append(opts, managedidentity.WithClaims(claims))
		}
		r, err := a.client.AcquireToken(ctx, resource, opts...)
		if err != nil {
			return tokenResult{}, err
		}
		return tokenOf(r), nil
	})
}
