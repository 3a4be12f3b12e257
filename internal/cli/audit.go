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

// controlRow aggregates one control over the tenants.
type controlRow struct {
	id, title, severity string
	counts              map[string]int
	failing             []string // "tenant: first failing object" for the first few tenants
	reasons             []string // why it could not be decided, each once, in tenant order
}

// writeAuditSummary prints a row per control (stdout) and the waivers and
// licence notes (stderr).
func writeAuditSummary(w, errw io.Writer, res *results.Results, dir string) error {
	var rows []*controlRow
	byID := map[string]*controlRow{}
	licenceNA := map[string]bool{}
	for _, t := range res.Tenants {
		for _, st := range t.Steps {
			for _, a := range st.Assertions {
				r := byID[a.ID]
				if r == nil {
					r = &controlRow{id: a.ID, title: a.Title, severity: a.Severity, counts: map[string]int{}}
					byID[a.ID] = r
					rows = append(rows, r)
				}
				result := a.ResultOf()
				r.counts[result]++
				if result == results.ResultNotApplicable && strings.Contains(a.Reason, "licenses") {
					licenceNA[t.Name] = true
				}
				if result == results.ResultFail && len(r.failing) < 3 {
					what := a.Actual
					if len(a.Failing) > 0 {
						what = a.Failing[0].Identity
						if len(a.Failing) > 1 || a.FailingTotal > 1 {
							what += fmt.Sprintf(" (+%d more)", max(a.FailingTotal, len(a.Failing))-1)
						}
					}
					r.failing = append(r.failing, t.Name+": "+what)
				}
				if result == results.ResultError && a.Reason != "" && !slices.Contains(r.reasons, a.Reason) {
					r.reasons = append(r.reasons, a.Reason)
				}
			}
		}
	}
	s := res.Summary
	fmt.Fprintf(w, "exoplay audit %s: %d tenant(s), %d control(s)\n\n", res.Run.Playbook.Name, s.Tenants.Total, len(rows))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CONTROL\tSEVERITY\tPASS\tFAIL\tWAIVED\tN/A\tMANUAL\tERROR\tTITLE")
	for _, r := range rows {
		c := r.counts
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", r.id, r.severity, c[results.ResultPass], c[results.ResultFail],
			c[results.ResultWaived], c[results.ResultNotApplicable], c[results.ResultManual], c[results.ResultError], r.title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var failing []string
	for _, r := range rows {
		if len(r.failing) > 0 {
			more := ""
			if n := r.counts[results.ResultFail]; n > len(r.failing) {
				more = fmt.Sprintf("; %d more tenants", n-len(r.failing))
			}
			failing = append(failing, fmt.Sprintf("  %s: %s%s", r.id, strings.Join(r.failing, "; "), more))
		}
		for _, reason := range r.reasons {
			failing = append(failing, fmt.Sprintf("  %s could not be decided: %s", r.id, reason))
		}
	}
	if len(failing) > 0 {
		fmt.Fprintf(w, "\nFailing (first tenants and objects; every one is in results.json):\n%s\n", strings.Join(failing, "\n"))
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
	if n := len(licenceNA); n > 0 {
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
