package transport

import (
	"regexp"
	"strings"
)

var (
	// A JWT (three base64url segments, header starting with {" = eyJ) or
	// whatever follows "Bearer ".
	jwtRE    = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)
	bearerRE = regexp.MustCompile(`(?i)(bearer\s+)[^\s"',;]+`)
)

const redacted = "[REDACTED]"

// redact removes bearer tokens and JWTs from text that will be shown or
// logged.
func redact(s string) string {
	if strings.Contains(s, "eyJ") {
		s = jwtRE.ReplaceAllString(s, redacted)
	}
	if strings.Contains(strings.ToLower(s), "bearer") {
		s = bearerRE.ReplaceAllString(s, "${1}"+redacted)
	}
	return s
}
