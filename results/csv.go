package results

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"
)

var csvHeader = []string{
	"tenant", "organization", "tenant_id", "tenant_status",
	"step", "cmdlet", "write", "status", "objects", "calls", "throttled_waits",
	"error_category", "error_code", "error",
	"assertion_id", "assertion_passed", "severity", "assertion_message",
	"run_id", "run_started", "playbook_sha256", // which run the row is evidence of
	"diff", // ensure: steps: "identity: Prop: before -> after; ..." per object that differed (diff.go)
}

// WriteCSV writes the run as evidence for a spreadsheet: one row per tenant
// × step × assertion (one row per step without assertions, one per tenant
// that failed to sign in). Cells that a spreadsheet would run as a formula
// are neutralised, since messages can quote what the service returned.
func WriteCSV(w io.Writer, r *Results) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	run := []string{r.Run.ID, "", r.Run.Playbook.SHA256}
	if !r.Run.Started.IsZero() {
		run[1] = r.Run.Started.UTC().Format(time.RFC3339)
	}
	writeRow := func(cw *csv.Writer, row []string, diff string) error {
		return writeRow(cw, append(append(row, run...), diff))
	}
	for _, t := range r.Tenants {
		tenant := []string{t.Name, t.Organization, t.TenantID, string(t.Status)}
		// A tenant that could not sign in ran no step (the runner lists
		// them as skipped): its one row carries the sign-in error.
		if t.Error != nil {
			row := append(append([]string{}, tenant...), "", "", "", string(t.Status), "", "", "")
			row = append(row, errorCells(t.Error)...)
			if err := writeRow(cw, append(row, "", "", "", ""), ""); err != nil {
				return err
			}
			continue
		}
		for _, s := range t.Steps {
			objects := ""
			if s.Output != nil {
				objects = strconv.Itoa(s.Output.Objects)
			}
			row := append(append([]string{}, tenant...),
				s.ID, s.Cmdlet, strconv.FormatBool(s.Write), string(s.Status), objects,
				strconv.Itoa(s.Attempts.Calls), strconv.Itoa(s.Attempts.ThrottledWaits))
			row = append(row, errorCells(s.Error)...)
			diff := diffCell(s.Diffs)
			if len(s.Assertions) == 0 {
				if err := writeRow(cw, append(row, "", "", "", ""), diff); err != nil {
					return err
				}
				continue
			}
			for _, a := range s.Assertions {
				msg := a.Message
				if a.Error != "" {
					msg = a.Error
				}
				if err := writeRow(cw, append(append([]string{}, row...), a.ID, strconv.FormatBool(a.Passed), a.Severity, msg), diff); err != nil {
					return err
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func errorCells(e *Error) []string {
	if e == nil {
		return []string{"", "", ""}
	}
	return []string{e.Category, e.Code, strings.Join(strings.Fields(e.Message), " ")}
}

func writeRow(cw *csv.Writer, row []string) error {
	for i, c := range row {
		row[i] = defuseFormula(c)
	}
	return cw.Write(row)
}

// defuseFormula prefixes a quote to cells that spreadsheets evaluate
// (=, +, -, @, tab, carriage return), the usual CSV-injection guard.
func defuseFormula(c string) string {
	if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
		return "'" + c
	}
	return c
}
