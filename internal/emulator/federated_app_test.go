package emulator

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// A scenario registers an app whose federated identity credential trusts
// an external issuer (a cluster's service account tokens), with the
// issuer's public key from a PEM file next to the scenario; a token of
// that issuer then signs the app in, and one of another key does not.
func TestScenarioFederatedCredentialOfAnExternalIssuer(t *testing.T) {
	const app, issuer, subject = "c0c0c0c0-0000-4000-8000-0000000000f1", "https://oidc.example/cluster/", "system:serviceaccount:exoplay:exoplay"
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	dir := t.TempDir()
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	os.WriteFile(filepath.Join(dir, "sa.pub"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600)
	scenario := filepath.Join(dir, "scenario.yaml")
	os.WriteFile(scenario, []byte(`tenants: [{domain: contoso, mailboxes: 1}]
apps:
  - client_id: `+app+`
    federated_credentials:
      - {issuer: "`+issuer+`", subject: "`+subject+`", issuer_key_file: sa.pub}
`), 0o600)
	opts, err := LoadScenario(scenario)
	if err != nil {
		t.Fatal(err)
	}
	emu, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()

	sign := func(k *rsa.PrivateKey) string {
		now := time.Now()
		s, err := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": issuer, "sub": subject,
			"aud": []string{"api://AzureADTokenExchange"}, "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix()}).SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	exchange := func(assertion string) (int, string) {
		resp, err := emu.HTTPClient().PostForm("https://login.microsoftonline.com/"+emu.Tenants()[0].ID+"/oauth2/v2.0/token", url.Values{
			"grant_type": {"client_credentials"}, "client_id": {app}, "scope": {"https://outlook.office365.com/.default"},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {assertion},
		})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			Description string `json:"error_description"`
		}
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body.Description
	}
	if st, desc := exchange(sign(key)); st != 200 {
		t.Fatalf("the issuer's token: %d %s", st, desc)
	}
	if st, desc := exchange(sign(other)); st == 200 || !strings.HasPrefix(desc, "AADSTS50013") {
		t.Fatalf("a token of another key: %d %s, want AADSTS50013", st, desc)
	}

	// A credential without the issuer's key is refused when the scenario is loaded into an emulator.
	bad := Options{AppSpecs: []AppSpec{{ClientID: app, FederatedCredentials: []FederatedCredentialSpec{{Issuer: issuer, Subject: subject}}}}}
	if e, err := Start(bad); err == nil {
		e.Close()
		t.Fatal("a federated credential without issuer_key_file was accepted")
	}
}
