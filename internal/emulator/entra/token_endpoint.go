package entra

import (
	"net/http"
	"net/url"
	"strings"
)

// tokenRequest is one POST to a token endpoint, parsed.
type tokenRequest struct {
	r     *http.Request
	form  url.Values
	ref   tenantRef
	base  string
	v1    bool // /oauth2/token: the resource comes in "resource", not "scope"
	grant string
}

// audiences are the token endpoint URLs a client assertion may be addressed to: the endpoint the
// client called, under each name of the tenant, v2.0 and v1.
func (q *tokenRequest) audiences() []string {
	names := []string{q.ref.segment}
	if !q.ref.meta {
		names = append(names, strings.ToLower(q.ref.tenant.ID), strings.ToLower(q.ref.tenant.Domain))
	}
	var out []string
	for _, n := range names {
		out = append(out, q.base+"/"+n+"/oauth2/v2.0/token", q.base+"/"+n+"/oauth2/token")
	}
	return out
}

// scope is the scope parameter, or for the v1 endpoint the resource turned into <resource>/.default.
func (q *tokenRequest) scope() string {
	if q.v1 && q.form.Get("resource") != "" {
		return strings.TrimRight(q.form.Get("resource"), "/") + "/.default"
	}
	return q.form.Get("scope")
}

// tokenResult is a successful answer and the tenant the token was issued in (for counters).
type tokenResult struct {
	body     map[string]any
	tenantID string
}

const maxFormBytes = 1 << 20

// behaviour entra.token.endpoint (internal/emulator/BEHAVIOURS.md)
func (a *Authority) serveToken(w http.ResponseWriter, r *http.Request, seg string, v1 bool) {
	if r.Method != http.MethodPost {
		a.writeError(w, r, newErr(http.StatusMethodNotAllowed, "invalid_request", 900561,
			"The endpoint only accepts POST requests. Received a %s request.", r.Method))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		a.writeError(w, r, newErr(http.StatusBadRequest, "invalid_request", 900144,
			"The request body must be application/x-www-form-urlencoded: %v", err))
		return
	}
	ref, found := a.lookupTenant(seg)
	q := &tokenRequest{r: r, form: r.PostForm, ref: ref, base: a.base(r), v1: v1, grant: r.PostForm.Get("grant_type")}
	grant := grantLabel(q.grant)
	a.counters.request(ref.tenantID(), grant)
	if !found {
		a.writeError(w, r, errTenantNotFound(seg))
		return
	}
	if !ref.meta {
		if e := a.throttled(ref.tenant.ID); e != nil {
			a.writeError(w, r, e)
			return
		}
	}
	var res tokenResult
	var e *aadError
	switch grant {
	case "client_credentials":
		res, e = a.grantClientCredentials(q)
	case "password":
		res, e = a.grantPassword(q)
	case "refresh_token":
		res, e = a.grantRefreshToken(q)
	case "device_code":
		res, e = a.grantDeviceCode(q)
	case "authorization_code":
		res, e = a.grantAuthCode(q)
	case "":
		e = errMissingParam("grant_type")
	default:
		e = newErr(http.StatusBadRequest, "unsupported_grant_type", 70003,
			"The app requested an unsupported grant type '%s'.", q.grant)
	}
	if e != nil {
		a.writeError(w, r, e)
		return
	}
	a.counters.issued(res.tenantID, grant)
	writeJSON(w, http.StatusOK, res.body)
}

// grantLabel normalises grant types for counters (the device code URN and the short form MSAL sends).
func grantLabel(g string) string {
	if g == "urn:ietf:params:oauth:grant-type:device_code" {
		return "device_code"
	}
	return g
}

// behaviour entra.grant.client-credentials (internal/emulator/BEHAVIOURS.md)
func (a *Authority) grantClientCredentials(q *tokenRequest) (tokenResult, *aadError) {
	app, e := a.authenticateClient(q, true)
	if e != nil {
		return tokenResult{}, e
	}
	if q.ref.meta {
		return tokenResult{}, newErr(http.StatusBadRequest, "invalid_request", 50059,
			"No tenant-identifying information found in either the request or implied by any provided credentials: app-only tokens need a tenant ID or domain in the authority, not '%s'.", q.ref.segment)
	}
	tid := q.ref.tenant.ID
	if !app.consentedIn(tid) {
		return tokenResult{}, errUnknownApp(app.ClientID, q.ref.segment)
	}
	sr, e := a.parseScope(q.scope(), q.ref.segment, q.base)
	if e != nil {
		return tokenResult{}, e
	}
	if !sr.dotDefault {
		return tokenResult{}, newErr(http.StatusBadRequest, "invalid_scope", 1002012,
			"The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", strings.Join(sr.scopes, " "))
	}
	at, expiresIn, err := a.issueAccessToken(q.base, tokenSpec{
		tenantID: tid, audience: sr.resource, appID: app.ClientID,
		objectID: derivedGUID("sp:" + strings.ToLower(app.ClientID) + ":" + strings.ToLower(tid)),
		roles:    app.Roles, acrs: requestedAcrs(q.form.Get("claims")),
	})
	if err != nil {
		return tokenResult{}, errServer(err)
	}
	return tokenResult{tenantID: tid, body: map[string]any{
		"token_type": "Bearer", "expires_in": expiresIn, "ext_expires_in": expiresIn, "access_token": at,
	}}, nil
}

func errServer(err error) *aadError {
	return newErr(http.StatusInternalServerError, "server_error", 90033, "A transient error has occurred: %v. Please try again.", err)
}
