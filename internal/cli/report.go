package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/exoplay/exoplay/report"
	"github.com/exoplay/exoplay/results"
)

type reportOptions struct {
	IO       *streams // the command's standard streams
	dir      string
	format   string
	previous string
	out      string
}

func newReportCmd(ios *streams) *cobra.Command {
	opts := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report RUN_DIR",
		Short: "Render a run's results as HTML, JUnit XML, an action-plan CSV or Markdown",
		Long: `Render the results of a run directory for people and tools. Every report is a
view computed from results.json: rebuild it at any time, from any run.

  html      one self-contained file (results.json embedded, no network): fleet
            overview with a tenants x controls heatmap, each control, each
            tenant (printable alone), operations, changes since --previous
  junit     JUnit XML for CI gates: a testsuite per tenant, a testcase per control
  csv       action plan: control, tenant, result, reason, remediation, owner,
            due date, justification for every failing, erroring or waived cell
  markdown  a summary for a ticket or pull request

The report goes to stdout, or to --out FILE.`,
		Example: `  exoplay report runs/20261122T070000Z-audit --format html --out audit.html
  exoplay report runs/new --previous runs/old --format markdown
  exoplay report runs/new --format junit > junit.xml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.dir = args[0]
			opts.IO = ios
			return runReport(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	choiceVar(f, &opts.format, "format", "html", "html|junit|csv|markdown", report.Formats...)
	f.StringVar(&opts.previous, "previous", "", "an earlier `RUN_DIR` to list changes against")
	f.StringVar(&opts.out, "out", "", "write to `FILE` instead of stdout")
	return cmd
}

func runReport(_ context.Context, opts *reportOptions) error {
	ios := opts.IO
	r, err := results.ReadRunDir(opts.dir)
	if err != nil {
		return exitf(ExitInvalid, "%v", err)
	}
	var prev *results.Results
	if opts.previous != "" {
		if prev, err = results.ReadRunDir(opts.previous); err != nil {
			return exitf(ExitInvalid, "--previous: %v", err)
		}
		warnIfReversed(ios.Err, prev, r, "--previous "+opts.previous, opts.dir)
	}
	var buf bytes.Buffer
	if err := report.Render(&buf, opts.format, r, prev); err != nil {
		return exitf(ExitStepFailed, "rendering the report: %v", err)
	}
	if opts.out == "" {
		_, err = ios.Out.Write(buf.Bytes())
		return err
	}
	if err := os.WriteFile(opts.out, buf.Bytes(), 0o640); err != nil {
		return exitf(ExitStepFailed, "writing the report: %v", err)
	}
	if inManifestedDir(opts.out) {
		fmt.Fprintf(ios.Err, "exoplay: %s is inside a run directory whose manifest.json does not list it: `exoplay verify` will report it as an extra file\n", opts.out)
	}
	fmt.Fprintf(ios.Err, "exoplay: report written to %s\n", opts.out)
	return nil
}

// inManifestedDir reports whether path sits directly in a run directory
// that already has its manifest.
func inManifestedDir(path string) bool {
	_, err := os.Stat(filepath.Join(filepath.Dir(path), "manifest.json"))
	return err == nil
}

// writeRunReport writes the run's report into its run directory
// (run --report FORMAT), before the manifest is written, so it is covered.
func writeRunReport(dir, format string, r *results.Results) (string, error) {
	var buf bytes.Buffer
	if err := report.Render(&buf, format, r, nil); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "report."+report.Extension(format))
	return path, os.WriteFile(path, buf.Bytes(), 0o640)
}
