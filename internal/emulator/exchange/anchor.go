package exchange

import (
	"regexp"
	"strings"
)

// anchorPrefixes are the X-AnchorMailbox forms of exo-rest-protocol.md §3.4.
var anchorPrefixes = []string{"UPN", "SMTP", "MBX", "APP"}

// checkAnchor returns why an X-AnchorMailbox header cannot route to tenant
// (id, domain), or "" when it can. Missing and unknown anchors are
// tolerated (behaviour exo.anchor.tolerant, §10.13: ScubaGear and
// graph2otel send none, go-exoscc sends TID:<guid>, CIPP bulk sends bare
// identities). A known form naming another organization is refused
// (behaviour exo.anchor.other-org, an assumption: the service would route
// the call to a backend of that organization).
// behaviour exo.anchor.tolerant (internal/emulator/BEHAVIOURS.md)
// behaviour exo.anchor.other-org (internal/emulator/BEHAVIOURS.md)
func (s *Server) checkAnchor(anchor, id string) string {
	anchor = strings.TrimSpace(anchor)
	if anchor == "" {
		return ""
	}
	prefix, value, ok := strings.Cut(anchor, ":")
	known := false
	for _, p := range anchorPrefixes {
		known = known || strings.EqualFold(p, prefix)
	}
	if !ok || !known {
		return ""
	}
	at := strings.LastIndexByte(value, '@')
	if at <= 0 || at == len(value)-1 {
		return "" // no organization to check
	}
	org := value[at+1:]
	if guidForm.MatchString(org) {
		if !strings.EqualFold(org, id) {
			return "X-AnchorMailbox '" + anchor + "' routes to organization " + org + ", not to the tenant in the URL (" + id + ")"
		}
		return ""
	}
	if strings.HasSuffix(strings.ToLower(org), ".onmicrosoft.com") {
		if other, _, ok := s.backend.Resolve(org); !ok || other != id {
			return "X-AnchorMailbox '" + anchor + "' routes to " + org + ", which is not the tenant in the URL (" + id + ")"
		}
	}
	return "" // a vanity domain: the directory decides whether the mailbox exists
}

// guidForm is the 8-4-4-4-12 hex form of a GUID, in any case.
var guidForm = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// readOnlyVerbs never change state and never ask for confirmation.
var readOnlyVerbs = []string{"get", "test", "search", "export"}

// wantsConfirmation reports whether a call asks the service to confirm
// before acting (Confirm=true on a write): the service answers with
// @adminapi.confirmationmessage and does nothing.
// behaviour exo.confirm (internal/emulator/BEHAVIOURS.md)
func wantsConfirmation(cmdlet string, params map[string]any) bool {
	var v any
	for k, x := range params {
		if strings.EqualFold(k, "Confirm") {
			v = x
		}
	}
	on := false
	switch x := v.(type) {
	case bool:
		on = x
	case string:
		on = strings.EqualFold(x, "true") || strings.EqualFold(x, "$true")
	}
	if !on {
		return false
	}
	verb, _, _ := strings.Cut(cmdlet, "-")
	for _, r := range readOnlyVerbs {
		if strings.EqualFold(verb, r) {
			return false
		}
	}
	return true
}

func confirmationText(cmdlet string, params map[string]any) string {
	target := ""
	for k, v := range params {
		if strings.EqualFold(k, "Identity") {
			if s, ok := v.(string); ok {
				target = s
			}
		}
	}
	return "Are you sure you want to perform this action?\r\nPerforming the operation \"" + cmdlet + "\" on target \"" + target + "\"."
}
