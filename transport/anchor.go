package transport

import (
	"strings"

	"github.com/exoplay/exoplay/cloud"
	"github.com/exoplay/exoplay/cmdlet"
)

// systemMailbox is the arbitration mailbox the module and CIPP anchor
// app-only and partner calls on.
const systemMailbox = "SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}"

// AppAnchor is the X-AnchorMailbox of app-only and partner (GDAP) calls:
// APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@<tenant>.
func AppAnchor(tenant string) string { return "APP:" + systemMailbox + "@" + tenant }

// UserAnchor is the X-AnchorMailbox of delegated calls: UPN:<signed-in user>.
func UserAnchor(upn string) string { return "UPN:" + upn }

// mailboxRouted lists (lower case) the cmdlets the module routes on their
// target mailbox (its -UseCustomRouting list, protocol notes §3.4).
var mailboxRouted = map[string]bool{
	"get-clutter": true, "get-focusedinbox": true, "get-inboxrule": true,
	"get-mailboxautoreplyconfiguration": true, "get-mailboxcalendarfolder": true,
	"get-mailboxfolderpermission": true, "get-mailboxfolderstatistics": true,
	"get-mailboxmessageconfiguration": true, "get-mailboxpermission": true,
	"get-mailboxregionalconfiguration": true, "get-mailboxstatistics": true,
	"get-mobiledevicestatistics": true, "get-userphoto": true,
	"remove-calendarevents": true, "set-clutter": true, "set-focusedinbox": true,
	"set-mailboxregionalconfiguration": true, "set-userphoto": true,
}

// anchorFor picks the X-AnchorMailbox of one call: the request's override,
// else the target mailbox of a mailbox-routed cmdlet, else the endpoint's
// default, else the tenant's system mailbox. routed reports the second case
// (sent as parameter-based-routing: true, like the module).
func anchorFor(ep *Endpoint, req *Request) (anchor string, routed bool) {
	if req.Anchor != "" {
		return req.Anchor, false
	}
	if mailboxRouted[strings.ToLower(req.Cmdlet)] {
		if a := targetAnchor(req.Parameters, orgID(ep)); a != "" {
			return a, true
		}
	}
	if ep.Anchor != "" {
		return ep.Anchor, false
	}
	if ep.Service == Compliance && cloud.InitialDomain(ep.Tenant) {
		return ComplianceAnchor(ep.Tenant), false // §10.6; internal/connect finds the domain for another tenant name
	}
	return AppAnchor(ep.Tenant), false
}

// targetAnchor is the module's parameter-based routing hint (S12
// GetMailboxIDBasedRoutingHint, exo-rest-protocol.md §10.9) for the
// Identity (or Mailbox) parameter: SMTP:<address> for an e-mail address,
// MBX:<guid>@<organization id> for a mailbox GUID (org is the tenant GUID;
// "" when unknown, then GUIDs get no hint). Other identity forms (alias,
// display name) cannot be anchored without a lookup and return "".
func targetAnchor(params map[string]any, org string) string {
	for _, name := range []string{"Identity", "Mailbox"} {
		v, ok := cmdlet.Property(params, name)
		if !ok {
			continue
		}
		s, ok := v.(string)
		if !ok {
			continue
		}
		s = strings.TrimSpace(s)
		// Folder identities look like user@x:\Calendar (the module takes
		// what comes before the first colon).
		if i := strings.Index(s, ":\\"); i > 0 {
			s = s[:i]
		}
		if p, rest, ok := strings.Cut(s, ":"); ok && (strings.EqualFold(p, "smtp") || strings.EqualFold(p, "upn")) {
			s = rest
		}
		switch {
		case validAddress(s):
			return "SMTP:" + s
		case org != "" && cloud.IsGUID(s):
			return "MBX:" + strings.ToLower(s) + "@" + org
		}
	}
	return ""
}

// orgID is the tenant GUID of ep, "" when it is not known.
func orgID(ep *Endpoint) string {
	if ep.TenantID != "" {
		return ep.TenantID
	}
	if cloud.IsGUID(ep.Tenant) {
		return strings.ToLower(ep.Tenant)
	}
	return ""
}

func validAddress(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at < len(s)-1 && strings.IndexByte(s[at+1:], '.') > 0 &&
		!strings.ContainsAny(s, " \t\r\n,;:\\/")
}

// ComplianceAnchor is the X-AnchorMailbox of app-only and partner (GDAP)
// Security & Compliance calls: UPN:SystemMailbox{…}@<initial domain>, the
// tenant's *.onmicrosoft.com domain, not its GUID (exo-rest-protocol.md
// §10.6: CIPP had to move off APP:…@<GUID> for compliance; ScubaGear does
// the same).
func ComplianceAnchor(initialDomain string) string {
	return "UPN:" + systemMailbox + "@" + strings.ToLower(initialDomain)
}
