package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/exoplay/exoplay/baseline"
	"github.com/exoplay/exoplay/internal/inputfile"
	"github.com/exoplay/exoplay/report"
	"github.com/exoplay/exoplay/results"
)

func newAuditCmd(s *streams) *cobra.Command {
	opts := &runOptions{handleSignals: true}
	var name string
	cmd := &cobra.Command{
		Use:   "audit [--baseline exo] INVENTORY-OR-PLAYBOOK",
		Short: "Run a shipped compliance baseline over tenants and summarise it per control",
		Long: `audit runs the baseline (default exo: the Exchange Online baseline) over the
tenants of an inventory file (CSV or YAML) or of a playbook. A playbook keeps
its auth, settings, vars, waivers and own steps, and gets the baseline as if
it said include: baseline:NAME. Reads only: the baseline writes nothing.

Every control ends as pass, fail, error (could not decide), not_applicable
(applies_when false, e.g. a licence the tenant lacks: state it with the
tenant var licenses), waived (an unexpired waiver covers the fail) or manual.
stdout gets a table per control; results.json in the run directory has every
verdict with expected vs actual and the failing objects.

Exit codes: 0 compliant, 1 a step or control could not be decided, 2 bad
input, 3 a control failed at or above --fail-on, 4 every sign-in failed.`,
		Example: `  exoplay audit tenants.csv
  exoplay audit msp.yaml --controls 'MS.EXO.1.1,CIS 6.2.1,tag:forwarding' --fail-on high
  exoplay audit msp.yaml --waivers waivers.yaml --var audit_log_age_days=180`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.argv = append([]string{"exoplay"}, s.argv...)
			if err := prepareAudit(opts, name, args[0]); err != nil {
				return err
			}
			if opts.format == "text" {
				opts.print = func(w io.Writer, _ string, res *results.Results, dir string) error {
					return writeAuditSummary(w, s.Err, res, dir)
				}
			}
			opts.IO = s
			return runRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&name, "baseline", baseline.Default, "the shipped baseline to run ("+strings.Join(baseline.Names(), ", ")+")")
	opts.sel.addTo(f)
	f.BoolVar(&opts.check, "check", false, "plan mode: reads only (the baseline only reads anyway)")
	f.StringVar(&opts.out, "out", "runs", "folder for run directories")
	f.StringVar(&opts.resume, "resume", "", "continue the interrupted audit in `RUN_DIR`")
	opts.addOutputFlags(f, "stdout format: text (a table per control), json, jsonl or csv")
	return cmd
}

// prepareAudit points opts at the baseline: a playbook gets it as an
// include; an inventory gets a playbook made around it.
func prepareAudit(opts *runOptions, name, path string) error {
	if _, _, err := baseline.Lookup(name); err != nil {
		return exitf(ExitInvalid, "--baseline: %v", err)
	}
	inc := baseline.Scheme + name
	opts.sel.audit.includes = []string{inc}
	isPlaybook, err := looksLikePlaybook(path)
	if err != nil {
		return exitf(ExitInvalid, "%v", err)
	}
	if isPlaybook {
		opts.playbook = path
		return nil
	}
	// An inventory: its rows are the tenants of a playbook made in memory
	// (it has no file: Path is empty, so the manifest lists the inventory
	// and the baseline, not a playbook that never existed).
	abs, err := filepath.Abs(path)
	if err != nil {
		return exitf(ExitInvalid, "%v", err)
	}
	opts.playbook = ""
	opts.sel.audit.source = []byte(fmt.Sprintf("version: 1\nname: audit-%s\ninventory: [%q]\n", name, abs))
	return nil
}

// looksLikePlaybook tells a playbook (a YAML mapping with version or steps)
// from an inventory (CSV, or YAML without them).
func looksLikePlaybook(path string) (bool, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return false, nil
	case ".yaml", ".yml":
	default:
		return false, fmt.Errorf("%s: an inventory (.csv, .yaml) or a playbook (.yaml) is expected", path)
	}
	data, err := inputfile.Read(path)
	if err != nil {
		return false, err
	}
	var top map[string]yaml.Node
	if err := yaml.Unmarshal(data, &top); err != nil {
		return true, nil // the loader reports the YAML error with its position
	}
	_, v := top["version"]
	_, st := top["steps"]
	_, inc := top["include"]
	return v || st || inc, nil
}

