package report

import (
	"sort"
	"strings"
	"time"

	"github.com/exoplay/exoplay/results"
)

// Result vocabulary of a control in one tenant. Error means the tool could
// not decide (sign-in failed, the step failed or did not finish, the
// expression could not be evaluated), kept apart from Fail.
const (
	Pass          = "pass"
	Fail          = "fail"
	Error         = "error"
	NotApplicable = "not_applicable"
	Waived        = "waived"
	Manual        = "manual"
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
	ID       string
	Title    string
	Severity string
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
	// Evidence is the data file (relative to the run directory) holding the
	// objects the verdict was computed from.
	Evidence string
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
	v := &View{Counts: map[string]int{}}
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
				if c.Severity == "" {
					c.Severity = a.Severity
				}
				if c.Title == "" {
					c.Title = a.Message
				}
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

// ResultOf is the verdict of an assertion in the result vocabulary.
func ResultOf(a results.Assertion) string {
	switch {
	case a.Error != "":
		return Error
	case a.Passed:
		return Pass
	default:
		return Fail
	}
}

func finding(t *results.Tenant, st *results.Step, a results.Assertion) *Finding {
	f := &Finding{Tenant: t.Name, Control: a.ID, Step: st.ID, Result: ResultOf(a),
		Severity: a.Severity, Message: a.Message, Reason: a.Error}
	if st.Output != nil {
		f.Evidence = st.Output.Path
	}
	return f
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

func severityRank(s string) int {
	switch strings.ToLower(s) {
	case "critical":
		return 5
	case "high":
		return 4
	case "medium":
		return 3
	case "low":
		return 2
	case "info":
		return 1
	}
	return 0
}
