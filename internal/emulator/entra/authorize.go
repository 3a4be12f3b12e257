package entra

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
)

// serveAuthorize is an auto-approving GET /{tenant}/oauth2/v2.0/authorize: the sign-in user (the
// login_hint, else Options.SignInUser, else the first user with access) consents at once. With
// response_mode=form_post to a loopback redirect URI (MSAL's local server) the answer is POSTed
// server-side and the "browser" gets a page saying it can close; other form_post targets get
// the self-submitting form a browser would; query and fragment modes redirect.
// behaviour entra.authorize.auto-approve (internal/emulator/BEHAVIOURS.md)
func (a *Authority) serveAuthorize(w http.ResponseWriter, r *http.Request, seg string) {
	a.counters.update(func(c *Counters) { c.Authorizations++ })
	_ = r.ParseForm()
	p := r.Form
	ref, found := a.lookupTenant(seg)
	if !found {
		a.writeError(w, r, errTenantNotFound(seg))
		return
	}
	clientID := p.Get("client_id")
	if clientID == "" {
		a.writeError(w, r, errMissingParam("client_id"))
		return
	}
	app, ok := a.app(clientID)
	if !ok {
		a.writeError(w, r, errUnknownApp(clientID, ref.segment))
		return
	}
	redirect, err := url.Parse(p.Get("redirect_uri"))
	if err != nil || p.Get("redirect_uri") == "" || (redirect.Scheme != "https" && !isLoopbackHTTP(redirect)) {
		a.writeError(w, r, newErr(http.StatusBadRequest, "invalid_request", 50011,
			"The redirect URI '%s' specified in the request does not match the redirect URIs configured for the application '%s'. Use https, or http on a loopback address.", p.Get("redirect_uri"), clientID))
		return
	}
	// From here on, errors go back to the client through its redirect URI, as Entra does.
	answer := url.Values{}
	if s := p.Get("state"); s != "" {
		answer.Set("state", s)
	}
	fail := func(e *aadError) {
		a.counters.failure(e.code)
		answer.Set("error", e.err)
		answer.Set("error_description", fmt.Sprintf("AADSTS%d: %s", e.code, e.desc))
		a.deliver(w, r, redirect, p.Get("response_mode"), answer)
	}
	if rt := p.Get("response_type"); rt != "code" {
		fail(newErr(http.StatusBadRequest, "unsupported_response_type", 900144,
			"The response_type '%s' is not supported: only 'code' is.", rt))
		return
	}
	method := p.Get("code_challenge_method")
	if p.Get("code_challenge") != "" && method != "" && method != "S256" && method != "plain" {
		fail(newErr(http.StatusBadRequest, "invalid_request", 501491, "Invalid code_challenge_method '%s'.", method))
		return
	}
	if p.Get("code_challenge") != "" && method == "" {
		method = "plain"
	}
	if _, e := a.parseScope(p.Get("scope"), ref.segment, a.base(r)); e != nil {
		fail(e)
		return
	}
	u, ok := a.pickSignInUser(ref, p.Get("login_hint"))
	if !ok {
		fail(errNoSuchUser(ref.segment))
		return
	}
	target, ok := a.targetTenant(ref, u)
	if !ok {
		fail(errUserNotInTenant(u.UPN, ref.segment))
		return
	}
	if !app.consentedIn(target.ID) {
		fail(errConsent(app.ClientID, target.ID))
		return
	}
	now := a.now()
	code := a.grants.putCode(&authCode{
		clientID: app.ClientID, redirectURI: p.Get("redirect_uri"),
		challenge: p.Get("code_challenge"), method: method,
		upn: u.UPN, ref: ref, scope: p.Get("scope"), expires: now.Add(authCodeLifetime),
	}, now)
	answer.Set("code", code)
	a.deliver(w, r, redirect, p.Get("response_mode"), answer)
}

// deliver sends the authorization answer to the redirect URI in the requested response mode.
func (a *Authority) deliver(w http.ResponseWriter, r *http.Request, redirect *url.URL, mode string, answer url.Values) {
	switch mode {
	case "form_post":
		if isLoopbackHTTP(redirect) {
			if err := a.client.post(r.Context(), redirect.String(), answer); err != nil {
				http.Error(w, "could not deliver the authorization answer to "+redirect.String()+": "+err.Error(), http.StatusBadGateway)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = fmt.Fprint(w, "<!doctype html><title>Signed in</title><p>Authentication complete. You can close this window.</p>")
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		var b strings.Builder
		fmt.Fprintf(&b, `<!doctype html><html><body onload="document.forms[0].submit()"><form method="POST" action="%s">`, html.EscapeString(redirect.String()))
		for k, vs := range answer {
			fmt.Fprintf(&b, `<input type="hidden" name="%s" value="%s">`, html.EscapeString(k), html.EscapeString(vs[0]))
		}
		b.WriteString(`<noscript><button type="submit">Continue</button></noscript></form></body></html>`)
		_, _ = fmt.Fprint(w, b.String())
	case "fragment":
		u := *redirect
		u.Fragment = answer.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	default:
		u := *redirect
		q := u.Query()
		for k, vs := range answer {
			q[k] = vs
		}
		u.RawQuery = q.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
}
