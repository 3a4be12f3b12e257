package report

import (
	"fmt"
	"io"

	"github.com/exoplay/exoplay/results"
)

// Formats are the report formats Render writes.
var Formats = []string{"html", "junit", "csv", "markdown"}

// Extension is the usual file extension of a format's output.
func Extension(format string) string {
	switch format {
	case "junit":
		return "xml"
	case "markdown":
		return "md"
	}
	return format
}

// Render writes the report of r in format; prev, when not nil, is an
// earlier run whose changes the report lists.
func Render(w io.Writer, format string, r, prev *results.Results) error {
	v := Build(r)
	if prev != nil {
		v.Changes = Diff(Build(prev), v)
	}
	switch format {
	case "html":
		return WriteHTML(w, v, r)
	case "junit":
		return WriteJUnit(w, v)
	case "csv":
		return WriteActionPlan(w, v)
	case "markdown":
		return WriteMarkdown(w, v)
	}
	return fmt.Errorf("unknown report format %q (one of %v)", format, Formats)
}
