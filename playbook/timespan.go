package playbook

import (
	"fmt"
	"strings"
	"time"

	"github.com/expr-lang/expr"

	"github.com/exoplay/exoplay/cmdlet"
)

// days(x) reads a .NET TimeSpan as Exchange writes it ("90.00:00:00",
// "06:00:00", "00:00:00.3000000"; cmdlet-catalog.md §0) and returns it in
// days, so a control compares .AuditLogAgeLimit with a number instead of
// splitting strings.
var daysFunction = expr.Function("days", func(params ...any) (any, error) {
	s, ok := params[0].(string)
	if !ok {
		return nil, fmt.Errorf("days() needs a TimeSpan text such as \"90.00:00:00\", not %s", describe(params[0]))
	}
	d, err := parseTimeSpanDays(s)
	if err != nil {
		return nil, err
	}
	return d, nil
}, new(func(any) float64))

// parseTimeSpanDays reads the TimeSpan with cmdlet.ParseTimeSpan (the one
// reading of the syntax), in full form only: Exchange writes every
// TimeSpan as [-][d.]hh:mm:ss[.fffffff], so a bare number or hh:mm is
// refused rather than guessed at.
func parseTimeSpanDays(s string) (float64, error) {
	d, ok := cmdlet.ParseTimeSpan(s)
	if !ok || strings.Count(s, ":") != 2 {
		return 0, fmt.Errorf("days(): %q is not a TimeSpan such as 90.00:00:00", s)
	}
	return float64(d) / float64(24*time.Hour), nil
}
