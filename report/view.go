package report

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/exoplay/exoplay/results"
)

// Result vocabulary of a control in one tenant. Error means the tool could
// not decide (sign-in failed, the step failed or did not finish, the
// expression could not be evaluated), kept apart from Fail.
const (
	Pass          = results.ResultPass
	Fail          = results.ResultFail
	Error         = results.ResultError
	NotApplicable = results.ResultNotApplicable
	Waived        = results.ResultWaived
	Manual        = results.ResultManual
	// NotRun is a cell with no verdict because the step was skipped (its
	// when was false, tags left it out, or check mode).
	NotRun = "not_run"
)

// resultOrder is the order results are listed in (worst first).
var resultOrder = []string{Fail, Error, Waived, Manual, NotApplicable, NotRun, Pass}

// View is what every report reads: the run's controls (assertion ids) ×
// tenants, with the operations that are not findings kept apart.
type View struct {
	Run      RunInfo
	Tenants  []*TenantView
	Controls []*Control
	Ops      []OpsEntry
	// Counts of cells by result over the whole fleet.
	Counts map[string]int
	// Changes since a previous run, when one was given.
	Changes *Changes
	// Waivers the run knew, with how often each applied (0: unused).
	Waivers []results.WaiverUse
}

// RunInfo is the header of a report.
type RunInfo struct {
	ID          string
	Playbook    string
	PlaybookSHA string
	Mode        string
	Version     string
	Started     time.Time
	Finished    time.Time
	Duration    float64
	ExitCode    int
	// Partial is set when the run did not cover everything it was asked to:
	// interrupted, or some tenant or step did not finish.
	Partial       bool
	PartialReason string
}

// TenantView is one tenant's row of the heatmap and its own section.
type TenantView struct {
	Name         string
	Organization string
	TenantID     string
	Groups       []string
	Status       string
	SignInError  string
	// Cells holds one finding per control, in View.Controls order.
	Cells  []*Finding
	Counts map[string]int
}

// Control is one assertion id across the fleet.
type Control struct {
	ID          string
	Title       string
	Severity    string
	Strength    string   // shall | should (baseline controls)
	Refs        []string // cross-references: SCuBA, CIS, Maester ids
	Remediation string
	RemedyURL   string
	// Expected is what the control expects, as the first verdict that
	// says it put it (a finding whose expectation differs shows its own).
	Expected string
	Step     string
	Cmdlet   string
	Counts   map[string]int
	// Compliant is the share (0..1) of tenants with a verdict whose result
	// is pass, waived or not_applicable; -1 when no tenant has a verdict.
	Compliant float64
	// Failing holds the findings whose result is fail or error.
	Failing []*Finding
}

// Finding is one control's verdict in one tenant.
type Finding struct {
	Tenant   string
	Control  string
	Step     string
	Result   string
	Severity string
	Message  string
	// Reason says why the tool could not decide (error, not_run).
	Reason   string
	Expected string
	Actual   string
	// Objects names the objects that failed (their identity and values).
	Objects []string
	// More counts failing objects beyond those listed.
	More int
	// Evidence is the data file (relative to the run directory) holding the
	// objects the verdict was computed from.
	Evidence string
	// Waiver is the waiver that covered (or, expired, no longer covers)
	// the finding.
	Waiver *results.WaiverRef
}

// OpsEntry is an operational event of the run: not a finding about the
// tenant's configuration, but about how well the run could look at it.
type OpsEntry struct {
	Tenant string
	Step   string
	Kind   string // sign-in | step-failed | incomplete | throttled | retried | item-errors
	Detail string
}

