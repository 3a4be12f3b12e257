package transport

import (
	"regexp"
	"strings"
)

// The module rewrites $true and $false (any case) inside filter text to
// 'True' and 'False' before sending (S12 Get-SanitizedBoolValuesInFilter,
// exo-rest-protocol.md §10.8): the service evaluates the OPATH text
// without PowerShell's variables. What the service does with a raw $true
// is unverified, so exoplay does what the module does.
var (
	trueRE  = regexp.MustCompile(`(?i)\$true`)
	falseRE = regexp.MustCompile(`(?i)\$false`)
)

// filterParam reports the parameters whose value is filter text: -Filter
// and the *Filter parameters (RecipientFilter, ...).
func filterParam(name string) bool {
	return len(name) >= len("Filter") && strings.EqualFold(name[len(name)-len("Filter"):], "Filter")
}

// sanitizeFilters returns params with $true/$false rewritten in filter
// text; params itself is never changed (a copy is made only when needed).
func sanitizeFilters(params map[string]any) map[string]any {
	var out map[string]any
	for k, v := range params {
		s, ok := v.(string)
		if !ok || !filterParam(k) || !strings.Contains(s, "$") {
			continue
		}
		r := falseRE.ReplaceAllLiteralString(trueRE.ReplaceAllLiteralString(s, "'True'"), "'False'")
		if r == s {
			continue
		}
		if out == nil {
			out = make(map[string]any, len(params))
			for k2, v2 := range params {
				out[k2] = v2
			}
		}
		out[k] = r
	}
	if out == nil {
		return params
	}
	return out
}
