package exchange

import (
	"strings"
)

// observe records, as violations, what the module never sends although
// the service's reaction to it is not known: the call is answered as
// usual (never stricter than the evidence), but a client that differs
// from the module shows up in Counters.Violations.
//
//   - exo.filter.booleans: the module rewrites $true/$false inside filter
//     text to 'True'/'False' (S12 Get-SanitizedBoolValuesInFilter, §10.8).
//   - exo.anchor.parameter-routing: a parameter-based routing hint is
//     SMTP:<address> or MBX:<guid>@<organization id>, never UPN:
//     (S12 GetMailboxIDBasedRoutingHint, §10.9).
//
// behaviour exo.filter.booleans (internal/emulator/BEHAVIOURS.md)
// behaviour exo.anchor.parameter-routing (internal/emulator/BEHAVIOURS.md)
func (s *Server) observe(tenantID string, c *call, params map[string]any) {
	for k, v := range params {
		t, ok := v.(string)
		if !ok || len(k) < len("filter") || !strings.EqualFold(k[len(k)-len("filter"):], "filter") {
			continue
		}
		if l := strings.ToLower(t); strings.Contains(l, "$true") || strings.Contains(l, "$false") {
			s.violate(tenantID, c, "parameter "+k+" carries a raw $true/$false; the module sends 'True'/'False' inside filter text")
		}
	}
	if strings.EqualFold(strings.TrimSpace(c.routed), "true") {
		prefix, _, _ := strings.Cut(strings.TrimSpace(c.anchor), ":")
		if !strings.EqualFold(prefix, "SMTP") && !strings.EqualFold(prefix, "MBX") {
			s.violate(tenantID, c, "parameter-based routing with X-AnchorMailbox '"+c.anchor+"'; the module's hint is SMTP:<address> or MBX:<guid>@<organization id>")
		}
	}
}
