package entra

import (
	"crypto/subtle"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

const appServiceAPIVersion = "2019-08-01"

// serveManagedIdentity is an App Service-style managed identity endpoint:
// GET /msi/token?resource=...&api-version=2019-08-01[&client_id|object_id|mi_res_id] with the
// X-IDENTITY-HEADER secret. Point IDENTITY_ENDPOINT at <base>/msi/token and IDENTITY_HEADER at
// Options.IdentityHeader; MSAL's AppService source takes any URL scheme.
// behaviour entra.managed-identity (internal/emulator/BEHAVIOURS.md)
func (a *Authority) serveManagedIdentity(w http.ResponseWriter, r *http.Request) {
	a.counters.update(func(c *Counters) { c.ManagedIdentity++ })
	a.mu.RLock()
	secret := a.identityHeader
	a.mu.RUnlock()
	fail := func(status int, msg string) {
		writeJSON(w, status, map[string]any{"statusCode": status, "message": msg, "correlationId": guidFromHex(randomHex(16))})
	}
	if r.Method != http.MethodGet {
		fail(http.StatusMethodNotAllowed, "The managed identity endpoint only accepts GET.")
		return
	}
	if secret == "" {
		fail(http.StatusNotFound, "No managed identity endpoint is configured on this host (Options.IdentityHeader is empty).")
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("X-IDENTITY-HEADER")), []byte(secret)) != 1 {
		fail(http.StatusUnauthorized, "The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.")
		return
	}
	q := r.URL.Query()
	if v := q.Get("api-version"); v != appServiceAPIVersion {
		fail(http.StatusBadRequest, "api-version '"+v+"' is not supported; use "+appServiceAPIVersion+".")
		return
	}
	resource := strings.TrimSuffix(q.Get("resource"), "/.default")
	if resource == "" {
		fail(http.StatusBadRequest, "The resource query parameter is required.")
		return
	}
	mi, ok := a.managedIdentity(q.Get("client_id"), q.Get("object_id"), q.Get("mi_res_id"))
	if !ok {
		fail(http.StatusBadRequest, "No User Assigned or Delegated Managed Identity found for specified ClientId/ResourceId/PrincipalId.")
		return
	}
	spec := tokenSpec{tenantID: mi.TenantID, appID: mi.ClientID, objectID: mi.ObjectID}
	if tokenExchangeAudiences[strings.ToLower(resource)] {
		spec.audience = resource
	} else if canon, ok := a.resource(resource); ok {
		spec.audience, spec.roles = canon, mi.Roles
		if len(spec.roles) == 0 {
			spec.roles = defaultAppRoles
		}
	} else {
		fail(http.StatusBadRequest, "AADSTS500011: The resource principal named "+resource+" was not found in the tenant named "+mi.TenantID+".")
		return
	}
	a.counters.request(mi.TenantID, "managed_identity")
	at, expiresIn, err := a.issueAccessToken(a.base(r), spec)
	if err != nil {
		fail(http.StatusInternalServerError, err.Error())
		return
	}
	a.counters.issued(mi.TenantID, "managed_identity")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": at,
		"expires_on":   strconv.FormatInt(a.now().Unix()+expiresIn, 10),
		"resource":     resource,
		"token_type":   "Bearer",
		"client_id":    mi.ClientID,
	})
}

// managedIdentity selects by client id, object id or resource id; none selects the first
// (system-assigned) identity.
func (a *Authority) managedIdentity(clientID, objectID, resID string) (ManagedIdentity, bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if clientID == "" && objectID == "" && resID == "" {
		if len(a.mis) == 0 {
			return ManagedIdentity{}, false
		}
		return a.mis[0], true
	}
	i := slices.IndexFunc(a.mis, func(m ManagedIdentity) bool {
		return (clientID != "" && strings.EqualFold(m.ClientID, clientID)) ||
			(objectID != "" && strings.EqualFold(m.ObjectID, objectID)) ||
			(resID != "" && strings.EqualFold(m.ResourceID, resID))
	})
	if i < 0 {
		return ManagedIdentity{}, false
	}
	return a.mis[i], true
}
