package transport

import (
	"fmt"
	"strings"
	"time"
)

// Error is every failure the service (or the way to it) reports, decoded.
type Error struct {
	Category      string // one of internal/category's
	Status        int    // HTTP status; 0 when no answer came
	Code          string // Exchange error id (Ex6F9304) or another short code
	ExceptionType string // e.g. Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException
	Message       string // the useful text, redacted
	Cmdlet        string
	// OutcomeUnknown is set when a write may or may not have run and was
	// not replayed; check the organization before running it again.
	OutcomeUnknown bool

	wait    time.Duration // Retry-After, when hasWait
	hasWait bool
	sent    bool   // the request may have reached the service
	plain   string // Message before a note about the outcome was added
	claims  string // a 401's claims challenge (decoded JSON)
}

// Error renders "<cmdlet>: <category> (HTTP n, code, exception): message".
func (e *Error) Error() string {
	var b strings.Builder
	if e.Cmdlet != "" {
		b.WriteString(e.Cmdlet)
		b.WriteString(": ")
	}
	b.WriteString(e.Category)
	var meta []string
	if e.Status != 0 {
		meta = append(meta, fmt.Sprintf("HTTP %d", e.Status))
	}
	if e.Code != "" {
		meta = append(meta, e.Code)
	}
	if e.ExceptionType != "" {
		meta = append(meta, shortType(e.ExceptionType))
	}
	if len(meta) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(meta, ", "))
		b.WriteString(")")
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// ErrorCategory lets callers classify errors without importing this package.
func (e *Error) ErrorCategory() string { return e.Category }

// ErrorCode is the Exchange error id or short code, "" when none.
func (e *Error) ErrorCode() string { return e.Code }

// shortType drops the namespace of a .NET exception type name.
func shortType(t string) string {
	if i := strings.LastIndexByte(t, '.'); i >= 0 && i < len(t)-1 {
		return t[i+1:]
	}
	return t
}
