package emulator

import (
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/exoplay/exoplay/internal/emulator/exchange"
)

// router sends each request to the service its host name belongs to, as
// the service's DNS does: one listener answers every cloud's authority,
// Exchange, compliance front door and regional compliance hosts.
type router struct {
	exact     map[string]http.Handler // host -> handler
	regional  []regionalRoute
	backends  []string     // host suffixes the front door's Location names
	authority http.Handler // also serves the managed identity endpoint on an IP host
	front     *exchange.Server
	wrap      func(name string, h http.Handler) http.Handler

	mu    sync.RWMutex
	cache map[string]http.Handler // regional host -> its handler
}

type regionalRoute struct {
	suffix   string
	resource string
}

// behaviour exo.host.one-port (internal/emulator/BEHAVIOURS.md)
// behaviour exo.ipps.regional-any-label (internal/emulator/BEHAVIOURS.md)
// behaviour entra.host.per-cloud (internal/emulator/BEHAVIOURS.md)
func newRouter(authority http.Handler, front *exchange.Server, al *accessLog) *router {
	rt := &router{exact: map[string]http.Handler{}, cache: map[string]http.Handler{}, wrap: func(_ string, h http.Handler) http.Handler { return h }}
	if al != nil {
		rt.wrap = al.wrap
	}
	rt.authority = rt.wrap("authority", authority)
	for _, c := range clouds {
		for _, h := range c.authority {
			rt.exact[h] = rt.authority
		}
		for _, h := range c.exchange {
			rt.exact[h] = rt.wrap("exchange", front.Handler(exchange.Exchange, "https://"+h, c.exchangeResource()))
		}
		backend := ""
		if c.backend != "" {
			backend = "https://" + regionLabel + "." + c.backend + ":446"
		}
		door := rt.wrap("ipps-door", front.FrontDoor("https://"+regionLabel+"."+c.complianceRegion, backend))
		for _, h := range c.complianceDoor {
			rt.exact[h] = door
		}
		rt.regional = append(rt.regional, regionalRoute{suffix: c.complianceRegion, resource: c.complianceResource()})
		if c.backend != "" {
			rt.backends = append(rt.backends, c.backend)
		}
	}
	rt.front = front
	return rt
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host := hostOf(r.Host)
	if r.TLS != nil && r.TLS.ServerName != "" && !strings.EqualFold(strings.TrimSuffix(r.TLS.ServerName, "."), host) {
		misdirected(w, "the TLS server name "+r.TLS.ServerName+" is not the Host "+r.Host)
		return
	}
	if h := rt.handler(host, r.URL.Path); h != nil {
		h.ServeHTTP(w, r)
		return
	}
	misdirected(w, "the emulator serves the service's host names (login.microsoftonline.com, outlook.office365.com, "+
		"ps.compliance.protection.outlook.com, ...), not "+host+"; dial them to it with --connect-to ::HOST:PORT")
}

func (rt *router) handler(host, path string) http.Handler {
	if h, ok := rt.exact[host]; ok {
		return h
	}
	rt.mu.RLock()
	h, ok := rt.cache[host]
	rt.mu.RUnlock()
	if ok {
		return h
	}
	for _, reg := range rt.regional {
		if _, ok := regionalLabel(host, reg.suffix); ok {
			h = rt.wrap("ipps", rt.front.Handler(exchange.Compliance, "https://"+host, reg.resource))
			rt.mu.Lock()
			rt.cache[host] = h
			rt.mu.Unlock()
			return h
		}
	}
	for _, b := range rt.backends {
		if _, ok := regionalLabel(host, b); ok {
			return rt.wrap("backend", http.HandlerFunc(serveBackend))
		}
	}
	// behaviour entra.managed-identity.address (internal/emulator/BEHAVIOURS.md)
	// The managed identity endpoint is a platform-given URL (IDENTITY_ENDPOINT),
	// not a service host: it is reached by address.
	if ip := net.ParseIP(host); (ip != nil || host == "localhost") && strings.EqualFold(strings.Trim(path, "/"), "msi/token") {
		return rt.authority
	}
	return nil
}

// serveBackend answers on <label>.admin.protection.outlook.com, the host
// the real front door's Location names: the REST API is not served there
// (exo-rest-protocol.md §10.1: clients take the label and call
// <label>.ps.compliance.protection.outlook.com). What the real host answers
// is not public; a 404 that says so is an assumption.
// behaviour exo.ipps.backend-host (internal/emulator/BEHAVIOURS.md)
func serveBackend(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	w.Write([]byte("The REST API is not served on " + r.Host + ": take the first label of the front door's Location and call https://<label>.ps.compliance.protection.outlook.com.\n"))
}

// behaviour exo.host.misdirected (internal/emulator/BEHAVIOURS.md)
func misdirected(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusMisdirectedRequest)
	w.Write([]byte(msg + "\n"))
}
