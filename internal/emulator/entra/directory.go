package entra

import (
	"net/http"
	"slices"
	"strings"
)

// tenantRef is the tenant segment of a request path, resolved.
type tenantRef struct {
	segment string // as in the path, lower-cased
	tenant  Tenant // zero when the segment is a meta tenant
	meta    bool   // organizations, common or consumers: the user's home tenant decides
}

// tenantID is the tenant's GUID, or the path segment when none is resolved
// (a meta tenant, or one that does not exist).
func (t tenantRef) tenantID() string {
	if t.meta || t.tenant.ID == "" {
		return t.segment
	}
	return strings.ToLower(t.tenant.ID)
}

func isMetaTenant(seg string) bool {
	return seg == "organizations" || seg == "common" || seg == "consumers"
}

// lookupTenant resolves a path segment: GUID, domain or meta tenant.
// behaviour entra.tenant.lookup (internal/emulator/BEHAVIOURS.md)
func (a *Authority) lookupTenant(seg string) (tenantRef, bool) {
	seg = strings.ToLower(seg)
	if isMetaTenant(seg) {
		return tenantRef{segment: seg, meta: true}, true
	}
	t, ok := lookup(a, a.tenants, seg)
	return tenantRef{segment: seg, tenant: t}, ok
}

func (a *Authority) tenantByID(id string) (Tenant, bool) { return lookup(a, a.tenants, id) }

func (a *Authority) app(clientID string) (App, bool) { return lookup(a, a.apps, clientID) }

func (a *Authority) user(upn string) (User, bool) { return lookup(a, a.users, upn) }

// resource returns the configured spelling of an allowed token audience.
// behaviour entra.resource.aliases (internal/emulator/BEHAVIOURS.md)
func (a *Authority) resource(r string) (string, bool) {
	return lookup(a, a.resources, strings.TrimRight(r, "/"))
}

// lookup reads one of a's directory maps, keyed by lower-cased name, under
// the read lock (the maps are made once, their entries change under a.mu).
func lookup[V any](a *Authority, m map[string]V, key string) (V, bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	v, ok := m[strings.ToLower(key)]
	return v, ok
}

// consentedIn reports whether the app may be used in the tenant.
func (app App) consentedIn(tenantID string) bool {
	return app.Tenants == nil || slices.ContainsFunc(app.Tenants, func(t string) bool { return strings.EqualFold(t, tenantID) })
}

// canAccess reports whether the user can sign in to the tenant: home tenant or GDAP customer.
func (u User) canAccess(tenantID string) bool {
	return strings.EqualFold(u.TenantID, tenantID) ||
		slices.ContainsFunc(u.PartnerOf, func(t string) bool { return strings.EqualFold(t, tenantID) })
}

// targetTenant is the tenant a user token is issued for: the requested one, or the user's home
// tenant for a meta tenant. ok is false when the user has no access there.
func (a *Authority) targetTenant(ref tenantRef, u User) (Tenant, bool) {
	if ref.meta {
		return a.tenantByID(u.TenantID)
	}
	if !u.canAccess(ref.tenant.ID) {
		return Tenant{}, false
	}
	return ref.tenant, true
}

// signInUser picks who approves a device code or interactive sign-in: the login hint, else the
// configured sign-in user, else the first user who can access the tenant.
func (a *Authority) pickSignInUser(ref tenantRef, loginHint string) (User, bool) {
	if loginHint != "" {
		return a.user(loginHint)
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.signInUser != "" {
		u, ok := a.users[a.signInUser]
		return u, ok
	}
	for _, k := range a.userOrder {
		u := a.users[k]
		if ref.meta || u.canAccess(ref.tenant.ID) {
			return u, true
		}
	}
	return User{}, false
}

// base is the scheme://host[:port] of the authority as clients see it.
func (a *Authority) base(r *http.Request) string {
	a.mu.RLock()
	b := a.baseURL
	a.mu.RUnlock()
	if b != "" {
		return b
	}
	scheme := "https"
	if r.TLS == nil {
		scheme = "http"
	}
	return scheme + "://" + r.Host
}

// issuer is the v2.0 issuer of a tenant.
func issuer(base, tenantID string) string { return base + "/" + strings.ToLower(tenantID) + "/v2.0" }
