package emulator

import (
	"strings"

	"github.com/exoplay/exoplay/internal/emulator/exchange"
)

// cloudHosts are the public host names of one Microsoft 365 cloud, as the
// service answers them (reference/exo-rest-protocol.md §1.3 and §10.14-16).
// The emulator serves every cloud's names at once, on one port: a client
// reaches it by dialling those names there (curl's --connect-to), with the
// same URLs, token resources and redirects it uses against the service.
// This table is the emulator's own, not the product's cloud table, so a
// mistake in one shows up against the other.
type cloudHosts struct {
	name string
	// authority hosts (Entra ID).
	authority []string
	// exchange REST hosts, the first also naming the token audience.
	exchange []string
	// compliance front doors (they redirect to a regional host).
	complianceDoor []string
	// regional compliance hosts are <label>.complianceRegion; the door
	// sends a client to <region>.complianceRegion, which also names the
	// token audience.
	complianceRegion string
	// backend is the host family the real front door's Location names
	// (<label>.admin.protection.outlook.com:446); the REST API is not there.
	backend string
}

// regionLabel is the regional prefix the emulated front doors redirect to
// (a label the service is seen to use, §1.4).
const regionLabel = "eur02b"

// behaviour exo.host.names (internal/emulator/BEHAVIOURS.md)
var clouds = []cloudHosts{
	{
		name:      "O365Default",
		authority: []string{"login.microsoftonline.com", "login.microsoft.com", "login.windows.net"},
		// outlook.office.com also answers the REST API (§1.3, capture S13).
		exchange:       []string{"outlook.office365.com", "outlook.office.com"},
		complianceDoor: []string{"ps.compliance.protection.outlook.com"}, complianceRegion: "ps.compliance.protection.outlook.com",
		backend: "admin.protection.outlook.com",
	},
	{
		name:           "O365USGovGCCHigh",
		authority:      []string{"login.microsoftonline.us"},
		exchange:       []string{"outlook.office365.us"},
		complianceDoor: []string{"ps.compliance.protection.office365.us"}, complianceRegion: "ps.compliance.protection.office365.us",
	},
	{
		// DoD shares GCC High's authority and compliance audience; its
		// front door carries an l5. prefix the audience drops (§1.3).
		name:           "O365USGovDoD",
		authority:      []string{"login.microsoftonline.us"},
		exchange:       []string{"outlook-dod.office365.us"},
		complianceDoor: []string{"l5.ps.compliance.protection.office365.us"}, complianceRegion: "ps.compliance.protection.office365.us",
	},
	{
		// China's REST host is unresolved (§10.16): both names answer.
		name:           "O365China",
		authority:      []string{"login.chinacloudapi.cn", "login.partner.microsoftonline.cn"},
		exchange:       []string{"partner.outlook.cn", "outlook.office365.cn"},
		complianceDoor: []string{"ps.compliance.protection.partner.outlook.cn"}, complianceRegion: "ps.compliance.protection.partner.outlook.cn",
	},
	{
		// Closed in 2021; its compliance host per §10.15.
		name:           "O365GermanyCloud",
		authority:      []string{"login.microsoftonline.de"},
		exchange:       []string{"outlook.office.de"},
		complianceDoor: []string{"ps.compliance.protection.outlook.de"}, complianceRegion: "ps.compliance.protection.outlook.de",
	},
}

// exchangeResource is the token audience Exchange accepts: the origin of
// the cloud's first Exchange host, in every cloud of §1.3.
func (c cloudHosts) exchangeResource() string { return "https://" + c.exchange[0] }

// complianceResource is the compliance token audience: the origin of the
// regional host family, in every cloud of §1.3 (DoD's door has an l5.
// prefix the audience does not).
func (c cloudHosts) complianceResource() string { return "https://" + c.complianceRegion }

// ExchangeAppID is the Office 365 Exchange Online application id, accepted
// as a token resource like its URL (§2.1, §10.12).
const ExchangeAppID = exchange.ExchangeAppID

// resources are the token audiences the authority mints: every cloud's
// Exchange and compliance resource, and Exchange's app id.
func resources() []string {
	seen := map[string]bool{}
	out := []string{ExchangeAppID}
	for _, c := range clouds {
		for _, r := range []string{c.exchangeResource(), c.complianceResource()} {
			if !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
	}
	return out
}

// certNames are the DNS names of the emulator's certificate: every host
// it serves, with wildcards for the regional and backend prefixes.
func certNames() []string {
	seen := map[string]bool{}
	var out []string
	add := func(names ...string) {
		for _, n := range names {
			if n != "" && !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	for _, c := range clouds {
		add(c.authority...)
		add(c.exchange...)
		add(c.complianceDoor...)
		add("*." + c.complianceRegion)
		if c.backend != "" {
			add("*." + c.backend)
		}
	}
	return out
}

// hostOf is the lower-cased host of a Host header, without port or final dot.
func hostOf(hostport string) string {
	h := hostport
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.HasSuffix(h, "]") {
		h = h[:i]
	}
	return strings.ToLower(strings.TrimSuffix(strings.Trim(h, "[]"), "."))
}

// regionalLabel returns the label of host when it is <label>.suffix with
// one label before the suffix.
func regionalLabel(host, suffix string) (string, bool) {
	label, ok := strings.CutSuffix(host, "."+suffix)
	return label, ok && label != "" && !strings.Contains(label, ".")
}
