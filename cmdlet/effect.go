package cmdlet

import (
	"reflect"
	"strings"
)

// Effect is what sending a cmdlet does to the organization.
type Effect int

const (
	// Read changes nothing: Get-, Test-, Search- and Export- cmdlets.
	Read Effect = iota
	// Idempotent writes state a value; applied twice they end in the
	// state that applying them once gives (Set-, Enable-, Disable-
	// without an Add/Remove hashtable).
	Idempotent
	// Write is every other write: New-, Add-, Remove-, Update-, Start-,
	// Set- with {Add, Remove}, and any verb not named here. Sent twice,
	// it may do twice or fail as a duplicate.
	Write
)

func (e Effect) String() string {
	switch e {
	case Read:
		return "read"
	case Idempotent:
		return "idempotent write"
	}
	return "write"
}

// Verb returns the verb of a Verb-Noun name as written ("" when the name
// has no verb).
func Verb(name string) string {
	v, _, _ := strings.Cut(name, "-")
	return strings.TrimSpace(v)
}

// IsWrite reports whether cmdlet may change the organization: every verb
// but Get-, Test-, Search- and Export- (case-insensitive) writes. It needs
// only the name, so a step is marked as a write before its parameters are
// known.
func IsWrite(cmdlet string) bool {
	switch v := Verb(cmdlet); {
	case strings.EqualFold(v, "Get"), strings.EqualFold(v, "Test"),
		strings.EqualFold(v, "Search"), strings.EqualFold(v, "Export"):
		return false
	}
	return true
}

// Classify tells what sending cmdlet with params does: a read, a write
// that may be sent again after an unknown outcome, or one that may not.
//
// Only Set-, Enable- and Disable- state a value. Update- does not count:
// Update-RoleGroupMember and Update-DistributionGroupMember accept
// {Add, Remove} member lists, and other Update- cmdlets start work. A
// parameter whose value is a hashtable with an Add or Remove key changes
// a multi-valued property relative to what it holds, so a Set- carrying
// one is not replayable: the second Add fails as a duplicate, or adds
// again what a later step removed.
func Classify(cmdlet string, params map[string]any) Effect {
	if !IsWrite(cmdlet) {
		return Read
	}
	switch v := Verb(cmdlet); {
	case strings.EqualFold(v, "Set"), strings.EqualFold(v, "Enable"), strings.EqualFold(v, "Disable"):
	default:
		return Write
	}
	for _, v := range params {
		if addsOrRemoves(v) {
			return Write
		}
	}
	return Idempotent
}

// Replayable reports whether sending cmdlet with params again, after an
// attempt whose outcome is unknown, cannot do harm: reads and idempotent
// writes. Transport's retries and the runner's resume both ask it.
func Replayable(cmdlet string, params map[string]any) bool {
	return Classify(cmdlet, params) != Write
}

func addsOrRemoves(v any) bool {
	switch x := v.(type) {
	case nil, string, bool, int, int64, float64, []any, []string:
		return false
	case map[string]any:
		for k := range x {
			if isAddRemoveKey(k) {
				return true
			}
		}
		return false
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Interface || rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return false
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		return false
	}
	for it := rv.MapRange(); it.Next(); {
		if isAddRemoveKey(it.Key().String()) {
			return true
		}
	}
	return false
}

func isAddRemoveKey(k string) bool {
	return strings.EqualFold(k, "Add") || strings.EqualFold(k, "Remove")
}
