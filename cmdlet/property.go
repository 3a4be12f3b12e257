package cmdlet

import "strings"

// Property finds a parameter or an object's property by name the way
// PowerShell binds them: an exact match first, else any that differs only
// in case. The transport's anchors (parameters) and the runner's ensure and
// ledger (objects and items) read names through it.
func Property(m map[string]any, name string) (any, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}
