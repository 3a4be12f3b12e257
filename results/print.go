package results

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteJSON writes r as results.json is written.
func WriteJSON(w io.Writer, r *Results) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteJSONL writes one line per tenant × step ({"type":"step", ...}), one
// per tenant that failed to sign in ({"type":"tenant", ...}) and a last
// {"type":"summary"} line, for line-oriented tools.
func WriteJSONL(w io.Writer, r *Results) error {
	enc := json.NewEncoder(w)
	for _, t := range r.Tenants {
		if t.Error != nil {
			if err := enc.Encode(struct {
				Type   string `json:"type"`
				Tenant string `json:"tenant"`
				Status Status `json:"status"`
				Error  *Error `json:"error"`
			}{"tenant", t.Name, t.Status, t.Error}); err != nil {
				return err
			}
		}
		for _, s := range t.Steps {
			if err := enc.Encode(struct {
				Type     string `json:"type"`
				Tenant   string `json:"tenant"`
				TenantID string `json:"tenant_id,omitempty"`
				*Step
			}{"step", t.Name, t.TenantID, s}); err != nil {
				return err
			}
		}
	}
	return enc.Encode(struct {
		Type string `json:"type"`
		Run  Run    `json:"run"`
		Summary
	}{"summary", r.Run, r.Summary})
}

// WriteSummary writes the human summary: tenants × status, failures with
// their reasons, failed assertions with their ids, and where the run
// directory is.
func WriteSummary(w io.Writer, r *Results, dir string) error {
	p := &printer{w: w}
	s := r.Summary
	mode := ""
	if r.Run.Mode == "check" {
		mode = " (check mode: no write was sent)"
	}
	p.f("exoplay %s: %d tenant(s), %d step run(s) in %s%s\n\n", r.Run.Playbook.Name,
		s.Tenants.Total, s.Steps.Total, fmtDuration(s.DurationSeconds), mode)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TENANT\tSTATUS\tOK\tCHANGED\tFAILED\tSKIPPED\tINCOMPLETE\tASSERTIONS")
	for _, t := range r.Tenants {
		var c Counts
		pass, fail := 0, 0
		for _, st := range t.Steps {
			c.Add(st.Status)
			for _, a := range st.Assertions {
				if a.Passed {
					pass++
				} else {
					fail++
				}
			}
		}
		asrt := "-"
		if pass+fail > 0 {
			asrt = fmt.Sprintf("%d/%d passed", pass, pass+fail)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", t.Name, t.Status, c.OK, c.Changed, c.Failed, c.Skipped, c.Incomplete, asrt)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	var failures, asserts, wouldRun []string
	for _, t := range r.Tenants {
		if t.Error != nil {
			failures = append(failures, fmt.Sprintf("%s: sign-in failed: %s", t.Name, oneLine(t.Error)))
		}
		for _, st := range t.Steps {
			if st.Status == StatusFailed {
				if st.Error != nil {
					failures = append(failures, fmt.Sprintf("%s: step %s (%s): %s", t.Name, st.ID, st.Cmdlet, oneLine(st.Error)))
				}
				for i, ie := range st.ItemErrors {
					if i == 3 && len(st.ItemErrors) > 4 {
						failures = append(failures, fmt.Sprintf("%s: step %s: ... and %d more failed items (see results.json)", t.Name, st.ID, len(st.ItemErrors)-3))
						break
					}
					failures = append(failures, fmt.Sprintf("%s: step %s (%s) item %d: %s", t.Name, st.ID, st.Cmdlet, ie.Index, oneLine(ie.Error)))
				}
			}
			for _, a := range st.Assertions {
				if a.Passed {
					continue
				}
				line := fmt.Sprintf("%s: %s", t.Name, a.ID)
				if a.Severity != "" {
					line += " [" + a.Severity + "]"
				}
				line += " (step " + st.ID + ")"
				if a.Message != "" {
					line += ": " + a.Message
				}
				if a.Error != "" {
					line += " (" + a.Error + ")"
				}
				asserts = append(asserts, line)
			}
			if n := len(st.WouldRun); n > 0 {
				wouldRun = append(wouldRun, fmt.Sprintf("%s: step %s would run %s %d time(s)", t.Name, st.ID, st.Cmdlet, n))
			}
		}
	}
	p.list("Failures", failures)
	p.list("Assertion failures", asserts)
	p.list("Writes not sent (check mode; parameters in results.json would_run)", wouldRun)

	p.f("\nTenants: %s. Steps: %s.", countsLine(s.Tenants), countsLine(s.Steps))
	if n := s.Assertions.Passed + s.Assertions.Failed; n > 0 {
		p.f(" Assertions: %d passed, %d failed.", s.Assertions.Passed, s.Assertions.Failed)
	}
	p.f(" Calls: %d", s.Calls)
	if s.ThrottledWaits > 0 {
		p.f(" (%d throttled waits)", s.ThrottledWaits)
	}
	p.f(".\n")
	if w := s.Writes; w != nil {
		p.f("Writes: %d confirmed, %d unchanged, %d failed, %d unknown", w.Confirmed, w.Unchanged, w.Failed, w.Unknown)
		if dir != "" {
			p.f(" (each in %s)", filepath.Join(dir, WritesFile))
		}
		p.f(".\n")
	}
	if dir != "" {
		p.f("Results: %s\n", filepath.Join(dir, ResultsFile))
	}
	switch s.ExitCode {
	case ExitInterrupted:
		if !s.Interrupted {
			p.f("Unfinished: %d tenant(s) did not finish; resume with --resume %s\n", s.Tenants.Incomplete, dir)
			break
		}
		p.f("Interrupted: resume with --resume %s\n", dir)
	case ExitAuthFailed:
		p.f("Every tenant failed to sign in (exit %d).\n", s.ExitCode)
	case ExitStepFailed:
		p.f("Some tenants or steps failed (exit %d).\n", s.ExitCode)
	case ExitNonCompliant:
		p.f("Assertions failed: non-compliant (exit %d).\n", s.ExitCode)
	}
	return p.err
}

type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func (p *printer) list(title string, lines []string) {
	if len(lines) == 0 {
		return
	}
	p.f("\n%s:\n", title)
	for _, l := range lines {
		p.f("  %s\n", l)
	}
}

func countsLine(c Counts) string {
	parts := []string{fmt.Sprintf("%d total", c.Total)}
	for _, kv := range []struct {
		n    int
		name string
	}{{c.OK, "ok"}, {c.Changed, "changed"}, {c.Failed, "failed"}, {c.Skipped, "skipped"}, {c.Incomplete, "incomplete"}} {
		if kv.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", kv.n, kv.name))
		}
	}
	return strings.Join(parts, ", ")
}

func oneLine(e *Error) string {
	msg := strings.Join(strings.Fields(e.Message), " ")
	if e.Code != "" {
		return fmt.Sprintf("%s [%s]: %s", e.Category, e.Code, msg)
	}
	return e.Category + ": " + msg
}

func fmtDuration(sec float64) string {
	d := time.Duration(sec * float64(time.Second))
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	default:
		return d.Round(100 * time.Millisecond).String()
	}
}
