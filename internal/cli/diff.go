package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/exoplay/exoplay/report"
	"github.com/exoplay/exoplay/results"
)

type diffOptions struct {
	IO     *streams // the command's standard streams
	a, b   string
	format string
}

func newDiffCmd(ios *streams) *cobra.Command {
	opts := &diffOptions{}
	cmd := &cobra.Command{
		Use:   "diff RUN_A RUN_B",
		Short: "What changed between two runs: newly failing, newly fixed, waivers, tenants",
		Long: `Compare two run directories cell by cell (tenant x control): controls newly
failing (fail or error in RUN_B, not in RUN_A), newly fixed, waivers added and
expired (or removed), other result changes, tenants and controls added or
removed. RUN_A is the earlier run.`,
		Example: `  exoplay diff runs/20261101T070000Z-audit runs/20261122T070000Z-audit
  exoplay diff runs/old runs/new --format json | jq '.newly_failing'`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.a, opts.b = args[0], args[1]
			opts.IO = ios
			return runDiff(cmd.Context(), opts)
		},
	}
	formatVar(cmd.Flags(), &opts.format, "text|json", textOrJSON)
	return cmd
}

func runDiff(_ context.Context, opts *diffOptions) error {
	ios := opts.IO
	a, err := results.ReadRunDir(opts.a)
	if err != nil {
		return exitf(ExitInvalid, "%v", err)
	}
	b, err := results.ReadRunDir(opts.b)
	if err != nil {
		return exitf(ExitInvalid, "%v", err)
	}
	warnIfReversed(ios.Err, a, b, opts.a, opts.b)
	ch := report.Diff(report.Build(a), report.Build(b))
	if opts.format == "json" {
		return writeJSON(ios.Out, ch)
	}
	return report.WriteChanges(ios.Out, ch)
}

// warnIfReversed says on stderr when the run meant as the earlier one
// started after the later one: every change then reads backwards (fixed
// as newly failing).
func warnIfReversed(stderr io.Writer, earlier, later *results.Results, earlierName, laterName string) {
	if a, b := earlier.Run.Started, later.Run.Started; a.After(b) {
		fmt.Fprintf(stderr, "exoplay: warning: %s started after %s (%s, %s): the changes read backwards; give the earlier run first\n",
			earlierName, laterName, a.UTC().Format(time.RFC3339), b.UTC().Format(time.RFC3339))
	}
}
