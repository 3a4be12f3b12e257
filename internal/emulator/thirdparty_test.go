package emulator_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/internal/emulator/entra"
)

// thirdPartyClient is what any HTTP client needs to use the emulator, and
// all it needs: dial every host to its address (curl's --connect-to
// ::HOST:PORT) and trust its CA. Nothing of exoplay is used.
func thirdPartyClient(e *emulator.Emulator) *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(e.CACertPEM)
	return &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, e.Addr)
		},
	}}
}

// TestThirdPartyMSALClients: MSAL Go's confidential client (secret and
// certificate) and public client (device code), with their defaults,
// against login.microsoftonline.com, asking for the real Exchange resource
// as every public client does (exo-rest-protocol.md §10.12), then a plain
// net/http InvokeCommand at outlook.office365.com with each token.
func TestThirdPartyMSALClients(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "third-party"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	const certApp = "3d3d3d3d-0000-4000-8000-0000000000c1"
	e := start(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso", Mailboxes: 2}}, DeviceCodePolls: -1,
		Apps: []entra.App{{ClientID: certApp, Certificates: []*x509.Certificate{cert}}}})
	hc := thirdPartyClient(e)
	defer hc.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ten := e.Tenants()[0]
	authority := "https://login.microsoftonline.com/" + ten.Domain
	scopes := []string{"https://outlook.office365.com/.default"}

	tokens := map[string]string{}
	secret, _ := confidential.NewCredFromSecret(e.DemoSecret)
	app, err := confidential.New(authority, e.DemoClientID, secret, confidential.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	res, err := app.AcquireTokenByCredential(ctx, scopes)
	if err != nil {
		t.Fatalf("client credentials with a secret: %v", err)
	}
	tokens["secret"] = res.AccessToken

	certCred, err := confidential.NewCredFromCert([]*x509.Certificate{cert}, key)
	if err != nil {
		t.Fatal(err)
	}
	app, err = confidential.New(authority, certApp, certCred, confidential.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	if res, err = app.AcquireTokenByCredential(ctx, scopes); err != nil {
		t.Fatalf("client credentials with a certificate: %v", err)
	}
	tokens["certificate"] = res.AccessToken

	pub, err := public.New(e.DemoPublicClientID, public.WithAuthority(authority), public.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	dc, err := pub.AcquireTokenByDeviceCode(ctx, scopes)
	if err != nil {
		t.Fatalf("device code: %v", err)
	}
	pres, err := dc.AuthenticationResult(ctx)
	if err != nil {
		t.Fatalf("device code result: %v", err)
	}
	tokens["device code"] = pres.AccessToken

	for grant, tok := range tokens {
		if aud := claims(t, tok)["aud"]; aud != "https://outlook.office365.com" {
			t.Errorf("%s: aud %v", grant, aud)
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "https://outlook.office365.com/adminapi/beta/"+ten.ID+"/InvokeCommand",
			strings.NewReader(`{"CmdletInput":{"CmdletName":"Get-AcceptedDomain","Parameters":{}}}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", grant, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), ten.Domain) {
			t.Errorf("%s: InvokeCommand %d %.300s", grant, resp.StatusCode, body)
		}
	}
}
