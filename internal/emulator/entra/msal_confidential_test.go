package entra

import (
	"context"
	"crypto/x509"
	"slices"
	"strings"
	"testing"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
)

func newConfidential(t *testing.T, srvURL, tenant, clientID string, cred confidential.Credential, client confidential.Option) confidential.Client {
	t.Helper()
	c, err := confidential.New(srvURL+"/"+tenant, clientID, cred, client,
		confidential.WithInstanceDiscovery(false), confidential.WithAzureRegion("DisableMsalForceRegion"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMSALClientSecret(t *testing.T) {
	a, srv := newServer(t, testOptions(t))
	cred, err := confidential.NewCredFromSecret(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	// Addressed by domain, in mixed case: the authority resolves it to the GUID.
	c := newConfidential(t, srv.URL, "Contoso.onmicrosoft.com", secretAppID, cred, confidential.WithHTTPClient(srv.Client()))
	ctx := context.Background()
	res, err := c.AcquireTokenByCredential(ctx, []string{exoScope})
	if err != nil {
		t.Fatal(err)
	}
	claims, err := a.Verify(res.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if claims.TenantID != contosoID || claims.Audience != exoResource || claims.AppID != secretAppID ||
		claims.IdentityType != "app" || !slices.Equal(claims.Roles, []string{"Exchange.ManageAsApp"}) || claims.UPN != "" {
		t.Fatalf("claims = %+v", claims)
	}
	// The second call is served from MSAL's cache: expires_in was over 300 s.
	res2, err := c.AcquireTokenByCredential(ctx, []string{exoScope})
	if err != nil {
		t.Fatal(err)
	}
	if res2.Metadata.TokenSource != confidential.TokenSourceCache {
		t.Errorf("second token came from %v, want the cache", res2.Metadata.TokenSource)
	}
	// Another tenant through the same client.
	res3, err := c.AcquireTokenByCredential(ctx, []string{exoScope}, confidential.WithTenantID(fabrikamID))
	if err != nil {
		t.Fatal(err)
	}
	if cl, err := a.Verify(res3.AccessToken); err != nil || cl.TenantID != fabrikamID {
		t.Fatalf("fabrikam token: %+v, %v", cl, err)
	}
	// Not consented in "other": AADSTS700016.
	_, err = c.AcquireTokenByCredential(ctx, []string{exoScope}, confidential.WithTenantID(otherID))
	if err == nil || !strings.Contains(err.Error(), "AADSTS700016") {
		t.Fatalf("unconsented tenant: err = %v, want AADSTS700016", err)
	}
	cnt := a.Counters()
	if got := cnt.Issued(contosoID, "client_credentials"); got != 1 {
		t.Errorf("contoso client_credentials tokens = %d, want 1", got)
	}
	if got := cnt.Requests(otherID, "client_credentials"); got != 1 {
		t.Errorf("other tenant requests = %d, want 1", got)
	}
	if cnt.Failures[700016] != 1 {
		t.Errorf("failures = %v, want one 700016", cnt.Failures)
	}
}

func TestMSALBadSecret(t *testing.T) {
	_, srv := newServer(t, testOptions(t))
	cred, _ := confidential.NewCredFromSecret("wrong-" + testSecret)
	c := newConfidential(t, srv.URL, contosoID, secretAppID, cred, confidential.WithHTTPClient(srv.Client()))
	_, err := c.AcquireTokenByCredential(context.Background(), []string{exoScope})
	if err == nil || !strings.Contains(err.Error(), "AADSTS7000215") {
		t.Fatalf("err = %v, want AADSTS7000215", err)
	}
	if strings.Contains(err.Error(), testSecret) {
		t.Fatal("the error repeats the secret")
	}
}

func TestMSALCertificate(t *testing.T) {
	a, srv := newServer(t, testOptions(t))
	good, bad := certs(t)
	ctx := context.Background()

	cred, err := confidential.NewCredFromCert([]*x509.Certificate{good.cert}, good.key)
	if err != nil {
		t.Fatal(err)
	}
	c := newConfidential(t, srv.URL, "fabrikam.onmicrosoft.com", certAppID, cred, confidential.WithHTTPClient(srv.Client()))
	res, err := c.AcquireTokenByCredential(ctx, []string{exoScope})
	if err != nil {
		t.Fatal(err)
	}
	if cl, err := a.Verify(res.AccessToken); err != nil || cl.TenantID != fabrikamID || cl.AppID != certAppID {
		t.Fatalf("claims %+v, %v", cl, err)
	}

	// A certificate the app does not have: AADSTS700027.
	badCred, err := confidential.NewCredFromCert([]*x509.Certificate{bad.cert}, bad.key)
	if err != nil {
		t.Fatal(err)
	}
	cb := newConfidential(t, srv.URL, contosoID, certAppID, badCred, confidential.WithHTTPClient(srv.Client()))
	if _, err := cb.AcquireTokenByCredential(ctx, []string{exoScope}); err == nil || !strings.Contains(err.Error(), "AADSTS700027") {
		t.Fatalf("unregistered cert: err = %v, want AADSTS700027", err)
	}
}

func TestMSALFederatedCredential(t *testing.T) {
	a, srv := newServer(t, testOptions(t))
	ctx := context.Background()
	// A token issued to the managed identity for the token-exchange audience, as
	// mi.AcquireToken(ctx, "api://AzureADTokenExchange") would return.
	mi, _, err := a.issueAccessToken(srv.URL, tokenSpec{tenantID: partnerID, audience: "api://AzureADTokenExchange", appID: miClientID, objectID: miObjectID})
	if err != nil {
		t.Fatal(err)
	}
	cred := confidential.NewCredFromAssertionCallback(func(context.Context, confidential.AssertionRequestOptions) (string, error) {
		return mi, nil
	})
	c := newConfidential(t, srv.URL, fabrikamID, fedAppID, cred, confidential.WithHTTPClient(srv.Client()))
	res, err := c.AcquireTokenByCredential(ctx, []string{exoScope})
	if err != nil {
		t.Fatal(err)
	}
	if cl, err := a.Verify(res.AccessToken); err != nil || cl.TenantID != fabrikamID || cl.AppID != fedAppID {
		t.Fatalf("claims %+v, %v", cl, err)
	}

	// An app that does not trust this identity: AADSTS700213.
	other := newConfidential(t, srv.URL, fabrikamID, certAppID, cred, confidential.WithHTTPClient(srv.Client()))
	if _, err := other.AcquireTokenByCredential(ctx, []string{exoScope}); err == nil || !strings.Contains(err.Error(), "AADSTS700213") {
		t.Fatalf("untrusted subject: err = %v, want AADSTS700213", err)
	}
}
