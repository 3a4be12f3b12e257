package entra

import (
	"crypto"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// DefaultFederatedAudience is the audience a federated identity credential trusts when it names
// none: the value Entra documents for every external issuer, and the audience the Azure Workload
// Identity webhook projects service account tokens for.
const DefaultFederatedAudience = "api://AzureADTokenExchange"

// FederatedCredential is a federated identity credential of an app that trusts an external
// issuer (a Kubernetes cluster's service account issuer, a CI system): a JWT whose iss is Issuer,
// whose sub is Subject and whose aud holds Audience, signed by one of the issuer's keys, is
// accepted as the app's client assertion.
//
// Real Entra fetches the issuer's OIDC discovery document and JWKS to get its keys. The emulator
// has no network to fetch from, so it is given the keys (IssuerKeys) instead: an assumption
// (BEHAVIOURS.md entra.client.federated-external).
type FederatedCredential struct {
	Issuer     string
	Subject    string
	Audience   string             // default DefaultFederatedAudience
	IssuerKeys []crypto.PublicKey // the issuer's signing keys (RSA; the JWKS Entra would fetch)
}

// SetIssuerKeys replaces the signing keys trusted for issuer, as the issuer's JWKS changes when
// it rotates or revokes a key. Tokens signed by a key no longer listed are refused.
func (a *Authority) SetIssuerKeys(issuer string, keys ...crypto.PublicKey) {
	a.mu.Lock()
	a.issuerKeys[issuer] = slices.Clone(keys)
	a.mu.Unlock()
}

// addIssuerKeys records the keys an app's federated credentials bring (under a.mu).
func (a *Authority) addIssuerKeys(fics []FederatedCredential) {
	for _, f := range fics {
		for _, k := range f.IssuerKeys {
			if !slices.ContainsFunc(a.issuerKeys[f.Issuer], func(have crypto.PublicKey) bool { return sameKey(have, k) }) {
				a.issuerKeys[f.Issuer] = append(a.issuerKeys[f.Issuer], k)
			}
		}
	}
}

func sameKey(a, b crypto.PublicKey) bool {
	eq, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(b)
}

// verifyExternal checks an assertion from an external issuer against the app's federated identity
// credentials, in the order the token exchange needs them: a credential for the token's issuer
// (else AADSTS700211), the issuer's signature (RS256, the one algorithm Entra supports), a
// credential of that issuer for the token's audience (AADSTS700212) and subject (AADSTS700213),
// all compared exactly, then the token's time (AADSTS700024).
// behaviour entra.client.federated-external (internal/emulator/BEHAVIOURS.md)
func (a *Authority) verifyExternal(app App, assertion string, unverified jwt.MapClaims) *aadError {
	iss := str(unverified, "iss")
	fics := slices.DeleteFunc(slices.Clone(app.FederatedCredentials), func(f FederatedCredential) bool { return f.Issuer != iss })
	if len(fics) == 0 {
		return noFederatedRecord(700211, "issuer", iss)
	}
	a.mu.RLock()
	keys := a.issuerKeys[iss]
	a.mu.RUnlock()
	c := jwt.MapClaims{}
	var err error = errors.New("the issuer has no signing key")
	for _, k := range keys {
		if _, err = jwt.ParseWithClaims(assertion, c, func(*jwt.Token) (any, error) { return k, nil },
			jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation()); err == nil {
			break
		}
	}
	if err != nil {
		return newErr(http.StatusUnauthorized, "invalid_client", 50013,
			"Assertion failed signature validation. [Reason - The key was not found in the signing keys of issuer '%s'.]", iss)
	}
	auds, _ := c.GetAudience()
	fics = slices.DeleteFunc(fics, func(f FederatedCredential) bool { return !slices.Contains(auds, f.audience()) })
	if len(fics) == 0 {
		return noFederatedRecord(700212, "audience", strings.Join(auds, ","))
	}
	sub := str(c, "sub")
	if !slices.ContainsFunc(fics, func(f FederatedCredential) bool { return f.Subject == sub }) {
		return noFederatedRecord(700213, "subject", sub)
	}
	return a.checkAssertionTime(c)
}

func (f FederatedCredential) audience() string {
	if f.Audience == "" {
		return DefaultFederatedAudience
	}
	return f.Audience
}

// noFederatedRecord is Entra's answer when no federated identity credential matches what the
// assertion presents (what: issuer, audience or subject): a 400 invalid_request, as the
// AADSTS70021 answer quoted in Azure Workload Identity's troubleshooting guide.
func noFederatedRecord(code int, what, value string) *aadError {
	return newErr(http.StatusBadRequest, "invalid_request", code,
		"No matching federated identity record found for presented assertion %s '%s'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation", what, value)
}
