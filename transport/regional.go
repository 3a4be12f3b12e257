package transport

import (
	"net/url"
	"strings"
)

// backendPort is the port of the service's backends, which redirects and
// next links can carry; the public listener is 443 (§10.2, go-exoscc's
// normalizeURL).
const backendPort = "446"

// backendToPublic drops the backend port 446 from u (https's default,
// 443, remains), returning u itself when there is nothing to change.
func backendToPublic(u *url.URL) *url.URL {
	if u == nil || u.Port() != backendPort {
		return u
	}
	cp := *u
	cp.Host = u.Hostname()
	if strings.Contains(cp.Host, ":") { // an IPv6 literal
		cp.Host = "[" + cp.Host + "]"
	}
	return &cp
}

// normalizedLink is link with the backend port dropped, or link when it
// does not parse.
func normalizedLink(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return link
	}
	return backendToPublic(u).String()
}

// compliancePrefix starts the compliance REST host of every cloud.
const compliancePrefix = "ps.compliance.protection."

// complianceRegional rebuilds the regional compliance REST URL from a
// front door redirect, as CIPP, ScubaGear and go-exoscc do (§10.1): the
// first DNS label of the Location's host, then ps.compliance.protection.
// and the cloud suffix of the front door (origin's host from
// "ps.compliance.protection." on, e.g. outlook.com, office365.us). The
// path and query of next are kept; the port is https's. ok is false when
// the origin is not a compliance host or the label is not a DNS label.
func complianceRegional(origin, next *url.URL) (*url.URL, bool) {
	base := strings.ToLower(origin.Hostname())
	i := strings.Index(base, compliancePrefix)
	if i < 0 || (i > 0 && base[i-1] != '.') {
		return nil, false
	}
	label, _, ok := strings.Cut(strings.ToLower(next.Hostname()), ".")
	if !ok || !dnsLabel(label) {
		return nil, false
	}
	host := label + "." + base[i:]
	if host == base {
		return nil, false // a redirect to the front door itself
	}
	cp := *next
	cp.Scheme, cp.Host = "https", host
	if p := origin.Port(); p != "" && p != "443" {
		cp.Host += ":" + p // a front door reached on another port (tests)
	}
	return &cp, true
}

func dnsLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
