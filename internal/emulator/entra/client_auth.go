package entra

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// authenticateClient identifies the app of a token request and checks its credential: a client
// secret, a certificate-signed assertion or a federated (managed identity) assertion. Without a
// credential only a public client passes, and only when needCredential is false.
// behaviour entra.client.secret (internal/emulator/BEHAVIOURS.md)
func (a *Authority) authenticateClient(q *tokenRequest, needCredential bool) (App, *aadError) {
	clientID := q.form.Get("client_id")
	if clientID == "" {
		return App{}, errMissingParam("client_id")
	}
	app, ok := a.app(clientID)
	if !ok {
		return App{}, errUnknownApp(clientID, q.ref.segment)
	}
	switch {
	case q.form.Has("client_secret"):
		// Constant-time comparison; the secret itself never appears in an answer.
		if app.Secret == "" || subtle.ConstantTimeCompare([]byte(app.Secret), []byte(q.form.Get("client_secret"))) != 1 {
			return App{}, newErr(http.StatusUnauthorized, "invalid_client", 7000215,
				"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", app.ClientID)
		}
		return app, nil
	case q.form.Has("client_assertion"):
		if t := q.form.Get("client_assertion_type"); t != jwtBearer {
			return App{}, newErr(http.StatusBadRequest, "invalid_request", 700020,
				"client_assertion_type must be '%s', got '%s'.", jwtBearer, t)
		}
		return app, a.verifyAssertion(q, app, q.form.Get("client_assertion"))
	case needCredential || !app.Public:
		return App{}, newErr(http.StatusUnauthorized, "invalid_client", 7000218,
			"The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
	}
	return app, nil
}

// verifyAssertion checks a client assertion: a token we issued to a trusted managed identity
// (federated credential), a token of an external issuer the app trusts (federated identity
// credential), else a JWT signed with one of the app's registered certificates.
// behaviour entra.client.assertion (internal/emulator/BEHAVIOURS.md)
func (a *Authority) verifyAssertion(q *tokenRequest, app App, assertion string) *aadError {
	unverified, _, err := jwt.NewParser().ParseUnverified(assertion, jwt.MapClaims{})
	if err != nil {
		return errMalformedAssertion("it is not a JWT")
	}
	if kid, _ := unverified.Header["kid"].(string); kid == a.kid {
		return a.verifyFederated(q.base, app, assertion)
	}
	// A certificate assertion names its certificate (x5t#S256 or x5t); a token of another
	// issuer (a Kubernetes service account token) names none.
	if _, s256 := unverified.Header["x5t#S256"]; !s256 {
		if _, x5t := unverified.Header["x5t"]; !x5t {
			return a.verifyExternal(app, assertion, unverified.Claims.(jwt.MapClaims))
		}
	}
	cert, thumb := findCert(app, unverified.Header)
	if cert == nil {
		return newErr(http.StatusUnauthorized, "invalid_client", 700027,
			"The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '%s', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '%s'.]",
			thumb, app.ClientID)
	}
	c := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(assertion, c, func(*jwt.Token) (any, error) { return cert.PublicKey, nil },
		jwt.WithValidMethods([]string{"PS256", "RS256"}), jwt.WithoutClaimsValidation())
	if err != nil {
		return newErr(http.StatusUnauthorized, "invalid_client", 700027,
			"Client assertion failed signature validation. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '%s']", thumb)
	}
	if iss, sub := str(c, "iss"), str(c, "sub"); !strings.EqualFold(iss, app.ClientID) || !strings.EqualFold(sub, app.ClientID) {
		return newErr(http.StatusUnauthorized, "invalid_client", 700021,
			"Client assertion application identifier doesn't match 'client_id' parameter: iss '%s' and sub '%s' must both be '%s'.", iss, sub, app.ClientID)
	}
	if aud := str(c, "aud"); !slices.ContainsFunc(q.audiences(), func(s string) bool { return strings.EqualFold(s, aud) }) {
		return errMalformedAssertion(fmt.Sprintf("the audience '%s' is not this tenant's token endpoint '%s'", aud, q.audiences()[0]))
	}
	return a.checkAssertionTime(c)
}

// verifyFederated accepts a managed identity token we issued when the app trusts that identity
// and the token is for the token-exchange audience of the cloud the token endpoint belongs to
// (base, e.g. https://login.microsoftonline.us), spelled exactly: a federated identity credential
// names the one audience Entra accepts in the aud claim (Microsoft Graph
// federatedIdentityCredential.audiences), api://AzureADTokenExchange or its US Government or
// China variant.
// behaviour entra.client.federated (internal/emulator/BEHAVIOURS.md)
func (a *Authority) verifyFederated(base string, app App, assertion string) *aadError {
	c, err := a.parseOwn(assertion)
	if err != nil {
		return newErr(http.StatusUnauthorized, "invalid_client", 50013, "Assertion failed signature validation.")
	}
	if aud := str(c, "aud"); aud != exchangeAudienceOf(base) {
		return noFederatedRecord(700212, "audience", aud)
	}
	sub := str(c, "sub")
	if !slices.ContainsFunc(app.FederatedSubjects, func(s string) bool { return strings.EqualFold(s, sub) }) {
		return noFederatedRecord(700213, "subject", sub)
	}
	return a.checkAssertionTime(c)
}

// checkAssertionTime applies exp/nbf with Entra's five-minute skew.
func (a *Authority) checkAssertionTime(c jwt.MapClaims) *aadError {
	exp, nbf := unix(c, "exp"), unix(c, "nbf")
	if exp.IsZero() {
		return errMalformedAssertion("it has no exp claim")
	}
	now := a.now()
	if now.After(exp.Add(clockSkew)) || (!nbf.IsZero() && nbf.After(now.Add(clockSkew))) {
		return newErr(http.StatusUnauthorized, "invalid_client", 700024,
			"Client assertion is not within its valid time range. Current time: %s, assertion valid from %s, expiry time of assertion %s.",
			now.UTC().Format(time.RFC3339), fmtTime(nbf), exp.UTC().Format(time.RFC3339))
	}
	return nil
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "(none)"
	}
	return t.UTC().Format(time.RFC3339)
}

func errMalformedAssertion(why string) *aadError {
	return newErr(http.StatusUnauthorized, "invalid_client", 50027, "JWT token is invalid or malformed: %s.", why)
}

// findCert matches the assertion's x5t#S256 (SHA-256, as MSAL sends it) or x5t (SHA-1, ADFS
// style) against the app's certificates. thumb is the presented thumbprint, for the message.
func findCert(app App, header map[string]any) (cert *x509.Certificate, thumb string) {
	for _, h := range []struct {
		name string
		sum  func(der []byte) []byte
	}{
		{"x5t#S256", func(der []byte) []byte { s := sha256.Sum256(der); return s[:] }},
		{"x5t", func(der []byte) []byte { s := sha1.Sum(der); return s[:] }},
	} {
		v, _ := header[h.name].(string)
		if v == "" {
			continue
		}
		want := decodeThumb(v)
		thumb = strings.ToUpper(hex.EncodeToString(want))
		for _, c := range app.Certificates {
			if want != nil && subtle.ConstantTimeCompare(h.sum(c.Raw), want) == 1 {
				return c, thumb
			}
		}
	}
	if thumb == "" {
		thumb = "(no x5t#S256 or x5t header)"
	}
	return nil, thumb
}

// decodeThumb accepts standard and URL-safe base64, padded or not (MSAL uses standard).
func decodeThumb(s string) []byte {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b
		}
	}
	return nil
}
