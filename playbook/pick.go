package playbook

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// specialTags have Ansible's meaning in --tags / --skip-tags and need not
// be on any step.
var specialTags = []string{"all", "tagged", "untagged", "always", "never"}

// SelectSteps returns the steps --tags and --skip-tags select, in order
// (Step.Selected decides each). Nothing is silent: a tag that no step has
// is an error (a typo would otherwise run nothing), and so is a selected
// step that reads the register of a step the tags leave out (it would see
// an empty list and skip or misjudge its work); the message says how to fix
// it.
func (pb *Playbook) SelectSteps(tags, skipTags []string) ([]*Step, error) {
	var problems []string
	known := pb.tags()
	for _, flag := range []struct {
		name string
		tags []string
	}{{"--tags", tags}, {"--skip-tags", skipTags}} {
		for _, t := range flag.tags {
			if slices.ContainsFunc(specialTags, func(s string) bool { return strings.EqualFold(s, t) }) ||
				slices.ContainsFunc(known, func(k string) bool { return strings.EqualFold(k, t) }) {
				continue
			}
			if len(known) == 0 {
				problems = append(problems, fmt.Sprintf("%s %q: no step of this playbook has tags", flag.name, t))
				continue
			}
			problems = append(problems, fmt.Sprintf("%s %q: no step has this tag%s; tags in this playbook: %s", flag.name, t, didYouMean(t, known), quotedList(known)))
		}
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	var out []*Step
	selected := map[*Step]bool{}
	for _, st := range pb.Steps {
		if st.Selected(tags, skipTags) {
			out = append(out, st)
			selected[st] = true
		}
	}
	if len(out) == 0 && len(pb.Steps) > 0 && (len(tags) > 0 || len(skipTags) > 0) {
		// Nothing silent: a run that selects no step would do nothing and
		// end ok.
		var given []string
		if len(tags) > 0 {
			given = append(given, "--tags "+strings.Join(tags, ","))
		}
		if len(skipTags) > 0 {
			given = append(given, "--skip-tags "+strings.Join(skipTags, ","))
		}
		have := "no step has tags"
		if len(known) > 0 {
			have = "tags in this playbook: " + quotedList(known)
		}
		return nil, fmt.Errorf("%s select none of the playbook's %d steps, so the run would do nothing; %s", strings.Join(given, " "), len(pb.Steps), have)
	}
	for _, st := range out {
		for _, dep := range pb.Needs(st) {
			if selected[dep.Step] {
				continue
			}
			fix := fmt.Sprintf("add tag %q to step %q, or give it `tags: [always]`", firstOr(tags, "all"), dep.Step.ID)
			if dep.Step.Selected(tags, nil) {
				// selected by --tags but dropped by --skip-tags
				fix = fmt.Sprintf("leave step %q's tags out of --skip-tags", dep.Step.ID)
			}
			problems = append(problems, fmt.Sprintf("%s: step %q reads register %q, but step %q (line %d), which registers it, is not selected by --tags/--skip-tags, so %q would be empty: %s",
				st.Pos, st.ID, dep.Register, dep.Step.ID, dep.Step.Pos.Line, dep.Register, fix))
		}
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return out, nil
}

func firstOr(list []string, def string) string {
	for _, t := range list {
		if !slices.Contains(specialTags, strings.ToLower(t)) {
			return t
		}
	}
	return def
}

// tags lists every tag written on a step, sorted, each once.
func (pb *Playbook) tags() []string {
	var out []string
	for _, st := range pb.Steps {
		for _, t := range st.Tags {
			if !slices.Contains(specialTags, strings.ToLower(t)) {
				out = append(out, t)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Dependency is a register a step reads and the step that registers it.
type Dependency struct {
	Register string
	Step     *Step
}

// Needs lists the registers st's expressions read (when, foreach,
// parameters, anchor, failed_when, changed_when, and its assertions: that,
// message, applies_when, expect's over and condition), each with the
// earlier step that registers it, in step order.
func (pb *Playbook) Needs(st *Step) []Dependency {
	reads := map[string]bool{}
	for _, v := range st.values() {
		for _, r := range v.Refs() {
			reads[r] = true
		}
	}
	var out []Dependency
	for _, p := range pb.Steps {
		if p == st {
			break
		}
		if p.Register != "" && reads[p.Register] {
			out = append(out, Dependency{Register: p.Register, Step: p})
		}
	}
	return out
}

// values are the step's compiled values (nil ones left out): every
// expression that runs for the step, so every register it may read.
func (st *Step) values() []*Value {
	vs := []*Value{st.When, st.Foreach, st.Anchor, st.FailedWhen, st.ChangedWhen}
	for _, p := range st.Parameters {
		vs = append(vs, p.Value)
	}
	for _, a := range st.Assert {
		vs = append(vs, a.That, a.MessageValue, a.AppliesWhen)
		if a.Expect != nil {
			vs = append(vs, a.Expect.Over, a.Expect.Cond)
		}
	}
	return slices.DeleteFunc(vs, func(v *Value) bool { return v == nil })
}

// CheckVars refuses --var names the playbook never uses: a name is known
// when playbook or tenant vars declare it or an expression reads it (bare,
// as vars.NAME or as tenant.vars.NAME). `--var desird=false` would
// otherwise be ignored while the default is written to every tenant.
func (pb *Playbook) CheckVars(vars map[string]any) error {
	declared := map[string]bool{}
	for k := range pb.Vars {
		declared[k] = true
	}
	for _, t := range pb.Tenants {
		for k := range t.Vars {
			declared[k] = true
		}
	}
	var problems []string
	for _, name := range slices.Sorted(maps.Keys(vars)) {
		if declared[name] || pb.varReads[name] {
			continue
		}
		known := slices.Sorted(maps.Keys(declared))
		for k := range pb.varReads {
			if !declared[k] && !slices.Contains(reservedNames, k) && !pb.isRegister(k) {
				known = append(known, k)
			}
		}
		slices.Sort(known)
		msg := fmt.Sprintf("--var %q: no variable of that name is declared in vars (playbook or tenants) or read by an expression%s", name, didYouMean(name, known))
		if len(known) > 0 {
			msg += "; known: " + quotedList(known)
		}
		problems = append(problems, msg)
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}

func (pb *Playbook) isRegister(name string) bool {
	return slices.ContainsFunc(pb.Steps, func(st *Step) bool { return st.Register == name })
}
