package runner

import (
	"fmt"

	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
)

// Selection is what the user picked on the command line: the tenants
// (--limit, --shard), the steps (--tags, --skip-tags) and the --var values.
// A resume compares it with the one its journal recorded.
type Selection struct {
	Limit    string
	Shard    playbook.Shard
	Tags     []string
	SkipTags []string
	Vars     map[string]any // parsed --var values (also given to playbook.Load)
}

// Plan is the work a run does: the selected tenants × the playbook's steps,
// each step marked selected or not, write or read, with the steps whose
// registers it reads. `exoplay plan` shows it, Run executes it and a resume
// checks its journal against it, so the three cannot disagree about what a
// selection means.
type Plan struct {
	Playbook  *playbook.Playbook
	Selection Selection
	Tenants   []*playbook.Tenant // selected, in playbook order (inventory included)
	Steps     []*PlanStep        // every step of the playbook, in order
	// Waves are settings.rollout's waves over Tenants (waves.go); nil =
	// every tenant at once.
	Waves []Wave
	// Reviewed is the plan file (exoplay plan --out) that `run --plan`
	// enforces; it is journaled with the run's inputs so that a resume can
	// tell such a run from others.
	Reviewed *results.FileDigest
}

// PlanStep is one step as the plan sees it; it is the same for every tenant.
type PlanStep struct {
	*playbook.Step
	// Selected is false for a step --tags/--skip-tags leave out: it is
	// reported skipped and never runs.
	Selected bool
	// Needs lists the earlier steps whose registers this step reads (when,
	// foreach, parameters, anchor, failed_when, assert), in step order.
	Needs []*PlanStep
}

// NewPlan applies a selection to a loaded playbook. Its errors are the
// user's (a --limit that matches nothing): the CLI reports them as invalid
// input.
func NewPlan(pb *playbook.Playbook, sel Selection) (*Plan, error) {
	if pb == nil {
		return nil, fmt.Errorf("runner: NewPlan needs a playbook")
	}
	tenants, err := pb.SelectTenants(sel.Limit, sel.Shard)
	if err != nil {
		return nil, err
	}
	// Nothing silent: unknown --var names and tags, and a selected step
	// that reads an unselected step's register, are the user's errors.
	if err := pb.CheckVars(sel.Vars); err != nil {
		return nil, err
	}
	if _, err := pb.SelectSteps(sel.Tags, sel.SkipTags); err != nil {
		return nil, err
	}
	p := &Plan{Playbook: pb, Selection: sel, Tenants: tenants}
	if p.Waves, err = waves(pb, tenants); err != nil {
		return nil, err
	}
	byStep := map[*playbook.Step]*PlanStep{}
	for _, st := range pb.Steps {
		ps := &PlanStep{Step: st, Selected: st.Selected(sel.Tags, sel.SkipTags)}
		for _, dep := range pb.Needs(st) { // step order
			ps.Needs = append(ps.Needs, byStep[dep.Step])
		}
		byStep[st] = ps
		p.Steps = append(p.Steps, ps)
	}
	return p, nil
}

// Selected returns the steps the selection runs, in order.
func (p *Plan) Selected() []*PlanStep {
	var out []*PlanStep
	for _, ps := range p.Steps {
		if ps.Selected {
			out = append(out, ps)
		}
	}
	return out
}

// Unselected returns, for a selected step, the steps it reads a register of
// that the selection leaves out: their registers will be empty.
func (ps *PlanStep) Unselected() []*PlanStep {
	var out []*PlanStep
	for _, d := range ps.Needs {
		if !d.Selected {
			out = append(out, d)
		}
	}
	return out
}

// Scope is the expression scope of tenant t before any step ran: vars
// (playbook < tenant < --var), tenant and run.
func (p *Plan) Scope(t *playbook.Tenant) playbook.Scope {
	return p.Playbook.Scope(t, p.Selection.Vars)
}

// PlanValue is a value as the plan knows it before running: the value when
// it reads nothing a run produces, else only its source.
type PlanValue struct {
	Source   string `json:"source"`
	Resolved bool   `json:"resolved"`
	Value    any    `json:"value"` // meaningful only when Resolved (false and 0 included)
	Error    string `json:"error,omitempty"`
}

// ResolvedParam is one parameter of a TenantStep.
type ResolvedParam struct {
	Name string `json:"name"`
	PlanValue
}

// TenantStep is a selected step for one tenant, resolved where possible.
type TenantStep struct {
	*PlanStep
	When       *PlanValue
	Foreach    *PlanValue
	Parameters []ResolvedParam
	// Skipped: when resolved to false before running.
	Skipped bool
}

// Resolve evaluates, for tenant t, what each selected step's when, foreach
// and parameters are before anything runs. A value that reads a register,
// item or result is left unresolved.
func (p *Plan) Resolve(t *playbook.Tenant) []TenantStep {
	scope := p.Scope(t)
	var out []TenantStep
	for _, ps := range p.Selected() {
		ts := TenantStep{PlanStep: ps}
		if ps.When != nil {
			ts.When = resolve(ps.When, scope)
			ts.Skipped = ts.When.Resolved && ts.When.Value == false
		}
		if ps.Foreach != nil {
			ts.Foreach = resolve(ps.Foreach, scope)
		}
		for _, prm := range ps.Parameters {
			ts.Parameters = append(ts.Parameters, ResolvedParam{Name: prm.Name, PlanValue: *resolve(prm.Value, scope)})
		}
		out = append(out, ts)
	}
	return out
}

func resolve(v *playbook.Value, scope playbook.Scope) *PlanValue {
	r := &PlanValue{Source: v.Source()}
	for _, name := range v.Refs() {
		if _, known := scope[name]; !known {
			return r // a register, item or result: known only while running
		}
	}
	val, err := v.Eval(scope)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	r.Resolved, r.Value = true, val
	return r
}
