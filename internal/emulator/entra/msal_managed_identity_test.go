package entra

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/managedidentity"
)

// Not parallel: the App Service source is chosen from process environment variables.
func TestMSALManagedIdentity(t *testing.T) {
	a, srv := newServer(t, testOptions(t))
	t.Setenv("IDENTITY_ENDPOINT", srv.URL+"/msi/token")
	t.Setenv("IDENTITY_HEADER", identityHdr)
	ctx := ctxTimeout(t)

	if src, err := managedidentity.GetSource(); err != nil || src != managedidentity.AppService {
		t.Fatalf("source = %v, %v; want AppService", src, err)
	}
	sys, err := managedidentity.New(managedidentity.SystemAssigned(),
		managedidentity.WithHTTPClient(srv.Client()), managedidentity.WithRetryPolicyDisabled())
	if err != nil {
		t.Fatal(err)
	}
	// MSAL's managed identity cache is process-global, so each case asks for its own resource.
	res, err := sys.AcquireToken(ctx, exoScope)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := a.Verify(res.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if cl.TenantID != partnerID || cl.ObjectID != miObjectID || cl.AppID != miClientID ||
		cl.Audience != exoResource || len(cl.Roles) != 1 || cl.Roles[0] != "Exchange.ManageAsApp" {
		t.Fatalf("system-assigned claims: %+v", cl)
	}

	user, err := managedidentity.New(managedidentity.UserAssignedResourceID("/subscriptions/x/mi2"),
		managedidentity.WithHTTPClient(srv.Client()), managedidentity.WithRetryPolicyDisabled())
	if err != nil {
		t.Fatal(err)
	}
	res, err = user.AcquireToken(ctx, "https://ps.compliance.protection.outlook.com")
	if err != nil {
		t.Fatal(err)
	}
	if cl, err := a.Verify(res.AccessToken); err != nil || cl.ObjectID != mi2ObjectID {
		t.Fatalf("user-assigned claims: %+v, %v", cl, err)
	}

	// The managed identity as a federated credential of a multi-tenant app, end to end.
	cred := confidential.NewCredFromAssertionCallback(func(ctx context.Context, _ confidential.AssertionRequestOptions) (string, error) {
		r, err := sys.AcquireToken(ctx, "api://AzureADTokenExchange")
		return r.AccessToken, err
	})
	app := newConfidential(t, srv.URL, contosoID, fedAppID, cred, confidential.WithHTTPClient(srv.Client()))
	tok, err := app.AcquireTokenByCredential(ctx, []string{exoScope})
	if err != nil {
		t.Fatal(err)
	}
	if cl, err := a.Verify(tok.AccessToken); err != nil || cl.TenantID != contosoID || cl.AppID != fedAppID {
		t.Fatalf("federated app claims: %+v, %v", cl, err)
	}

	// Unknown identity and a wrong header are refused, without retries.
	unknown, _ := managedidentity.New(managedidentity.UserAssignedClientID("nope"),
		managedidentity.WithHTTPClient(srv.Client()), managedidentity.WithRetryPolicyDisabled())
	if _, err := unknown.AcquireToken(ctx, "https://unknown-resource-1.example"); err == nil || !strings.Contains(err.Error(), "No User Assigned") {
		t.Fatalf("unknown identity: err = %v", err)
	}
	t.Setenv("IDENTITY_HEADER", "wrong")
	if _, err := sys.AcquireToken(ctx, "https://unknown-resource-2.example"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("wrong header: err = %v, want a 401", err)
	}
	if got := a.Counters().Issued(partnerID, "managed_identity"); got != 3 {
		t.Errorf("managed identity tokens = %d, want 3", got)
	}
}

// An identity registered without an object id still has one in its tokens (oid and sub).
func TestManagedIdentityObjectIDDefault(t *testing.T) {
	opts := testOptions(t)
	opts.ManagedIdentities = []ManagedIdentity{{ClientID: miClientID, TenantID: partnerID}}
	a, srv := newServer(t, opts)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/msi/token?api-version=2019-08-01&resource="+url.QueryEscape(exoResource), nil)
	req.Header.Set("X-IDENTITY-HEADER", identityHdr)
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != 200 {
		t.Fatalf("msi token: %d %v", res.StatusCode, err)
	}
	cl, err := a.Verify(body.AccessToken)
	if err != nil || len(cl.ObjectID) != 36 {
		t.Fatalf("claims %+v, %v: want a GUID object id", cl, err)
	}
}
