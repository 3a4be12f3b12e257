package entra

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
)

// userToken checks that the user may use the app in the requested tenant, then issues the access
// token, refresh token, id_token and client_info of a delegated sign-in.
func (a *Authority) userToken(q *tokenRequest, app App, u User, scope string) (tokenResult, *aadError) {
	target, ok := a.targetTenant(q.ref, u)
	if !ok {
		return tokenResult{}, errUserNotInTenant(u.UPN, q.ref.segment)
	}
	sr, e := a.parseScope(scope, q.ref.segment, q.base)
	if e != nil {
		return tokenResult{}, e
	}
	if !app.consentedIn(target.ID) {
		return tokenResult{}, errConsent(app.ClientID, target.ID)
	}
	at, expiresIn, err := a.issueAccessToken(q.base, tokenSpec{
		tenantID: target.ID, audience: sr.resource, appID: app.ClientID,
		objectID: u.ObjectID, user: &u, scopes: app.Scopes, acrs: requestedAcrs(q.form.Get("claims")),
	})
	if err != nil {
		return tokenResult{}, errServer(err)
	}
	rt, err := a.newRefreshToken(u.UPN, app.ClientID)
	if err != nil {
		return tokenResult{}, errServer(err)
	}
	idt, err := a.issueIDToken(q.base, target.ID, app.ClientID, u)
	if err != nil {
		return tokenResult{}, errServer(err)
	}
	// scope echoes what was asked: MSAL treats any requested scope missing here as declined.
	granted := append(append([]string(nil), sr.scopes...), "openid", "profile", "offline_access")
	return tokenResult{tenantID: target.ID, body: map[string]any{
		"token_type": "Bearer", "scope": strings.Join(granted, " "),
		"expires_in": expiresIn, "ext_expires_in": expiresIn,
		"access_token": at, "refresh_token": rt, "id_token": idt, "client_info": clientInfo(u),
	}}, nil
}

func errNoSuchUser(tenant string) *aadError {
	return newErr(http.StatusBadRequest, "invalid_grant", 50034,
		"The user account {EUII Hidden} does not exist in the %s directory. To sign into this application, the account must be added to the directory.", tenant)
}

// grantPassword is ROPC (MSAL's username/password flow, after its userrealm lookup).
// behaviour entra.grant.ropc (internal/emulator/BEHAVIOURS.md)
func (a *Authority) grantPassword(q *tokenRequest) (tokenResult, *aadError) {
	app, e := a.authenticateClient(q, false)
	if e != nil {
		return tokenResult{}, e
	}
	for _, p := range []string{"username", "password"} {
		if q.form.Get(p) == "" {
			return tokenResult{}, errMissingParam(p)
		}
	}
	u, ok := a.user(q.form.Get("username"))
	if !ok {
		return tokenResult{}, errNoSuchUser(q.ref.segment)
	}
	if subtle.ConstantTimeCompare([]byte(u.Password), []byte(q.form.Get("password"))) != 1 || u.Password == "" {
		return tokenResult{}, newErr(http.StatusBadRequest, "invalid_grant", 50126,
			"Error validating credentials due to invalid username or password.")
	}
	if u.MFA {
		return tokenResult{}, newErr(http.StatusBadRequest, "invalid_grant", 50076,
			"Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access this resource. Use an interactive or device code sign-in.").withSuberror("basic_action")
	}
	return a.userToken(q, app, u, q.scope())
}

// grantRefreshToken redeems a refresh token, possibly in another tenant where the user has
// access (guest or GDAP partner): the token is then issued in that tenant.
// behaviour entra.grant.refresh (internal/emulator/BEHAVIOURS.md)
func (a *Authority) grantRefreshToken(q *tokenRequest) (tokenResult, *aadError) {
	app, rt, e := a.redeeming(q, "refresh_token")
	if e != nil {
		return tokenResult{}, e
	}
	g, e := a.redeemRefreshToken(rt, app.ClientID)
	if e != nil {
		return tokenResult{}, e
	}
	return a.userTokenFor(q, app, g.upn, q.scope())
}

