package transport

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/exoplay/exoplay/cloud"
)

// parseOrigin checks a service base URL: https, or http to a loopback
// address; any path is dropped (the modules' -ConnectionUri paths are
// meaningless to the REST endpoint).
func parseOrigin(base string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil {
		return nil, fmt.Errorf("service URL %q: %v", base, err)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("service URL %q has no host", base)
	}
	if err := checkScheme(u); err != nil {
		return nil, err
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}

func checkScheme(u *url.URL) error {
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		if cloud.IsLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("refusing plain http to %s: the token would travel unencrypted (http is only allowed to a loopback address)", u.Host)
	}
	return fmt.Errorf("unsupported URL scheme %q in %s (https required)", u.Scheme, u.Redacted())
}

// inFamily reports whether the bearer token may be sent to target, given the
// endpoint's base: same host; a subdomain of it; a subdomain of its parent
// when the base has four labels or more (front door -> regional host); for
// an IP-literal base, the same IP on any port. The scheme rule applies too.
func inFamily(base, target *url.URL) bool {
	if checkScheme(target) != nil {
		return false
	}
	bh := strings.ToLower(strings.TrimSuffix(base.Hostname(), "."))
	th := strings.ToLower(strings.TrimSuffix(target.Hostname(), "."))
	if bh == "" || th == "" {
		return false
	}
	if bip := net.ParseIP(bh); bip != nil {
		tip := net.ParseIP(th)
		return tip != nil && bip.Equal(tip)
	}
	if strings.EqualFold(bh, "localhost") {
		return th == bh
	}
	if th == bh || strings.HasSuffix(th, "."+bh) {
		return true
	}
	labels := strings.Split(bh, ".")
	if len(labels) >= 4 {
		parent := strings.Join(labels[1:], ".")
		return strings.HasSuffix(th, "."+parent)
	}
	return false
}
