package playbook

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
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

func parseTimeSpanDays(s string) (float64, error) {
	bad := fmt.Errorf("days(): %q is not a TimeSpan such as 90.00:00:00", s)
	t := strings.TrimSpace(s)
	neg := strings.HasPrefix(t, "-")
	t = strings.TrimPrefix(t, "-")
	var days float64
	parts := strings.Split(t, ":")
	if len(parts) != 3 {
		return 0, bad
	}
	if d, hh, found := strings.Cut(parts[0], "."); found {
		n, err := strconv.Atoi(d)
		if err != nil {
			return 0, bad
		}
		days, parts[0] = float64(n), hh
	}
	h, err1 := strconv.Atoi(parts[0])
	m, err2 := strconv.Atoi(parts[1])
	sec, err3 := strconv.ParseFloat(parts[2], 64)
	if err1 != nil || err2 != nil || err3 != nil || h > 23 || m > 59 || sec >= 60 {
		return 0, bad
	}
	days += (float64(h)*3600 + float64(m)*60 + sec) / 86400
	if neg {
		days = -days
	}
	return days, nil
}
