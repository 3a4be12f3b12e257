package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/report"
	"github.com/exoplay/exoplay/results"
)

type showOptions struct {
	IO      *streams // the command's standard streams
	dir     string
	tenant  string
	step    string
	columns string
	format  string
	width   int
}

func newShowCmd(ios *streams) *cobra.Command {
	opts := &showOptions{}
	cmd := &cobra.Command{
		Use:   "show RUN_DIR",
		Short: "Print a step's stored objects as a table (like Format-Table -Auto)",
		Long: `Print the objects steps stored in a run directory as one table across tenants,
with a TENANT column, like PowerShell's Format-Table -Auto: widths fitted to
the terminal, long values cut with "…", lists joined with ", ".

--columns takes property names and globs, matched as a step's select matches
them ('Name,OAuth*'); a column that matches no property is an error. Without
--step, each step that stored objects gets its own table (csv and json need
--step when several did). --tenant takes --limit's patterns (names, groups,
globs, !exclusions).`,
		Example: `  exoplay show runs/20261122T070000Z-quickstart --step org --columns 'Name,OAuth*'
  exoplay show runs/last --step cas --tenant 'eu,!contoso' --format csv > pop.csv`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.dir = args[0]
			opts.IO = ios
			return runShow(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.tenant, "tenant", "", "only tenants matching `PATTERN` (as --limit)")
	f.StringVar(&opts.step, "step", "", "the step `ID` whose objects to print")
	f.StringVar(&opts.columns, "columns", "", "comma-separated properties, wildcards allowed (default: all)")
	formatVar(f, &opts.format, "table|csv|json", []string{"table", "csv", "json"})
	f.IntVar(&opts.width, "width", 0, "table width in characters (default: the terminal's, else $COLUMNS, else no limit)")
	return cmd
}

func runShow(_ context.Context, opts *showOptions) error {
	ios := opts.IO
	res, err := results.ReadRunDir(opts.dir)
	if err != nil {
		return exitf(ExitInvalid, "%v", err)
	}
	tenants, err := selectResultTenants(res, opts.tenant)
	if err != nil {
		return exitf(ExitInvalid, "--tenant: %v", err)
	}
	var cols *playbook.PropertyMatcher
	if opts.columns != "" {
		var list []string
		for _, c := range strings.Split(opts.columns, ",") {
			if c = strings.TrimSpace(c); c != "" {
				list = append(list, c)
			}
		}
		if len(list) == 0 {
			return exitf(ExitInvalid, "--columns %q names no property", opts.columns)
		}
		cols = playbook.NewPropertyMatcher(list)
	}
	steps, err := stepsWithOutput(res, tenants, opts.step)
	if err != nil {
		return exitf(ExitInvalid, "%v", err)
	}
	if len(steps) > 1 && opts.format != "table" {
		return exitf(ExitInvalid, "several steps stored objects (%s): choose one with --step for --format %s", strings.Join(steps, ", "), opts.format)
	}
	width := opts.width
	if width == 0 {
		width = terminalWidth(ios.Out)
	}
	for i, id := range steps {
		t, err := stepTable(opts.dir, tenants, id, cols, true)
		if err != nil {
			return exitf(ExitInvalid, "step %s: %v", id, err)
		}
		switch opts.format {
		case "csv":
			err = t.WriteCSV(ios.Out)
		case "json":
			err = t.WriteJSON(ios.Out, id)
		default:
			if len(steps) > 1 {
				if i > 0 {
					fmt.Fprintln(ios.Out)
				}
				fmt.Fprintf(ios.Out, "step %s:\n", id)
			}
			if len(t.Rows) == 0 { // --step named a step that stored nothing
				_, err = fmt.Fprintf(ios.Out, "(no objects: step %s stored none in the selected tenants)\n", id)
				break
			}
			err = t.WriteText(ios.Out, width)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// selectResultTenants applies a --limit pattern to a run's tenants, with
// playbook's selection rules.
func selectResultTenants(res *results.Results, pattern string) ([]*results.Tenant, error) {
	pb := &playbook.Playbook{}
	byName := map[string]*results.Tenant{}
	for _, t := range res.Tenants {
		pb.Tenants = append(pb.Tenants, &playbook.Tenant{Name: t.Name, Organization: t.Organization, TenantID: t.TenantID, Groups: t.Groups})
		byName[t.Name] = t
	}
	picked, err := pb.SelectTenants(pattern, playbook.Shard{})
	if err != nil {
		return nil, err
	}
	out := make([]*results.Tenant, 0, len(picked))
	for _, t := range picked {
		out = append(out, byName[t.Name])
	}
	return out, nil
}

// stepsWithOutput lists the steps (in run order) that stored objects in
// one of tenants; with want set, that step, which must exist.
func stepsWithOutput(res *results.Results, tenants []*results.Tenant, want string) ([]string, error) {
	var ids, all []string
	seen := map[string]bool{}
	for _, t := range res.Tenants {
		for _, st := range t.Steps {
			if !seen[st.ID] {
				seen[st.ID] = true
				all = append(all, st.ID)
			}
		}
	}
	if want != "" {
		if !seen[want] {
			return nil, fmt.Errorf("--step %q: the run has no such step (steps: %s)", want, strings.Join(all, ", "))
		}
		return []string{want}, nil
	}
	has := map[string]bool{}
	for _, t := range tenants {
		for _, st := range t.Steps {
			if st.Output != nil && st.Output.Objects > 0 {
				has[st.ID] = true
			}
		}
	}
	for _, id := range all {
		if has[id] {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no step stored objects for the selected tenants")
	}
	return ids, nil
}

// stepTable gathers one step's objects across tenants into a table.
func stepTable(dir string, tenants []*results.Tenant, step string, cols *playbook.PropertyMatcher, withTenant bool) (*report.Table, error) {
	var rows []report.Row
	for _, t := range tenants {
		for _, st := range t.Steps {
			if st.ID != step {
				continue
			}
			objs, err := report.StepObjects(dir, st)
			if err != nil {
				return nil, err
			}
			for _, o := range objs {
				rows = append(rows, report.Row{Tenant: t.Name, Object: o})
			}
		}
	}
	var c report.Columns
	if cols != nil {
		c = cols
	}
	return report.NewTable(rows, c, withTenant)
}

// terminalWidth is the width to fit tables to: the terminal's, else
// $COLUMNS, else 0 (no limit: a file or pipe gets whole values).
func terminalWidth(w io.Writer) int {
	if isTerminal(w) { // an *os.File, or the scrubbing writer every run's stdout is
		if cols, _, err := term.GetSize(int(w.(fder).Fd())); err == nil && cols > 0 {
			return cols
		}
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return 0
}

// writeShowTables prints, after a run's summary, the table of each step
// that has show: per tenant, as Format-Table would after the cmdlet.
func writeShowTables(out, errw io.Writer, pb *playbook.Playbook, res *results.Results, dir string) error {
	width := terminalWidth(out)
	for _, step := range pb.Steps {
		if len(step.Show) == 0 {
			continue
		}
		cols := playbook.NewPropertyMatcher(step.Show)
		for _, t := range res.Tenants {
			var st *results.Step
			for _, s := range t.Steps {
				if s.ID == step.ID {
					st = s
				}
			}
			if st == nil {
				continue
			}
			fmt.Fprintf(out, "\n%s · %s (%s):\n", t.Name, step.ID, step.Cmdlet)
			if st.Output == nil || st.Output.Objects == 0 {
				why := "no objects"
				if st.Status != results.StatusOK {
					why = "no objects: step " + string(st.Status)
				}
				fmt.Fprintf(out, "(%s)\n", why)
				continue
			}
			tbl, err := stepTable(dir, []*results.Tenant{t}, step.ID, cols, false)
			if err != nil {
				fmt.Fprintf(errw, "exoplay: show of step %s in %s: %v\n", step.ID, t.Name, err)
				fmt.Fprintf(out, "(cannot show: %v)\n", err)
				continue
			}
			if err := tbl.WriteText(out, width); err != nil {
				return err
			}
		}
	}
	return nil
}
