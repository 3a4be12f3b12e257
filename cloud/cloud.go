package cloud

import (
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"
)

// Emulator is the environment name of exoplay's built-in emulator. It has
// no endpoints of its own: the emulator answers the production host names,
// and internal/cli, which starts it, dials them to it and treats the tenant
// as O365Default (or the cloud its `emulate:` names).
const Emulator = "Emulator"

// Default is the environment used when a tenant names none.
const Default = "O365Default"

// Endpoints are the origins (scheme://host[:port], no path) of one cloud.
type Endpoints struct {
	Environment string
	// ExchangeURL is the Exchange Online REST base: InvokeCommand lives at
	// ExchangeURL + "/adminapi/beta/<tenant>/InvokeCommand".
	ExchangeURL string
	// ComplianceURL is the Security & Compliance front door (it redirects to a
	// regional host on first use). Empty where the cloud has none.
	ComplianceURL string
	// AuthorityURL is the Entra ID host; tokens come from AuthorityURL + "/<tenant>".
	AuthorityURL string
	// ExchangeResource and ComplianceResource are the token audiences; the
	// scope requested is resource + "/.default".
	ExchangeResource   string
	ComplianceResource string
}

var table = map[string]Endpoints{
	"O365Default": {
		ExchangeURL:        "https://outlook.office365.com",
		ComplianceURL:      "https://ps.compliance.protection.outlook.com",
		AuthorityURL:       "https://login.microsoftonline.com",
		ExchangeResource:   "https://outlook.office365.com",
		ComplianceResource: "https://ps.compliance.protection.outlook.com",
	},
	"O365USGovGCCHigh": {
		ExchangeURL:        "https://outlook.office365.us",
		ComplianceURL:      "https://ps.compliance.protection.office365.us",
		AuthorityURL:       "https://login.microsoftonline.us",
		ExchangeResource:   "https://outlook.office365.us",
		ComplianceResource: "https://ps.compliance.protection.office365.us",
	},
	"O365USGovDoD": {
		ExchangeURL:   "https://outlook-dod.office365.us",
		ComplianceURL: "https://l5.ps.compliance.protection.office365.us",
		AuthorityURL:  "https://login.microsoftonline.us",
		// The audience drops the l5. prefix of the DoD compliance host.
		ExchangeResource:   "https://outlook-dod.office365.us",
		ComplianceResource: "https://ps.compliance.protection.office365.us",
	},
	"O365China": {
		ExchangeURL:        "https://partner.outlook.cn",
		ComplianceURL:      "https://ps.compliance.protection.partner.outlook.cn",
		AuthorityURL:       "https://login.chinacloudapi.cn",
		ExchangeResource:   "https://partner.outlook.cn",
		ComplianceResource: "https://ps.compliance.protection.partner.outlook.cn",
	},
	// Microsoft Cloud Germany was shut down in 2021; the name stays valid
	// because playbooks and the modules still accept it.
	// Its compliance host per MSCloudLoginAssistant (exo-rest-protocol.md §10.15).
	"O365GermanyCloud": {
		ExchangeURL:        "https://outlook.office.de",
		ComplianceURL:      "https://ps.compliance.protection.outlook.de",
		AuthorityURL:       "https://login.microsoftonline.de",
		ExchangeResource:   "https://outlook.office.de",
		ComplianceResource: "https://ps.compliance.protection.outlook.de",
	},
}

// Names lists the valid environment names, Emulator included, sorted.
func Names() []string {
	names := []string{Emulator}
	for n := range table {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func canonical(name string) (string, bool) {
	if name == "" {
		return Default, true
	}
	for _, n := range Names() {
		if strings.EqualFold(n, name) {
			return n, true
		}
	}
	return "", false
}

// Lookup returns the endpoints of a named cloud. Emulator has none (see
// Emulator): asking for them is an error.
func Lookup(name string) (Endpoints, error) {
	n, ok := canonical(name)
	if !ok {
		return Endpoints{}, fmt.Errorf("unknown environment %q (valid: %s)", name, strings.Join(Names(), ", "))
	}
	if n == Emulator {
		return Endpoints{}, fmt.Errorf("environment %s has no endpoints of its own: exoplay run starts the emulator and uses the cloud named by the tenant's emulate: (default %s)", Emulator, Default)
	}
	e := table[n]
	e.Environment = n
	return e, nil
}

// Resolve returns the endpoints of a tenant: its cloud, with the
// connection_uri and authority_uri overrides applied as the modules'
// -ConnectionUri and -AzureADAuthorizationEndpointUri do. Only scheme and
// host[:port] of an override are kept: a module-style path
// (/PowerShell-LiveID, /common) is accepted and ignored. An override of the
// Exchange endpoint also becomes the Exchange token resource, except for
// the documented remote-PowerShell ConnectionUris that name another host
// than the REST API's (restHosts).
func Resolve(base Endpoints, connectionURI, authorityURI string) (Endpoints, error) {
	e := base
	if connectionURI != "" {
		o, err := Origin(connectionURI)
		if err != nil {
			return Endpoints{}, fmt.Errorf("connection_uri: %w", err)
		}
		if rest, ok := restHosts[o]; ok {
			o = rest
		}
		e.ExchangeURL, e.ExchangeResource = o, o
	}
	if authorityURI != "" {
		o, err := Origin(authorityURI)
		if err != nil {
			return Endpoints{}, fmt.Errorf("authority_uri: %w", err)
		}
		e.AuthorityURL = o
	}
	return e, nil
}

// restHosts maps documented -ConnectionUri origins of the remote PowerShell
// era to the REST host clients use instead. DoD's documented ConnectionUri
// is https://webmail.apps.mil/powershell-liveID; REST clients call
// outlook-dod.office365.us (exo-rest-protocol.md §10.14: ScubaGear's REST
// helper, the Admin API base-URL table).
var restHosts = map[string]string{
	"https://webmail.apps.mil": "https://outlook-dod.office365.us",
}

// Origin returns scheme://host[:port] of raw. It refuses anything but https,
// except plain http to a loopback address.
func Origin(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%q is not a URL: %v", raw, err)
	}
	if u.Host == "" {
		return "", fmt.Errorf("%q has no host", raw)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !IsLoopback(u.Hostname()) {
			return "", fmt.Errorf("%q uses plain http to a host that is not loopback; use https", raw)
		}
	default:
		return "", fmt.Errorf("%q: scheme must be https", raw)
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host), nil
}

// IsLoopback reports whether host (no port) is localhost or a loopback IP.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// initialSuffixes end the initial (tenant-created) domain in each cloud.
var initialSuffixes = []string{".onmicrosoft.com", ".onmicrosoft.us", ".partner.onmschina.cn", ".onmicrosoft.de"}

// InitialDomain reports whether d is a tenant's initial domain
// (<name>.onmicrosoft.com and the other clouds' forms; not the
// <name>.mail.onmicrosoft.com routing domain): the domain Security &
// Compliance calls anchor on (transport.ComplianceAnchor).
func InitialDomain(d string) bool {
	d = strings.ToLower(strings.TrimSpace(d))
	for _, suf := range initialSuffixes {
		if name, ok := strings.CutSuffix(d, suf); ok && name != "" && !strings.Contains(name, ".") {
			return true
		}
	}
	return false
}

// IsGUID reports whether s is an Entra id's form (tenant, app, object):
// 8-4-4-4-12 hex digits, either case, no braces. The playbook's tenant_id
// and client_id must have it, and auth and the transport tell a tenant id
// from a domain by it.
func IsGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return false
		}
	}
	return true
}
