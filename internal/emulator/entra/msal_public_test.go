package entra

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
)

func newPublic(t *testing.T, srv *httptest.Server, authority string) public.Client {
	t.Helper()
	c, err := public.New(publicAppID, public.WithAuthority(srv.URL+"/"+authority),
		public.WithHTTPClient(srv.Client()), public.WithInstanceDiscovery(false))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ctxTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestMSALDeviceCodeAndPartnerRefresh signs a GDAP partner in with a device code at
// /organizations, then redeems the refresh token silently for two customer tenants.
func TestMSALDeviceCodeAndPartnerRefresh(t *testing.T) {
	opts := testOptions(t)
	opts.SignInUser = partnerUPN
	a, srv := newServer(t, opts)
	ctx := ctxTimeout(t)
	c := newPublic(t, srv, "organizations")

	dc, err := c.AcquireTokenByDeviceCode(ctx, []string{exoScope})
	if err != nil {
		t.Fatal(err)
	}
	if dc.Result.UserCode == "" || !strings.Contains(dc.Result.Message, dc.Result.UserCode) {
		t.Fatalf("device code result: %+v", dc.Result)
	}
	res, err := dc.AuthenticationResult(ctx)
	if err != nil {
		t.Fatal(err)
	}
	home, err := a.Verify(res.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if home.TenantID != partnerID || home.UPN != partnerUPN || home.IdentityType != "user" ||
		strings.Join(home.Scopes, " ") != "Exchange.Manage AdminApi.AccessAsUser.All" {
		t.Fatalf("home token claims: %+v", home)
	}
	// One pending answer (DeviceCodePolls default 1), then the token.
	cnt := a.Counters()
	if got := cnt.Requests("organizations", "device_code"); got != 2 {
		t.Errorf("device_code polls = %d, want 2", got)
	}
	if cnt.Failures[70016] != 1 {
		t.Errorf("authorization_pending answers = %d, want 1", cnt.Failures[70016])
	}

	accts, err := c.Accounts(ctx)
	if err != nil || len(accts) != 1 {
		t.Fatalf("accounts = %v, %v", accts, err)
	}
	for _, tenant := range []string{contosoID, fabrikamID} {
		r, err := c.AcquireTokenSilent(ctx, []string{exoScope}, public.WithSilentAccount(accts[0]), public.WithTenantID(tenant))
		if err != nil {
			t.Fatalf("silent for %s: %v", tenant, err)
		}
		cl, err := a.Verify(r.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		if cl.TenantID != tenant || cl.UPN != partnerUPN || cl.HomeTenantID != partnerID {
			t.Fatalf("customer token claims: %+v", cl)
		}
	}
	if got := a.Counters().Issued(contosoID, "refresh_token"); got != 1 {
		t.Errorf("refresh_token tokens for contoso = %d, want 1", got)
	}
	// The partner has no access to "other": AADSTS50020.
	_, err = c.AcquireTokenSilent(ctx, []string{exoScope}, public.WithSilentAccount(accts[0]), public.WithTenantID(otherID))
	if err == nil || !strings.Contains(err.Error(), "AADSTS50020") {
		t.Fatalf("tenant without access: err = %v, want AADSTS50020", err)
	}
}

func TestMSALInteractive(t *testing.T) {
	a, srv := newServer(t, testOptions(t))
	ctx := ctxTimeout(t)
	c := newPublic(t, srv, contosoID)
	browserErr := make(chan error, 1)
	// The fake browser opens the authorize URL; the authority posts the code to MSAL's server.
	openURL := func(u string) error {
		go func() {
			resp, err := srv.Client().Get(u)
			if err == nil {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !strings.Contains(string(body), "close this window") {
					err = &httpErr{resp.StatusCode, string(body)}
				}
			}
			browserErr <- err
		}()
		return nil
	}
	res, err := c.AcquireTokenInteractive(ctx, []string{exoScope}, public.WithOpenURL(openURL), public.WithLoginHint(adminUPN))
	if err != nil {
		t.Fatal(err)
	}
	if err := <-browserErr; err != nil {
		t.Fatalf("browser: %v", err)
	}
	cl, err := a.Verify(res.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if cl.TenantID != contosoID || cl.UPN != adminUPN || res.Account.PreferredUsername != adminUPN {
		t.Fatalf("claims %+v, account %+v", cl, res.Account)
	}
	cnt := a.Counters()
	if cnt.Authorizations != 1 || cnt.Issued(contosoID, "authorization_code") != 1 {
		t.Fatalf("counters: %+v", cnt)
	}
}

type httpErr struct {
	status int
	body   string
}

func (e *httpErr) Error() string { return e.body }

func TestMSALUsernamePassword(t *testing.T) {
	a, srv := newServer(t, testOptions(t))
	ctx := ctxTimeout(t)
	c := newPublic(t, srv, "contoso.onmicrosoft.com")
	//lint:ignore SA1019 ROPC is deprecated in MSAL but still used, so the emulator serves it.
	res, err := c.AcquireTokenByUsernamePassword(ctx, []string{exoScope}, adminUPN, userPassword)
	if err != nil {
		t.Fatal(err)
	}
	if cl, err := a.Verify(res.AccessToken); err != nil || cl.UPN != adminUPN || cl.TenantID != contosoID {
		t.Fatalf("claims %+v, %v", cl, err)
	}
	if a.Counters().UserRealmLookups != 1 {
		t.Errorf("userrealm lookups = %d, want 1", a.Counters().UserRealmLookups)
	}
	for _, tc := range []struct{ upn, pw, code string }{
		{mfaUPN, userPassword, "AADSTS50076"},
		{adminUPN, "wrong", "AADSTS50126"},
		{"nobody@contoso.onmicrosoft.com", userPassword, "AADSTS50034"},
	} {
		_, err := c.AcquireTokenByUsernamePassword(ctx, []string{exoScope}, tc.upn, tc.pw)
		if err == nil || !strings.Contains(err.Error(), tc.code) {
			t.Errorf("%s: err = %v, want %s", tc.upn, err, tc.code)
		}
		if err != nil && strings.Contains(err.Error(), userPassword) {
			t.Errorf("%s: the error repeats the password", tc.upn)
		}
	}
}

func TestMSALConsentMissing(t *testing.T) {
	_, srv := newServer(t, testOptions(t))
	ctx := ctxTimeout(t)
	c, err := public.New(narrowAppID, public.WithAuthority(srv.URL+"/fabrikam.onmicrosoft.com"),
		public.WithHTTPClient(srv.Client()), public.WithInstanceDiscovery(false))
	if err != nil {
		t.Fatal(err)
	}
	// The partner can reach fabrikam, but this app is consented in contoso only.
	_, err = c.AcquireTokenByUsernamePassword(ctx, []string{exoScope}, partnerUPN, userPassword)
	if err == nil || !strings.Contains(err.Error(), "AADSTS65001") {
		t.Fatalf("err = %v, want AADSTS65001", err)
	}
}
