package results

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Diff is what a desired-state step (playbook ensure:) found different on
// one object: each property whose current value (before) is not the
// desired one (after). Objects already in the desired state have none and
// are not listed. In check mode the write was not sent; otherwise the
// cell's status says whether it was.
type Diff struct {
	Item       *int           `json:"item,omitempty"` // foreach index
	Identity   string         `json:"identity"`
	Properties []PropertyDiff `json:"properties"`
}

// PropertyDiff is one property's change.
type PropertyDiff struct {
	Property string `json:"property"`
	Before   any    `json:"before"`
	After    any    `json:"after"`
}

// String is the diff on one line: "Identity: Prop: before -> after; ...".
func (d *Diff) String() string {
	parts := make([]string, len(d.Properties))
	for i, p := range d.Properties {
		parts[i] = p.Property + ": " + diffValue(p.Before) + " -> " + diffValue(p.After)
	}
	return d.Identity + ": " + strings.Join(parts, "; ")
}

func diffValue(v any) string {
	if v == nil {
		return "$null"
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// PrintDiffs writes every step's diffs as text (exoplay run --diff): one
// block per tenant and step, "-"/"+" lines per property, like a unified
// diff.
func PrintDiffs(w io.Writer, r *Results) {
	for _, t := range r.Tenants {
		for _, st := range t.Steps {
			if len(st.Diffs) == 0 {
				continue
			}
			fmt.Fprintf(w, "\n%s: step %s (%s), %d object(s) differ:\n", t.Name, st.ID, st.Cmdlet, len(st.Diffs))
			for _, d := range st.Diffs {
				fmt.Fprintf(w, "  %s\n", d.Identity)
				for _, p := range d.Properties {
					fmt.Fprintf(w, "    - %s: %s\n    + %s: %s\n", p.Property, diffValue(p.Before), p.Property, diffValue(p.After))
				}
			}
		}
	}
}

// diffCell is a step's diffs for its CSV row.
func diffCell(diffs []Diff) string {
	parts := make([]string, len(diffs))
	for i := range diffs {
		parts[i] = diffs[i].String()
	}
	return strings.Join(parts, " | ")
}
