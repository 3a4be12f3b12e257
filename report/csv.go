package report

import (
	"io"
	"strings"
)

// actionPlanHeader follows ScubaGear's action plan: what to fix where, and
// the columns a team fills in (owner, due date, justification).
var actionPlanHeader = []string{"control", "title", "severity", "tenant", "result", "reason", "remediation", "owner", "due date", "justification"}

// WriteActionPlan writes one row per finding that needs action: fail and
// error cells (and waived ones), worst severity first, as the view orders
// controls. Remediation comes from the control; owner, due date (the
// waiver's expiry) and justification from the waiver that covers (or no
// longer covers) the cell, else they are left for the team to fill in.
func WriteActionPlan(w io.Writer, v *View) error {
	plan := &Table{Columns: actionPlanHeader}
	for i, c := range v.Controls {
		for _, t := range v.Tenants {
			f := t.Cells[i] // cells are in v.Controls order
			if f.Result != Fail && f.Result != Error && f.Result != Waived {
				continue
			}
			reason := strings.ReplaceAll(findingDetail(f, false), "\n", "; ")
			remedy := c.Remediation
			if c.RemedyURL != "" {
				remedy = strings.TrimPrefix(remedy+" ("+c.RemedyURL+")", " ")
			}
			var owner, due, why string
			if w := f.Waiver; w != nil {
				owner, due, why = w.Owner, w.Expires, w.Reason+ticket(w.Ticket)
			}
			plan.Rows = append(plan.Rows, []string{c.ID, c.Title, f.Severity, t.Name, f.Result, reason, remedy, owner, due, why})
		}
	}
	return plan.WriteCSV(w)
}
