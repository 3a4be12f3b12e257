package report

import (
	"encoding/csv"
	"io"
	"strings"

	"github.com/exoplay/exoplay/results"
)

// actionPlanHeader follows ScubaGear's action plan: what to fix where, and
// the columns a team fills in (owner, due date, justification).
var actionPlanHeader = []string{"control", "title", "severity", "tenant", "result", "reason", "remediation", "owner", "due date", "justification"}

// WriteActionPlan writes one row per finding that needs action: fail and
// error cells (and waived ones, which carry their justification and due
// date), worst severity first, as the view orders controls.
func WriteActionPlan(w io.Writer, v *View) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(actionPlanHeader); err != nil {
		return err
	}
	for i, c := range v.Controls {
		for _, t := range v.Tenants {
			f := t.Cells[i] // cells are in v.Controls order
			if f.Result != Fail && f.Result != Error && f.Result != Waived {
				continue
			}
			reason := strings.ReplaceAll(findingDetail(f), "\n", "; ")
			row := []string{c.ID, c.Title, f.Severity, t.Name, f.Result, reason, "", "", "", ""}
			for j, cell := range row {
				row[j] = results.DefuseCSV(cell)
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
