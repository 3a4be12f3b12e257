package transport

import "strings"

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
		if a := targetAnchor(req.Parameters); a != "" {
			return a, true
		}
	}
	if ep.Anchor != "" {
		return ep.Anchor, false
	}
	return AppAnchor(ep.Tenant), false
}

// targetAnchor derives UPN:/SMTP: from the Identity (or Mailbox) parameter
// when it names a mailbox by address. Other identity forms (alias, display
// name, GUID) cannot be anchored without a lookup and return "".
func targetAnchor(params map[string]any) string {
	for _, name := range []string{"Identity", "Mailbox"} {
		v, ok := lookupParam(params, name)
		if !ok {
			continue
		}
		s, ok := v.(string)
		if !ok {
			continue
		}
		s = strings.TrimSpace(s)
		// Folder identities look like user@x:\Calendar.
		if i := strings.Index(s, ":\\"); i > 0 {
			s = s[:i]
		}
		if p, rest, ok := strings.Cut(s, ":"); ok && (strings.EqualFold(p, "smtp") || strings.EqualFold(p, "upn")) {
			if validAddress(rest) {
				return strings.ToUpper(p) + ":" + rest
			}
			continue
		}
		if validAddress(s) {
			return "UPN:" + s
		}
	}
	return ""
}

func validAddress(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at < len(s)-1 && strings.IndexByte(s[at+1:], '.') > 0 &&
		!strings.ContainsAny(s, " \t\r\n,;:\\/")
}

// lookupParam finds a parameter by case-insensitive name, as PowerShell binds.
func lookupParam(params map[string]any, name string) (any, bool) {
	if v, ok := params[name]; ok {
		return v, true
	}
	for k, v := range params {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}
