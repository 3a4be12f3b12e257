package entra

import (
	"net/url"
	"testing"
)

// TestConfidentialPartnerRefresh is CIPP's pattern: a partner app with a secret redeems a
// partner user's refresh token in each customer tenant.
func TestConfidentialPartnerRefresh(t *testing.T) {
	opts := testOptions(t)
	const partnerApp = "aa000000-0000-4000-8000-0000000000aa"
	opts.Apps = append(opts.Apps, App{ClientID: partnerApp, Secret: testSecret})
	a, srv := newServer(t, opts)
	rt, err := a.IssueRefreshToken(partnerUPN, partnerApp)
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{
		"grant_type": {"refresh_token"}, "client_id": {partnerApp}, "client_secret": {testSecret},
		"refresh_token": {rt}, "scope": {exoScope},
	}
	for _, tenant := range []string{"contoso.onmicrosoft.com", fabrikamID} {
		st, _, body := postForm(t, srv, "/"+tenant+"/oauth2/v2.0/token", form)
		if st != 200 {
			t.Fatalf("%s: %d %v", tenant, st, body)
		}
		cl, err := a.Verify(body["access_token"].(string))
		if err != nil || cl.UPN != partnerUPN || cl.AppID != partnerApp {
			t.Fatalf("%s: %+v %v", tenant, cl, err)
		}
	}
	// A confidential client must still prove itself when redeeming.
	noSecret := url.Values{"grant_type": {"refresh_token"}, "client_id": {partnerApp}, "refresh_token": {rt}, "scope": {exoScope}}
	if st, _, body := postForm(t, srv, "/"+contosoID+"/oauth2/v2.0/token", noSecret); st != 401 || aadCode(body) != 7000218 {
		t.Fatalf("without secret: %d %v", st, body)
	}
	// The v1 endpoint takes resource= instead of scope=.
	v1 := url.Values{"grant_type": {"client_credentials"}, "client_id": {partnerApp}, "client_secret": {testSecret}, "resource": {exoResource}}
	st, _, body := postForm(t, srv, "/"+contosoID+"/oauth2/token", v1)
	if st != 200 {
		t.Fatalf("v1 endpoint: %d %v", st, body)
	}
	if cl, err := a.Verify(body["access_token"].(string)); err != nil || cl.Audience != exoResource || cl.TenantID != contosoID {
		t.Fatalf("v1 token: %+v %v", cl, err)
	}
}
