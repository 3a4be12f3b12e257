package entra

import (
	"net/http"
	"strings"
)

// Handler serves every endpoint under the base URL root:
//
//	GET  /{tenant}/v2.0/.well-known/openid-configuration
//	GET  /{tenant}/discovery/v2.0/keys
//	POST /{tenant}/oauth2/v2.0/token        (and the v1 /{tenant}/oauth2/token, resource=)
//	POST /{tenant}/oauth2/v2.0/devicecode
//	GET  /{tenant}/oauth2/v2.0/authorize
//	GET  /common/UserRealm/{user}
//	GET  /msi/token                         (App Service managed identity)
//	GET  /devicelogin
//
// {tenant} is a GUID, a tenant domain, or organizations/common/consumers.
func (a *Authority) Handler() http.Handler { return http.HandlerFunc(a.serveHTTP) }

func (a *Authority) serveHTTP(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	lower := make([]string, len(parts))
	for i, p := range parts {
		lower[i] = strings.ToLower(p)
	}
	switch {
	case len(parts) == 2 && lower[0] == "msi" && lower[1] == "token":
		a.serveManagedIdentity(w, r)
	case len(parts) == 1 && lower[0] == "devicelogin":
		serveDeviceLogin(w, r)
	case len(parts) == 3 && lower[0] == "common" && lower[1] == "userrealm":
		a.serveUserRealm(w, r, parts[2])
	case len(parts) == 4 && lower[1] == "v2.0" && lower[2] == ".well-known" && lower[3] == "openid-configuration":
		a.serveOpenIDConfiguration(w, r, parts[0])
	case len(parts) == 4 && lower[1] == "discovery" && lower[2] == "v2.0" && lower[3] == "keys":
		a.serveKeys(w, r)
	case len(parts) == 4 && lower[1] == "oauth2" && lower[2] == "v2.0":
		switch lower[3] {
		case "token":
			a.serveToken(w, r, parts[0], false)
		case "devicecode":
			a.serveDeviceCode(w, r, parts[0])
		case "authorize":
			a.serveAuthorize(w, r, parts[0])
		default:
			a.notFound(w, r)
		}
	case len(parts) == 3 && lower[1] == "oauth2" && lower[2] == "token":
		a.serveToken(w, r, parts[0], true)
	default:
		a.notFound(w, r)
	}
}

func (a *Authority) notFound(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusNotFound, map[string]any{
		"error": "not_found", "error_description": "The emulated authority serves no endpoint at " + r.URL.Path + ".",
	})
}
