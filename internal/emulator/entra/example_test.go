package entra_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"

	"github.com/exoplay/exoplay/internal/emulator/entra"
)

// An authority on a TLS test server issuing an app-only token for Exchange Online. With MSAL,
// use confidential.New(srv.URL+"/contoso.onmicrosoft.com", clientID, cred,
// confidential.WithHTTPClient(srv.Client()), confidential.WithInstanceDiscovery(false)).
func Example() {
	a, err := entra.New(entra.Options{
		Tenants:   []entra.Tenant{{ID: "11111111-aaaa-4aaa-8aaa-111111111111", Domain: "contoso.onmicrosoft.com"}},
		Apps:      []entra.App{{ClientID: "app-1", Secret: "example-secret"}},
		Resources: []string{"https://outlook.office365.com"},
	})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewTLSServer(a.Handler())
	defer srv.Close()
	a.SetBaseURL(srv.URL)

	resp, err := srv.Client().PostForm(srv.URL+"/contoso.onmicrosoft.com/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {"app-1"}, "client_secret": {"example-secret"},
		"scope": {"https://outlook.office365.com/.default"},
	})
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	claims, err := a.Verify(body.AccessToken)
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.StatusCode, body.ExpiresIn, claims.TenantID, claims.Audience, claims.Roles)
	// Output: 200 3600 11111111-aaaa-4aaa-8aaa-111111111111 https://outlook.office365.com [Exchange.ManageAsApp]
}
