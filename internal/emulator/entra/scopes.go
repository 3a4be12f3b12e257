package entra

import (
	"net/http"
	"strings"
)

// oidcScopes are added by MSAL to every request; they name no resource.
var oidcScopes = map[string]bool{"openid": true, "profile": true, "offline_access": true, "email": true}

// tokenExchangeAudiences are the audiences of managed identity tokens used as federated
// credentials (public, US Gov and China clouds).
var tokenExchangeAudiences = map[string]bool{
	"api://azureadtokenexchange":      true,
	"api://azureadtokenexchangeusgov": true,
	"api://azureadtokenexchangechina": true,
}

// cloudOf names the cloud a URL's host belongs to by its top-level domain: "us" (the US
// Government clouds: login.microsoftonline.us, outlook.office365.us, ...), "cn" (China), "de"
// (Germany), "" for the public cloud (an address included, as in tests).
func cloudOf(rawURL string) string {
	host := rawURL
	if _, rest, ok := strings.Cut(host, "://"); ok {
		host = rest
	}
	host, _, _ = strings.Cut(host, "/")
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	switch tld := host[strings.LastIndexByte(host, '.')+1:]; strings.ToLower(tld) {
	case "us", "cn", "de":
		return strings.ToLower(tld)
	}
	return ""
}

// exchangeAudienceOf is the token-exchange audience of the cloud whose authority is base.
func exchangeAudienceOf(base string) string {
	switch cloudOf(base) {
	case "us":
		return "api://AzureADTokenExchangeUSGov"
	case "cn":
		return "api://AzureADTokenExchangeChina"
	}
	return "api://AzureADTokenExchange"
}

// scopeRequest is the resource part of a scope parameter.
type scopeRequest struct {
	resource   string   // configured spelling of the audience
	scopes     []string // the non-OIDC scopes as sent, echoed in the response
	dotDefault bool     // every scope was <resource>/.default
}

// parseScope finds the one resource a request is for and checks that it is an allowed audience.
// tenant names the tenant in error messages.
// behaviour entra.scope.default (internal/emulator/BEHAVIOURS.md)
//
// A cloud's authority knows only its own cloud's resources (behaviour entra.resource.per-cloud):
// base is the authority asked, and a resource URL of another cloud is not found, as
// outlook.office365.com is not at login.microsoftonline.us.
// behaviour entra.resource.per-cloud (internal/emulator/BEHAVIOURS.md)
func (a *Authority) parseScope(scope, tenant, base string) (scopeRequest, *aadError) {
	var sr scopeRequest
	sr.dotDefault = true
	raw := ""
	for _, s := range strings.Fields(scope) {
		if oidcScopes[strings.ToLower(s)] {
			continue
		}
		res, perm, ok := splitScope(s)
		if !ok {
			return sr, newErr(http.StatusBadRequest, "invalid_scope", 70011,
				"The provided request must include a 'scope' input parameter naming a resource: '%s' has no resource (use <resource>/.default).", s)
		}
		if raw != "" && !strings.EqualFold(raw, res) {
			return sr, newErr(http.StatusBadRequest, "invalid_request", 28000,
				"Provided value for the input parameter scope is not valid because it contains more than one resource. Scope %s is not valid.", scope)
		}
		raw = res
		sr.dotDefault = sr.dotDefault && perm == ".default"
		sr.scopes = append(sr.scopes, s)
	}
	if raw == "" {
		if strings.TrimSpace(scope) == "" {
			return sr, errMissingParam("scope")
		}
		return sr, newErr(http.StatusBadRequest, "invalid_scope", 70011,
			"The provided value for the input parameter 'scope' is not valid: '%s' names no resource.", scope)
	}
	canon, ok := a.resource(raw)
	if ok && strings.Contains(canon, "://") && cloudOf(canon) != cloudOf(base) {
		ok = false
	}
	if !ok {
		return sr, newErr(http.StatusBadRequest, "invalid_resource", 500011,
			"The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.", raw, tenant)
	}
	sr.resource = canon
	return sr, nil
}

// splitScope splits "https://host/Perm" into resource and permission.
func splitScope(s string) (resource, perm string, ok bool) {
	start := 0
	if i := strings.Index(s, "://"); i >= 0 {
		start = i + 3
	}
	i := strings.LastIndex(s[start:], "/")
	if i < 0 {
		return "", "", false
	}
	return s[:start+i], s[start+i+1:], true
}
