package runner

import (
	"context"
	"errors"
	"strings"

	"github.com/exoplay/exoplay/internal/category"
	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
)

// categorized is how errors of the transport and auth packages say what
// kind of failure they are, without the runner importing them.
type categorized interface {
	ErrorCategory() string
	ErrorCode() string
}

// classify turns an error into the results form. Anything not categorized
// is "unknown", except a deadline, which is "timeout".
func classify(err error) *results.Error {
	if err == nil {
		return nil
	}
	e := &results.Error{Category: category.Unknown, Message: err.Error()}
	var c categorized
	if errors.As(err, &c) {
		if cat := c.ErrorCategory(); category.Known(cat) {
			e.Category = cat
		}
		e.Code = c.ErrorCode()
		return e
	}
	if errors.Is(err, context.DeadlineExceeded) {
		e.Category = category.Timeout
	}
	return e
}

// exprError is the result of an expression that could not be evaluated
// (when, foreach, parameters, failed_when, assert).
func exprError(err error) *results.Error {
	return &results.Error{Category: category.Validation, Code: "expression", Message: err.Error()}
}

// firstOf reports whether this is the first time the run meets the error
// kind+code+message, so that the same error of many tenants is told once.
func (r *run) firstOf(kind, code, message string) bool {
	_, seen := r.seen.LoadOrStore(kind+"\x00"+code+"\x00"+message, true)
	return !seen
}

// sameError is message without the names of tenant t, so that one error of
// many tenants compares equal; "credential_refused" messages, which name
// the tenant refused first, compare equal already.
func sameError(message string, t *playbook.Tenant) string {
	for _, n := range []string{t.Organization, t.TenantID, t.Name} {
		if len(n) >= 3 { // a shorter name would blank out ordinary words
			message = strings.ReplaceAll(message, n, "")
		}
	}
	return message
}
