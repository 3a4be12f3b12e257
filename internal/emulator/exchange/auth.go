package exchange

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// ExchangeAppID is the Office 365 Exchange Online application id: a token
// whose audience is this id is for Exchange as much as one naming its URL
// (§2.1, §10.12), and the authority mints tokens for it.
const ExchangeAppID = "00000002-0000-0ff1-ce00-000000000000"

// SystemMailbox is the organization's system mailbox that clients anchor
// org-level calls on (APP:/UPN:SystemMailbox{...}@<tenant>, §3.4).
const SystemMailbox = "SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}"

// The permissions that get a caller in (exo-rest-protocol.md §2.1).
const (
	roleManageAsApp   = "Exchange.ManageAsApp"
	scopeManage       = "Exchange.Manage"
	scopeAccessAsUser = "AdminApi.AccessAsUser.All"
	maxCachedTokens   = 50_000
)

// tokenCache remembers verified tokens until they expire, so the signature
// check (tens of µs) is paid once per token rather than once per call.
type tokenCache struct {
	m sync.Map // token -> *Claims
	n atomic.Int64
}

func (c *tokenCache) get(tok string) *Claims {
	if v, ok := c.m.Load(tok); ok {
		return v.(*Claims)
	}
	return nil
}

func (c *tokenCache) put(tok string, cl *Claims) {
	if c.n.Add(1) > maxCachedTokens {
		// Rare: drop everything rather than track ages; the next calls re-verify.
		c.m.Range(func(k, _ any) bool { c.m.Delete(k); return true })
		c.n.Store(0)
	}
	c.m.Store(tok, cl)
}

// caller resolves the tenant segment of a URL and checks the bearer token
// for it: the tenant's GUID and domain, or the 401/403 reply.
// behaviour exo.tenant.segment (internal/emulator/BEHAVIOURS.md)
func (e *endpoint) caller(tenantSeg, authz string) (id, domain string, rep *reply) {
	id, domain, ok := e.s.backend.Resolve(tenantSeg)
	if !ok {
		return "", "", e.s.unauthorized("The tenant '" + tenantSeg + "' in the URL is not known to this service; use the tenant's GUID or its onmicrosoft.com domain.")
	}
	cl, rep := e.s.authenticate(e, authz, id)
	if rep == nil {
		rep = e.s.pendingChallenge(e.s.stats.tenant(id, domain), cl)
	}
	return id, domain, rep
}

// authenticate checks the bearer token of a call to tenantID on endpoint e.
// It returns the token's claims when the caller may proceed, else the
// 401/403 reply.
// behaviour exo.auth.bearer (internal/emulator/BEHAVIOURS.md)
// behaviour exo.auth.audience (internal/emulator/BEHAVIOURS.md)
// behaviour exo.auth.app-id (internal/emulator/BEHAVIOURS.md)
// behaviour exo.auth.tenant-match (internal/emulator/BEHAVIOURS.md)
// behaviour exo.auth.permissions (internal/emulator/BEHAVIOURS.md)
func (s *Server) authenticate(e *endpoint, authz, tenantID string) (*Claims, *reply) {
	scheme, tok, _ := strings.Cut(strings.TrimSpace(authz), " ")
	tok = strings.TrimSpace(tok)
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return nil, s.unauthorized("The request has no bearer token. Send 'Authorization: Bearer <access token>'.")
	}
	cl := s.tokens.get(tok)
	if cl == nil {
		var err error
		cl, err = s.verifier.Verify(tok)
		if err != nil {
			return nil, s.unauthorized("The access token is not valid: " + err.Error())
		}
		s.tokens.put(tok, cl)
	}
	if !s.now().Before(cl.ExpiresAt) {
		return nil, s.unauthorized("The access token has expired. Acquire a new token and retry.")
	}
	// Exchange's app id names the same resource as its URL (§2.1, §10.12).
	if aud := strings.TrimRight(cl.Audience, "/"); !strings.EqualFold(aud, e.audience) && (e.svc != Exchange || aud != ExchangeAppID) {
		return nil, s.unauthorized("The access token's audience '" + cl.Audience + "' is not this service; request a token for '" + e.audience + "/.default'.")
	}
	if !strings.EqualFold(cl.TenantID, tenantID) {
		return nil, s.unauthorized("The access token was issued for tenant '" + cl.TenantID + "', not for the tenant '" + tenantID + "' in the URL.")
	}
	if cl.UPN == "" && len(cl.Scopes) == 0 {
		if !slices.Contains(cl.Roles, roleManageAsApp) {
			return nil, forbidden("The application token has no '" + roleManageAsApp + "' role; grant the application permission and admin consent.")
		}
	} else if !slices.Contains(cl.Scopes, scopeManage) && !slices.Contains(cl.Scopes, scopeAccessAsUser) {
		return nil, forbidden("The user token has neither the '" + scopeManage + "' nor the '" + scopeAccessAsUser + "' scope.")
	}
	return cl, nil
}

func (s *Server) unauthorized(desc string) *reply {
	desc = strings.ReplaceAll(desc, `"`, `'`)
	return &reply{
		status: http.StatusUnauthorized,
		body:   simpleError("Unauthorized", desc),
		hdr: []header{{"WWW-Authenticate", `Bearer client_id="` + ExchangeAppID +
			`", trusted_issuers="00000001-0000-0000-c000-000000000000@*", token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="` +
			s.authority + `/common/oauth2/authorize", error="invalid_token", error_description="` + desc + `"`}},
	}
}

func forbidden(msg string) *reply {
	return &reply{status: http.StatusForbidden, body: simpleError("Forbidden", msg)}
}
