package playbook

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// SelectControls keeps the assertions that one of patterns names and the
// steps they need: a step stays when it has a kept assertion or registers
// something a kept step or assertion reads. A pattern names an assertion by
// its id, a cross-reference (refs: "CIS 6.2.1"; "MS.EXO.1.1" also names
// MS.EXO.1.1v2) or a tag ("tag:NAME" names tags only), exactly or as a
// glob, case-insensitively. A
// pattern that names nothing is an error: a typo must not audit less
// silently.
func (pb *Playbook) SelectControls(patterns []string) error {
	if len(patterns) == 0 {
		return nil
	}
	used := make([]bool, len(patterns))
	for _, st := range pb.Steps {
		st.Assert = slices.DeleteFunc(st.Assert, func(a Assertion) bool {
			hit := false
			for i, p := range patterns {
				if a.named(p) {
					used[i], hit = true, true
				}
			}
			return !hit
		})
	}
	for i, p := range patterns {
		if !used[i] {
			return fmt.Errorf("--controls: %q names no control (by id, ref or tag) of playbook %s", p, pb.Name)
		}
	}
	needed := map[string]bool{}
	keep := make([]bool, len(pb.Steps))
	for i := len(pb.Steps) - 1; i >= 0; i-- {
		st := pb.Steps[i]
		if len(st.Assert) == 0 && (st.Register == "" || !needed[st.Register]) {
			continue
		}
		keep[i] = true
		for _, v := range st.values() { // what Needs reads, so --tags and --controls agree
			for _, r := range v.Refs() {
				needed[r] = true
			}
		}
	}
	kept := pb.Steps[:0]
	for i, st := range pb.Steps {
		if keep[i] {
			kept = append(kept, st)
		}
	}
	pb.Steps = kept
	return nil
}

// named reports whether pattern p names the assertion.
func (a *Assertion) named(p string) bool {
	p = strings.ToLower(strings.TrimSpace(p))
	tagOnly := strings.HasPrefix(p, "tag:")
	p = strings.TrimPrefix(p, "tag:")
	match := func(s string) bool {
		s = strings.ToLower(s)
		ok, _ := path.Match(p, s)
		// A SCuBA id without its version suffix names every version.
		return ok || s == p || strings.HasPrefix(s, p+"v")
	}
	if tagOnly {
		return slices.ContainsFunc(a.Control.Tags, match)
	}
	if match(a.ID) {
		return true
	}
	return slices.ContainsFunc(a.Control.Refs, match) || slices.ContainsFunc(a.Control.Tags, match)
}
