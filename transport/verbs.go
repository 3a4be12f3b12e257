package transport

import "strings"

// verb returns the lower-cased verb of a Verb-Noun cmdlet name.
func verb(cmdlet string) string {
	v, _, _ := strings.Cut(cmdlet, "-")
	return strings.ToLower(strings.TrimSpace(v))
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

// replayable reports whether sending cmdlet again after an unknown outcome
// cannot do harm: reads, and the writes that set a state (Set-, Enable-,
// Disable-), which end in the same state when applied twice.
func replayable(cmdlet string) bool {
	if !IsWrite(cmdlet) {
		return true
	}
	switch verb(cmdlet) {
	case "set", "enable", "disable":
		return true
	}
	return false
}
