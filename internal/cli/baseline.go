package cli

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/exoplay/exoplay/baseline"
	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/runner"
)

// auditSource is how a playbook is loaded beyond the plain file: waivers
// files, a control selection, and what `exoplay audit` adds (the baseline
// as an include, or a whole playbook made around an inventory).
type auditSource struct {
	waivers  []string
	controls string
	includes []string
	source   []byte // a playbook held in memory instead of the file at path
}

func (a *auditSource) addTo(fs *pflag.FlagSet) {
	fs.StringArrayVar(&a.waivers, "waivers", nil, "waivers `FILE` (a YAML file with a waivers: list) checked against the playbook's controls (repeatable)")
	fs.StringVar(&a.controls, "controls", "", "run only these comma-separated controls (assertions), by id, ref (e.g. MS.EXO.1.1, 'CIS 6.2.1') or tag, globs allowed; their steps follow")
}

// loadOptions are the playbook.LoadOptions every command uses: includes
// resolve to the baselines shipped in the binary.
func (a auditSource) loadOptions(vars map[string]any) playbook.LoadOptions {
	return playbook.LoadOptions{Vars: vars, Include: baseline.Include, Includes: a.includes, WaiverFiles: a.waivers}
}

func (a auditSource) loadPlan(path string, sel runner.Selection) (*runner.Plan, error) {
	opts := a.loadOptions(sel.Vars)
	var pb *playbook.Playbook
	var err error
	if a.source != nil {
		pb, err = playbook.Parse(path, a.source, opts)
	} else {
		pb, err = playbook.Load(path, opts)
	}
	if err != nil {
		return nil, err
	}
	if err := pb.SelectControls(playbook.SplitList(a.controls)); err != nil {
		return nil, exitf(ExitInvalid, "%v", err)
	}
	return planOf(pb, sel)
}

func newBaselineCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "baseline",
		Short: "List, show or export the compliance baselines shipped in exoplay",
		Long: `The baselines are playbooks built into the binary: exo is the Exchange Online
baseline (40 controls with SCuBA, CIS and Maester cross-references, plus SPF
and DMARC as manual controls). Run one with 'exoplay audit', include it from a
playbook with 'include: baseline:exo', or export it and edit it.`,
	}
	list := newControlsCmd(s, &cobra.Command{
		Use:   "list [NAME]",
		Short: "List a baseline's controls (default exo)",
		Args:  cobra.MaximumNArgs(1),
	}, false)
	show := newControlsCmd(s, &cobra.Command{
		Use:   "show CONTROL... ",
		Short: "Show what controls check, why, how to fix them and the cmdlets they read",
		Long:  "show prints the controls of the exo baseline that the arguments name (by id, ref such as MS.EXO.1.1 or 'CIS 6.2.1', or tag; globs allowed).",
		Args:  cobra.MinimumNArgs(1),
	}, true)
	var out string
	export := &cobra.Command{
		Use:   "export [NAME]",
		Short: "Write a baseline as an editable playbook (stdout, or -o FILE)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, data, err := baseline.Lookup(baselineName(args))
			if err != nil {
				return exitf(ExitInvalid, "%v", err)
			}
			if out == "" {
				_, err = s.Out.Write(data)
				return err
			}
			if err := os.WriteFile(out, data, 0o644); err != nil {
				return exitf(ExitInvalid, "%v", err)
			}
			fmt.Fprintf(s.Err, "wrote %s: add tenants (and auth) and run it with exoplay run\n", out)
			return nil
		},
	}
	export.Flags().StringVarP(&out, "output", "o", "", "write to `FILE` instead of stdout")
	cmd.AddCommand(list, show, export)
	return cmd
}

// newControlsCmd makes cmd (baseline list or show) print controls of a
// shipped baseline: with detail (show) every field of the controls the
// arguments name in the default baseline, else (list) a table of every
// control of the baseline the argument names.
func newControlsCmd(s *streams, cmd *cobra.Command, detail bool) *cobra.Command {
	var format string
	cmd.RunE = func(_ *cobra.Command, args []string) error {
		name, patterns := baseline.Default, args
		if !detail {
			name, patterns = baselineName(args), nil
		}
		pb, err := loadBaseline(name)
		if err != nil {
			return err
		}
		return printControls(s.Out, pb, patterns, format, detail)
	}
	formatVar(cmd.Flags(), &format, "output: text or json", textOrJSON)
	return cmd
}