// redeeming authenticates the client of a grant that redeems what an earlier
// step issued (a refresh token, a device code, an authorization code), and
// reads that required parameter.
func (a *Authority) redeeming(q *tokenRequest, param string) (App, string, *aadError) {
	app, e := a.authenticateClient(q, false)
	if e != nil {
		return App{}, "", e
	}
	v := q.form.Get(param)
	if v == "" {
		return App{}, "", errMissingParam(param)
	}
	return app, v, nil
}

// userTokenFor is userToken for the user a redeemed grant names; one the
// directory no longer has is invalid_grant.
func (a *Authority) userTokenFor(q *tokenRequest, app App, upn, scope string) (tokenResult, *aadError) {
	u, ok := a.user(upn)
	if !ok {
		return tokenResult{}, errNoSuchUser(q.ref.segment)
	}
	return a.userToken(q, app, u, scope)
}

// behaviour entra.grant.device-code (internal/emulator/BEHAVIOURS.md)
func (a *Authority) grantDeviceCode(q *tokenRequest) (tokenResult, *aadError) {
	app, code, e := a.redeeming(q, "device_code")
	if e != nil {
		return tokenResult{}, e
	}
	d, pending, ok := a.grants.pollDevice(code)
	if !ok || !strings.EqualFold(d.clientID, app.ClientID) {
		return tokenResult{}, newErr(http.StatusBadRequest, "invalid_grant", 70000,
			"The provided value for the input parameter 'device_code' is not valid.")
	}
	if a.now().After(d.expires) {
		return tokenResult{}, newErr(http.StatusBadRequest, "expired_token", 70020,
			"The provided value for the input parameter 'device_code' is not valid. This device code has expired.")
	}
	if pending {
		return tokenResult{}, newErr(http.StatusBadRequest, "authorization_pending", 70016,
			"OAuth 2.0 device flow error. Authorization is pending. Continue polling.")
	}
	return a.userTokenFor(q, app, d.upn, d.scope)
}

// behaviour entra.grant.auth-code (internal/emulator/BEHAVIOURS.md)
func (a *Authority) grantAuthCode(q *tokenRequest) (tokenResult, *aadError) {
	app, code, e := a.redeeming(q, "code")
	if e != nil {
		return tokenResult{}, e
	}
	c, ok := a.grants.takeCode(code)
	switch {
	case !ok || !strings.EqualFold(c.clientID, app.ClientID):
		return tokenResult{}, newErr(http.StatusBadRequest, "invalid_grant", 70000,
			"The provided value for the input parameter 'code' is not valid.")
	case c.redeemed:
		return tokenResult{}, newErr(http.StatusBadRequest, "invalid_grant", 54005,
			"OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.")
	case a.now().After(c.expires):
		return tokenResult{}, newErr(http.StatusBadRequest, "invalid_grant", 70008,
			"The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.")
	case q.form.Get("redirect_uri") != c.redirectURI:
		return tokenResult{}, newErr(http.StatusBadRequest, "invalid_grant", 50011,
			"The redirect URI '%s' specified in the request does not match the redirect URI of the authorization request.", q.form.Get("redirect_uri"))
	case c.challenge != "" && !pkceMatches(c.method, c.challenge, q.form.Get("code_verifier")):
		return tokenResult{}, newErr(http.StatusBadRequest, "invalid_grant", 501481,
			"The Code_Verifier does not match the code_challenge supplied in the authorization request.")
	}
	u, ok := a.user(c.upn)
	if !ok {
		return tokenResult{}, errNoSuchUser(q.ref.segment)
	}
	// The code is redeemed at the tenant it was issued for, whatever the path says.
	q.ref = c.ref
	scope := q.scope()
	if scope == "" {
		scope = c.scope
	}
	return a.userToken(q, app, u, scope)
}

// pkceMatches checks a code_verifier against the challenge (RFC 7636).
func pkceMatches(method, challenge, verifier string) bool {
	if verifier == "" {
		return false
	}
	want := verifier // method "plain" (the RFC's default when none was sent)
	if strings.EqualFold(method, "S256") {
		sum := sha256.Sum256([]byte(verifier))
		want = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) == 1
}
