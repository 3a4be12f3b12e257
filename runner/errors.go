package runner

import (
	"context"
	"errors"
	"slices"

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
	e := &results.Error{Category: results.CategoryUnknown, Message: err.Error()}
	var c categorized
	if errors.As(err, &c) {
		if cat := c.ErrorCategory(); slices.Contains(results.Categories, cat) {
			e.Category = cat
		}
		e.Code = c.ErrorCode()
		return e
	}
	if errors.Is(err, context.DeadlineExceeded) {
		e.Category = results.CategoryTimeout
	}
	return e
}

// exprError is the result of an expression that could not be evaluated
// (when, foreach, parameters, failed_when, assert).
func exprError(err error) *results.Error {
	return &results.Error{Category: results.CategoryValidation, Code: "expression", Message: err.Error()}
}