// Build computes the view of r. A control that a tenant has no verdict for
// gets an error or not_run cell that says why, so the heatmap has no holes.
func Build(r *results.Results) *View {
	v := &View{Counts: map[string]int{}, Waivers: r.Waivers}
	v.Run = runInfo(r)
	controls := map[string]*Control{}
	for _, t := range r.Tenants {
		for _, st := range t.Steps {
			for _, a := range st.Assertions {
				c := controls[a.ID]
				if c == nil {
					c = &Control{ID: a.ID, Step: st.ID, Cmdlet: st.Cmdlet, Counts: map[string]int{}}
					controls[a.ID] = c
					v.Controls = append(v.Controls, c)
				}
				c.describe(a)
			}
		}
	}
	sort.SliceStable(v.Controls, func(i, j int) bool {
		a, b := v.Controls[i], v.Controls[j]
		if sa, sb := severityRank(a.Severity), severityRank(b.Severity); sa != sb {
			return sa > sb
		}
		return a.ID < b.ID
	})
	index := map[string]int{}
	for i, c := range v.Controls {
		index[c.ID] = i
	}
	for _, t := range r.Tenants {
		tv := &TenantView{Name: t.Name, Organization: t.Organization, TenantID: t.TenantID, Groups: t.Groups,
			Status: string(t.Status), Counts: map[string]int{}, Cells: make([]*Finding, len(v.Controls))}
		if t.Error != nil {
			tv.SignInError = oneLine(t.Error)
		}
		steps := map[string]*results.Step{}
		for _, st := range t.Steps {
			steps[st.ID] = st
			for _, a := range st.Assertions {
				tv.Cells[index[a.ID]] = finding(t, st, a)
			}
		}
		for i, c := range v.Controls {
			if tv.Cells[i] == nil {
				tv.Cells[i] = missing(t, steps[c.Step], c)
			}
			f := tv.Cells[i]
			tv.Counts[f.Result]++
			c.Counts[f.Result]++
			v.Counts[f.Result]++
			if f.Result == Fail || f.Result == Error {
				c.Failing = append(c.Failing, f)
			}
			if c.Expected == "" {
				c.Expected = f.Expected
			}
		}
		v.Tenants = append(v.Tenants, tv)
		v.Ops = append(v.Ops, opsOf(t)...)
	}
	for _, c := range v.Controls {
		decided := 0
		for res, n := range c.Counts {
			if res != NotRun && res != Error && res != Manual {
				decided += n
			}
		}
		c.Compliant = -1
		if decided > 0 {
			c.Compliant = float64(c.Counts[Pass]+c.Counts[Waived]+c.Counts[NotApplicable]) / float64(decided)
		}
	}
	return v
}

func runInfo(r *results.Results) RunInfo {
	ri := RunInfo{
		ID: r.Run.ID, Playbook: r.Run.Playbook.Name, PlaybookSHA: r.Run.Playbook.SHA256,
		Mode: r.Run.Mode, Version: r.Run.ToolVersion, Started: r.Run.Started, Finished: r.Run.Finished,
		Duration: r.Summary.DurationSeconds, ExitCode: r.Summary.ExitCode,
	}
	var why []string
	if r.Summary.Interrupted {
		why = append(why, "the run was interrupted")
	}
	if n := r.Summary.Tenants.Incomplete; n > 0 {
		why = append(why, plural(n, "tenant")+" did not finish")
	}
	if n := r.Summary.Steps.Incomplete; n > 0 {
		why = append(why, plural(n, "step")+" did not finish")
	}
	if len(why) > 0 {
		ri.Partial = true
		ri.PartialReason = strings.Join(why, "; ")
	}
	return ri
}

// describe fills what the control says about itself from the first
// assertion that says it.
func (c *Control) describe(a results.Assertion) {
	fill := func(dst *string, vals ...string) {
		for _, v := range vals {
			if *dst == "" {
				*dst = v
			}
		}
	}
	fill(&c.Severity, a.Severity)
	fill(&c.Title, a.Title, a.Message)
	fill(&c.Strength, a.Strength)
	fill(&c.Remediation, a.Remediation)
	fill(&c.RemedyURL, a.RemedyURL)
	if len(c.Refs) == 0 {
		c.Refs = a.Refs
	}
}

func finding(t *results.Tenant, st *results.Step, a results.Assertion) *Finding {
	f := &Finding{Tenant: t.Name, Control: a.ID, Step: st.ID, Result: a.ResultOf(),
		Severity: a.Severity, Message: a.Message, Reason: a.Reason,
		Expected: a.Expected, Actual: a.Actual, Waiver: a.Waiver}
	if f.Message == "" {
		f.Message = a.Title
	}
	if a.Error != "" {
		f.Reason = strings.TrimPrefix(f.Reason+"; "+a.Error, "; ")
	}
	for _, o := range a.Failing {
		f.Objects = append(f.Objects, objectText(o))
	}
	if a.FailingTotal > len(a.Failing) {
		f.More = a.FailingTotal - len(a.Failing)
	}
	if st.Output != nil {
		f.Evidence = st.Output.Path
	}
	return f
}

