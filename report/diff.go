package report

import (
	"sort"
)

// Changes are the differences between a previous run and this one, cell by
// cell (tenant × control).
type Changes struct {
	Previous string `json:"previous"` // run id
	Current  string `json:"current"`
	// NewlyFailing: fail or error now, anything else before (or not there).
	NewlyFailing []Change `json:"newly_failing"`
	// NewlyFixed: pass (or not_applicable) now, fail or error before.
	NewlyFixed []Change `json:"newly_fixed"`
	// WaiversAdded: waived now, not waived before; WaiversExpired: waived
	// before, fail or error now (the waiver expired or was removed).
	WaiversAdded   []Change `json:"waivers_added"`
	WaiversExpired []Change `json:"waivers_expired"`
	// Other result changes (e.g. pass -> not_run).
	Other          []Change `json:"other_changes"`
	TenantsAdded   []string `json:"tenants_added"`
	TenantsRemoved []string `json:"tenants_removed"`
	ControlsAdded  []string `json:"controls_added"`
	// ControlsRemoved are controls the previous run checked and this one
	// does not.
	ControlsRemoved []string `json:"controls_removed"`
}

// Change is one cell whose result changed.
type Change struct {
	Tenant   string `json:"tenant"`
	Control  string `json:"control"`
	Severity string `json:"severity,omitempty"`
	Before   string `json:"before"` // "" when the cell was not there
	After    string `json:"after"`
	Message  string `json:"message,omitempty"`
}

// Empty reports whether nothing changed.
func (c *Changes) Empty() bool {
	return len(c.NewlyFailing)+len(c.NewlyFixed)+len(c.WaiversAdded)+len(c.WaiversExpired)+len(c.Other)+
		len(c.TenantsAdded)+len(c.TenantsRemoved)+len(c.ControlsAdded)+len(c.ControlsRemoved) == 0
}

func bad(r string) bool { return r == Fail || r == Error }

// Diff compares prev with cur. Tenants present in only one run are listed
// as added or removed and their cells are not compared.
func Diff(prev, cur *View) *Changes {
	ch := &Changes{Previous: prev.Run.ID, Current: cur.Run.ID, NewlyFailing: []Change{}, NewlyFixed: []Change{},
		WaiversAdded: []Change{}, WaiversExpired: []Change{}, Other: []Change{}, TenantsAdded: []string{},
		TenantsRemoved: []string{}, ControlsAdded: []string{}, ControlsRemoved: []string{}}
	before := cellsOf(prev)
	prevTenants, curTenants := tenantSet(prev), tenantSet(cur)
	for _, t := range cur.Tenants {
		if !prevTenants[t.Name] {
			ch.TenantsAdded = append(ch.TenantsAdded, t.Name)
		}
	}
	for _, t := range prev.Tenants {
		if !curTenants[t.Name] {
			ch.TenantsRemoved = append(ch.TenantsRemoved, t.Name)
		}
	}
	ch.ControlsAdded, ch.ControlsRemoved = controlDiff(prev, cur)
	for _, t := range cur.Tenants {
		if !prevTenants[t.Name] {
			continue
		}
		for _, f := range t.Cells {
			was := ""
			if p := before[key{t.Name, f.Control}]; p != nil {
				was = p.Result
			}
			c := Change{Tenant: t.Name, Control: f.Control, Severity: f.Severity, Before: was, After: f.Result, Message: f.Message}
			switch {
			case was == f.Result:
			case f.Result == Waived:
				ch.WaiversAdded = append(ch.WaiversAdded, c)
			case was == Waived && bad(f.Result):
				// The waiver expired or was removed: the fail is back.
				ch.WaiversExpired = append(ch.WaiversExpired, c)
			case bad(f.Result) && !bad(was):
				ch.NewlyFailing = append(ch.NewlyFailing, c)
			case (f.Result == Pass || f.Result == NotApplicable) && (bad(was) || was == Waived):
				ch.NewlyFixed = append(ch.NewlyFixed, c)
			case was != "":
				ch.Other = append(ch.Other, c)
			}
		}
	}
	return ch
}

type key struct{ tenant, control string }

func cellsOf(v *View) map[key]*Finding {
	m := map[key]*Finding{}
	for _, t := range v.Tenants {
		for _, f := range t.Cells {
			m[key{t.Name, f.Control}] = f
		}
	}
	return m
}

func tenantSet(v *View) map[string]bool {
	m := map[string]bool{}
	for _, t := range v.Tenants {
		m[t.Name] = true
	}
	return m
}

func controlDiff(prev, cur *View) (added, removed []string) {
	added, removed = []string{}, []string{}
	p, c := map[string]bool{}, map[string]bool{}
	for _, x := range prev.Controls {
		p[x.ID] = true
	}
	for _, x := range cur.Controls {
		c[x.ID] = true
		if !p[x.ID] {
			added = append(added, x.ID)
		}
	}
	for _, x := range prev.Controls {
		if !c[x.ID] {
			removed = append(removed, x.ID)
		}
	}
	sort.Strings(added)
	sort.Strings(removed)
	return added, removed
}