// baselineName is the baseline an optional NAME argument names.
func baselineName(args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	return baseline.Default
}

// loadBaseline parses a shipped baseline as a playbook (it has no tenants).
func loadBaseline(name string) (*playbook.Playbook, error) {
	file, data, err := baseline.Lookup(name)
	if err != nil {
		return nil, exitf(ExitInvalid, "%v", err)
	}
	pb, err := playbook.Parse(file, data, auditSource{}.loadOptions(nil))
	if err != nil {
		return nil, fmt.Errorf("the shipped baseline %s does not load: %w", name, err)
	}
	return pb, nil
}

// controlDoc is the JSON form of a control.
type controlDoc struct {
	ID             string   `json:"id"`
	Title          string   `json:"title,omitempty"`
	Severity       string   `json:"severity"`
	Strength       string   `json:"strength,omitempty"`
	Refs           []string `json:"refs,omitempty"`
	Tags           []string `json:"tags,omitempty"`
	Step           string   `json:"step"`
	Reads          []string `json:"reads"`
	Checks         string   `json:"checks"`
	AppliesWhen    string   `json:"applies_when,omitempty"`
	Rationale      string   `json:"rationale,omitempty"`
	Remediation    string   `json:"remediation,omitempty"`
	RemediationURL string   `json:"remediation_url,omitempty"`
}

func controlDocs(pb *playbook.Playbook) []controlDoc {
	byRegister := map[string]*playbook.Step{}
	for _, st := range pb.Steps {
		if st.Register != "" {
			byRegister[st.Register] = st
		}
	}
	var out []controlDoc
	for _, c := range pb.Controls() {
		a, st := c.Assertion, c.Step
		d := controlDoc{ID: a.ID, Title: a.Control.Title, Severity: a.Severity, Strength: a.Control.Strength, Refs: a.Control.Refs,
			Tags: a.Control.Tags, Step: st.ID, Rationale: a.Control.Rationale, Remediation: a.Control.Remediation,
			RemediationURL: a.Control.RemediationURL}
		var reads, refs []string
		own := true // the control reads its step's output (result)
		switch {
		case a.Manual != "":
			d.Checks, own = "manual: "+a.Manual, false
		case a.Expect != nil:
			d.Checks = a.Expect.Expected()
			refs = append(slices.Clone(a.Expect.Cond.Refs()), a.Expect.Over.Refs()...)
			own = a.Expect.Over == nil || a.Expect.Over.Uses("result") || a.Expect.Cond.Uses("result")
		default:
			d.Checks = a.That.Source()
			refs = a.That.Refs()
		}
		if own {
			reads = append(reads, st.Cmdlet)
		}
		for _, r := range refs {
			if rs, ok := byRegister[r]; ok && !slices.Contains(reads, rs.Cmdlet) {
				reads = append(reads, rs.Cmdlet)
			}
		}
		d.Reads = reads
		if a.AppliesWhen != nil {
			d.AppliesWhen = a.AppliesWhen.Source()
		}
		out = append(out, d)
	}
	return out
}

func printControls(w io.Writer, pb *playbook.Playbook, patterns []string, format string, detail bool) error {
	if err := pb.SelectControls(patterns); err != nil {
		return exitf(ExitInvalid, "%v", err)
	}
	docs := controlDocs(pb)
	if format == "json" {
		return writeJSON(w, docs)
	}
	if !detail {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSEVERITY\tSTRENGTH\tTITLE\tREFS")
		for _, d := range docs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.ID, d.Severity, d.Strength, d.Title, strings.Join(d.Refs, ", "))
		}
		return tw.Flush()
	}
	for i, d := range docs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s  %s\n", d.ID, d.Title)
		field := func(k, v string) {
			if v != "" {
				fmt.Fprintf(w, "  %-13s %s\n", k+":", v)
			}
		}
		field("severity", d.Severity+" ("+d.Strength+")")
		field("refs", strings.Join(d.Refs, ", "))
		field("tags", strings.Join(d.Tags, ", "))
		field("reads", strings.Join(d.Reads, ", "))
		field("checks", d.Checks)
		field("applies when", d.AppliesWhen)
		field("rationale", d.Rationale)
		field("remediation", d.Remediation)
		field("reference", d.RemediationURL)
	}
	return nil
}
