package playbook

import (
	"fmt"
	"sort"
	"strings"
)

// String renders the position as file:line:col (file alone when the line is unknown).
func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Diagnostic is one problem found in a playbook or inventory file.
type Diagnostic struct {
	Pos     Pos
	Message string
}

// String renders the diagnostic as "file:line:col: message".
func (d Diagnostic) String() string { return d.Pos.String() + ": " + d.Message }

// Error makes a single Diagnostic usable as an error.
func (d Diagnostic) Error() string { return d.String() }

// Diagnostics is every problem found, sorted by position. It is the error
// returned by Load and Parse.
type Diagnostics []Diagnostic

func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// Unwrap exposes each diagnostic to errors.Is / errors.As.
func (ds Diagnostics) Unwrap() []error {
	errs := make([]error, len(ds))
	for i, d := range ds {
		errs[i] = d
	}
	return errs
}

// sortDiagnostics orders by file, line, column and drops exact duplicates
// (a problem reached twice through a YAML alias is reported once).
func sortDiagnostics(ds Diagnostics) Diagnostics {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Pos, ds[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	out := ds[:0]
	for i, d := range ds {
		if i > 0 && d == ds[i-1] {
			continue
		}
		out = append(out, d)
	}
	return out
}

// diags collects problems while loading.
type diags struct{ list Diagnostics }

func (d *diags) add(p Pos, format string, args ...any) {
	d.list = append(d.list, Diagnostic{Pos: p, Message: fmt.Sprintf(format, args...)})
}

func (d *diags) empty() bool { return len(d.list) == 0 }
