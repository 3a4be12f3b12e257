package entra

import (
	"encoding/base64"
	"math/big"
	"net/http"
	"strings"
)

// serveOpenIDConfiguration answers GET /{tenant}/v2.0/.well-known/openid-configuration. As in
// Entra, a named tenant's endpoints use its GUID, and a meta tenant's issuer has {tenantid}.
// behaviour entra.discovery.openid (internal/emulator/BEHAVIOURS.md)
func (a *Authority) serveOpenIDConfiguration(w http.ResponseWriter, r *http.Request, seg string) {
	a.counters.update(func(c *Counters) { c.Discovery++ })
	ref, ok := a.lookupTenant(seg)
	if !ok {
		e := errTenantNotFound(seg)
		e.err = "invalid_tenant"
		a.writeError(w, r, e)
		return
	}
	b := a.base(r)
	path, iss := ref.segment, b+"/{tenantid}/v2.0"
	if !ref.meta {
		path = strings.ToLower(ref.tenant.ID)
		iss = issuer(b, ref.tenant.ID)
	}
	t := b + "/" + path
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        t + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              t + "/discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                iss,
		"request_uri_parameter_supported":       false,
		"authorization_endpoint":                t + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         t + "/oauth2/v2.0/devicecode",
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"end_session_endpoint":                  t + "/oauth2/v2.0/logout",
		"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "nbf", "oid", "tid", "preferred_username", "name", "ver"},
		"tenant_region_scope":                   "WW",
		"cloud_instance_name":                   "microsoftonline.com",
	})
}

// serveKeys answers the jwks_uri with the public half of the signing key.
// behaviour entra.discovery.keys (internal/emulator/BEHAVIOURS.md)
func (a *Authority) serveKeys(w http.ResponseWriter, r *http.Request) {
	key, err := processKey()
	if err != nil {
		a.writeError(w, r, errServer(err))
		return
	}
	pub := key.PublicKey
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]any{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": a.kid,
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

// serveUserRealm answers MSAL's GET /common/UserRealm/{user}?api-version=1.0, the first step
// of its username/password flow. Every known domain is Managed (no federation, no WS-Trust).
// behaviour entra.userrealm (internal/emulator/BEHAVIOURS.md)
func (a *Authority) serveUserRealm(w http.ResponseWriter, _ *http.Request, user string) {
	a.counters.update(func(c *Counters) { c.UserRealmLookups++ })
	domain := user
	if i := strings.LastIndex(user, "@"); i >= 0 {
		domain = user[i+1:]
	}
	body := map[string]any{"ver": "1.0", "account_type": "Unknown", "cloud_instance_name": "microsoftonline.com"}
	if a.knownDomain(domain) {
		body = map[string]any{
			"ver": "1.0", "account_type": "Managed", "domain_name": strings.ToLower(domain),
			"cloud_instance_name": "microsoftonline.com", "cloud_audience_urn": "urn:federation:MicrosoftOnline",
		}
	}
	writeJSON(w, http.StatusOK, body)
}

// knownDomain reports whether a tenant or a user has the domain.
func (a *Authority) knownDomain(domain string) bool {
	domain = strings.ToLower(domain)
	a.mu.RLock()
	defer a.mu.RUnlock()
	if _, ok := a.tenants[domain]; ok {
		return true
	}
	for k := range a.users {
		if strings.HasSuffix(k, "@"+domain) {
			return true
		}
	}
	return false
}