// writeAuditSummary prints a row per control (stdout) and the waivers and
// licence notes (stderr). The rows are report's view of the results (one
// home for how verdicts add up per control): a tenant with no verdict for a
// control (sign-in or step failed, step skipped) counts as ERROR or NOT RUN
// there, so every row adds up to the tenants audited.
func writeAuditSummary(w, errw io.Writer, res *results.Results, dir string) error {
	v := report.Build(res)
	s := res.Summary
	fmt.Fprintf(w, "exoplay audit %s: %d tenant(s), %d control(s)\n\n", res.Run.Playbook.Name, s.Tenants.Total, len(v.Controls))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CONTROL\tSEVERITY\tPASS\tFAIL\tWAIVED\tN/A\tMANUAL\tERROR\tNOT RUN\tTITLE")
	for _, c := range v.Controls {
		n := c.Counts
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", c.ID, c.Severity, n[report.Pass], n[report.Fail],
			n[report.Waived], n[report.NotApplicable], n[report.Manual], n[report.Error], n[report.NotRun], c.Title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var failing []string
	for _, c := range v.Controls {
		var shown, reasons []string
		for _, f := range c.Failing { // tenant order
			switch {
			case f.Result == report.Fail && len(shown) < 3:
				what := f.Actual
				if len(f.Objects) > 0 {
					what = f.Objects[0]
					if more := len(f.Objects) - 1 + f.More; more > 0 {
						what += fmt.Sprintf(" (+%d more)", more)
					}
				}
				shown = append(shown, f.Tenant+": "+what)
			case f.Result == report.Error && f.Reason != "" && !slices.Contains(reasons, f.Reason):
				reasons = append(reasons, f.Reason)
			}
		}
		if len(shown) > 0 {
			more := ""
			if n := c.Counts[report.Fail]; n > len(shown) {
				more = fmt.Sprintf("; %d more tenants", n-len(shown))
			}
			failing = append(failing, fmt.Sprintf("  %s: %s%s", c.ID, strings.Join(shown, "; "), more))
		}
		for _, reason := range reasons {
			failing = append(failing, fmt.Sprintf("  %s could not be decided: %s", c.ID, reason))
		}
	}
	if len(failing) > 0 {
		fmt.Fprintf(w, "\nFailing (first tenants and objects; every one is in results.json):\n%s\n", strings.Join(failing, "\n"))
	}
	licenceNA := 0
	for _, t := range v.Tenants {
		if slices.ContainsFunc(t.Cells, func(f *report.Finding) bool {
			return f.Result == report.NotApplicable && strings.Contains(f.Reason, "licenses")
		}) {
			licenceNA++
		}
	}
	a := s.Assertions
	fmt.Fprintf(w, "\n%d pass, %d fail, %d waived, %d not applicable, %d manual, %d error. Results: %s\n",
		a.Passed, a.Failed, a.Waived, a.NotApplicable, a.Manual, a.Errors, filepath.Join(dir, results.ResultsFile))
	for _, wv := range res.Waivers {
		switch {
		case wv.Expired:
			fmt.Fprintf(errw, "warning: waiver %s expired on %s (owner %s): the controls it covered fail\n", wv.ID, wv.Expires, wv.Owner)
		case wv.Applied == 0:
			fmt.Fprintf(errw, "warning: waiver %s (%s) waived nothing in this run: remove it or fix its scope\n", wv.ID, strings.Join(wv.Controls, ", "))
		case wv.ExpiringSoon:
			fmt.Fprintf(errw, "warning: waiver %s expires on %s (owner %s)\n", wv.ID, wv.Expires, wv.Owner)
		}
	}
	if n := licenceNA; n > 0 {
		fmt.Fprintf(errw, "note: %d tenant(s) do not list the licence some controls need (tenant var licenses); those controls are not_applicable there\n", n)
	}
	switch s.ExitCode {
	case results.ExitNonCompliant:
		fmt.Fprintf(w, "Non-compliant (exit %d).\n", s.ExitCode)
	case results.ExitStepFailed:
		fmt.Fprintf(w, "Not every control could be decided: a sign-in, a read or a condition failed (exit %d); see ERROR above and results.json.\n", s.ExitCode)
	}
	return nil
}