// objectText is a failing object as one line: its identity and the values
// the condition read.
func objectText(o results.FailingObject) string {
	if len(o.Values) == 0 {
		return o.Identity
	}
	keys := make([]string, 0, len(o.Values))
	for k := range o.Values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		b, err := json.Marshal(o.Values[k])
		if err != nil {
			b = []byte(fmt.Sprint(o.Values[k]))
		}
		parts[i] = k + "=" + string(b)
	}
	return o.Identity + ": " + strings.Join(parts, ", ")
}

// missing is the cell of a control a tenant has no verdict for, saying why.
func missing(t *results.Tenant, st *results.Step, c *Control) *Finding {
	f := &Finding{Tenant: t.Name, Control: c.ID, Step: c.Step, Severity: c.Severity, Message: c.Title, Result: Error}
	switch {
	case t.Error != nil:
		f.Reason = "sign-in failed: " + oneLine(t.Error)
	case st == nil:
		f.Result, f.Reason = NotRun, "the step did not run for this tenant"
	case st.Status == results.StatusFailed && st.Error != nil:
		f.Reason = "step failed: " + oneLine(st.Error)
	case st.Status == results.StatusFailed:
		f.Reason = "step failed"
	case st.Status == results.StatusIncomplete:
		f.Reason = "step did not finish"
		if st.Reason != "" {
			f.Reason += ": " + st.Reason
		}
	case st.Status == results.StatusSkipped:
		f.Result, f.Reason = NotRun, "step skipped"
		if st.Reason != "" {
			f.Reason += ": " + st.Reason
		}
	default:
		f.Reason = "no verdict recorded"
	}
	return f
}

func opsOf(t *results.Tenant) []OpsEntry {
	var out []OpsEntry
	if t.Error != nil {
		out = append(out, OpsEntry{Tenant: t.Name, Kind: "sign-in", Detail: oneLine(t.Error)})
	}
	for _, st := range t.Steps {
		switch st.Status {
		case results.StatusFailed:
			d := "failed"
			if st.Error != nil {
				d = oneLine(st.Error)
			}
			out = append(out, OpsEntry{Tenant: t.Name, Step: st.ID, Kind: "step-failed", Detail: d})
		case results.StatusIncomplete:
			out = append(out, OpsEntry{Tenant: t.Name, Step: st.ID, Kind: "incomplete", Detail: st.Reason})
		}
		if n := len(st.ItemErrors); n > 0 {
			out = append(out, OpsEntry{Tenant: t.Name, Step: st.ID, Kind: "item-errors", Detail: plural(n, "foreach item") + " failed"})
		}
		if a := st.Attempts; a.ThrottledWaits > 0 {
			out = append(out, OpsEntry{Tenant: t.Name, Step: st.ID, Kind: "throttled",
				Detail: plural(a.ThrottledWaits, "wait") + ", " + seconds(a.ThrottledSeconds)})
		}
		if a := st.Attempts; a.Attempts > a.Calls && a.Calls > 0 {
			out = append(out, OpsEntry{Tenant: t.Name, Step: st.ID, Kind: "retried",
				Detail: plural(a.Attempts-a.Calls, "retry") + " over " + plural(a.Calls, "call")})
		}
	}
	return out
}

// TopFailing returns up to n controls with the most fail/error cells.
func (v *View) TopFailing(n int) []*Control {
	var cs []*Control
	for _, c := range v.Controls {
		if len(c.Failing) > 0 {
			cs = append(cs, c)
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return len(cs[i].Failing) > len(cs[j].Failing) })
	if len(cs) > n {
		cs = cs[:n]
	}
	return cs
}

// severities are the severities lowest first, as results gates them.
var severities = results.SeverityOrder()

// severityRank orders severities: info 1 .. critical 5, anything else 0.
func severityRank(s string) int { return slices.Index(severities, strings.ToLower(s)) + 1 }
