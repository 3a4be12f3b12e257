package transport

import (
	"reflect"
	"strings"
)

// knownVerbs are the verbs the rules below name, lower-cased.
var knownVerbs = [...]string{"get", "set", "test", "search", "export", "enable", "disable"}

// verb returns the lower-cased verb of a Verb-Noun cmdlet name (without
// allocating for the verbs the rules name).
func verb(cmdlet string) string {
	v, _, _ := strings.Cut(cmdlet, "-")
	v = strings.TrimSpace(v)
	for _, k := range knownVerbs {
		if strings.EqualFold(v, k) {
			return k
		}
	}
	return strings.ToLower(v)
}

// IsWrite reports whether cmdlet may change the organization. Get-, Test-,
// Search- and Export- cmdlets are reads; everything else writes.
func IsWrite(cmdlet string) bool {
	switch verb(cmdlet) {
	case "get", "test", "search", "export":
		return false
	}
	return true
}

// replayableCall reports whether sending cmdlet again after an unknown
// outcome cannot do harm: reads, and the writes that set a state (Set-,
// Enable-, Disable-), which end in the same state when applied twice —
// unless a parameter adds to or removes from a multi-valued property (a
// hashtable with Add or Remove): sent twice, the second add fails as a
// duplicate.
func replayableCall(cmdlet string, params map[string]any) bool {
	if !IsWrite(cmdlet) {
		return true
	}
	switch verb(cmdlet) {
	case "set", "enable", "disable":
	default:
		return false
	}
	for _, v := range params {
		switch x := v.(type) {
		case string, bool, int, int64, float64, nil, []any:
			continue // not a hashtable
		case map[string]any:
			for k := range x {
				if strings.EqualFold(k, "Add") || strings.EqualFold(k, "Remove") {
					return false
				}
			}
			continue
		}
		if hasAddRemove(reflect.ValueOf(v)) {
			return false
		}
	}
	return true
}

func hasAddRemove(v reflect.Value) bool {
	for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return false
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Map || v.Type().Key().Kind() != reflect.String {
		return false
	}
	for it := v.MapRange(); it.Next(); {
		k := it.Key().String()
		if strings.EqualFold(k, "Add") || strings.EqualFold(k, "Remove") {
			return true
		}
	}
	return false
}
