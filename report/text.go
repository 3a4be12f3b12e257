package report

import (
	"fmt"
	"strings"

	"github.com/exoplay/exoplay/results"
)

func oneLine(e *results.Error) string {
	msg := strings.Join(strings.Fields(e.Message), " ")
	if e.Code != "" {
		return fmt.Sprintf("%s [%s]: %s", e.Category, e.Code, msg)
	}
	return e.Category + ": " + msg
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	switch {
	case strings.HasSuffix(what, "y"):
		return fmt.Sprintf("%d %sies", n, what[:len(what)-1])
	default:
		return fmt.Sprintf("%d %ss", n, what)
	}
}

func seconds(s float64) string { return fmt.Sprintf("%.1f s", s) }
