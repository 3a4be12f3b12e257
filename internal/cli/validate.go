package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/exoplay/exoplay/playbook"
	"github.com/spf13/cobra"
)

type validateOptions struct {
	IO      *streams // the command's standard streams
	files   []string
	vars    []string
	waivers []string
	format  string
}

func newValidateCmd(s *streams) *cobra.Command {
	opts := &validateOptions{}
	cmd := &cobra.Command{
		Use:   "validate PLAYBOOK...",
		Short: "Check playbooks: every problem at once, as file:line:col",
		Long: `validate loads each playbook (and its inventory files) and reports every
problem at once as file:line:col: message: YAML syntax, unknown keys, wrong
types, duplicate names, undefined auth references, expressions that do not
compile or name something out of scope, secrets written in the file, and
the rules of schema.json. Nothing is sent anywhere.

Exit codes: 0 all valid, 2 a playbook is invalid.`,
		Example: `  exoplay validate examples/*.yaml
  exoplay validate playbook.yaml --var desired=true
  exoplay validate playbook.yaml --format json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.files = args
			opts.IO = s
			return runValidate(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringArrayVarP(&opts.vars, "var", "e", nil, "a variable NAME=VALUE the playbook expects from --var (repeatable)")
	formatVar(cmd.Flags(), &opts.format, "output: text, or json (a list of {file, line, col, message} on stdout)", textOrJSON)
	cmd.Flags().StringArrayVar(&opts.waivers, "waivers", nil, "also check this waivers `FILE` against each playbook's controls (repeatable)")
	return cmd
}

type jsonDiagnostic struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Message string `json:"message"`
}

func runValidate(_ context.Context, opts *validateOptions) error {
	s := opts.IO
	vars, err := playbook.ParseVars(opts.vars)
	if err != nil {
		return exitf(ExitInvalid, "%v", err)
	}
	var all playbook.Diagnostics
	invalid := 0
	var varErr error // --var names no valid playbook knows (one that knows them clears it)
	checkedVars := false
	for _, f := range opts.files {
		pb, err := playbook.Load(f, auditSource{waivers: opts.waivers}.loadOptions(vars))
		var ds playbook.Diagnostics
		switch {
		case errors.As(err, &ds):
			invalid++
			all = append(all, ds...)
			if opts.format == "text" {
				printDiagnostics(s.Err, ds, isTerminal(s.Err))
			}
		case err != nil:
			return err
		case opts.format == "text":
			fmt.Fprintf(s.Out, "%s: valid (%d tenants, %d steps)\n", f, len(pb.Tenants), len(pb.Steps))
		}
		if err == nil {
			for _, a := range pb.Advice() { // stderr, never an error
				fmt.Fprintln(s.Err, a.String())
			}
		}
		if err == nil {
			if verr := pb.CheckVars(vars); !checkedVars || verr == nil {
				varErr, checkedVars = verr, true
			}
		}
	}
	if varErr != nil {
		return exitf(ExitInvalid, "%v", varErr) // a typo in --var is never ignored
	}
	if opts.format == "json" {
		out := make([]jsonDiagnostic, 0, len(all))
		for _, d := range all {
			out = append(out, jsonDiagnostic{File: d.Pos.File, Line: d.Pos.Line, Col: d.Pos.Col, Message: d.Message})
		}
		if err := writeJSON(s.Out, out); err != nil {
			return err
		}
	}
	if invalid > 0 {
		return &ExitError{Code: ExitInvalid, Err: fmt.Errorf("%d of %d playbooks invalid", invalid, len(opts.files)), Silent: true}
	}
	return nil
}

// reportLoadError prints playbook diagnostics to stderr (with a source
// snippet when stderr is a terminal) and returns a silent ExitInvalid; any
// other error is returned unchanged.
func reportLoadError(s *streams, err error) error {
	var ds playbook.Diagnostics
	if !errors.As(err, &ds) {
		return err
	}
	printDiagnostics(s.Err, ds, isTerminal(s.Err))
	return &ExitError{Code: ExitInvalid, Err: err, Silent: true}
}

// printDiagnostics writes one "file:line:col: message" line per problem,
// followed by the source line and a caret when snippets is true.
func printDiagnostics(w io.Writer, ds playbook.Diagnostics, snippets bool) {
	sources := map[string][]string{}
	for _, d := range ds {
		fmt.Fprintln(w, d.String())
		if snippets {
			writeSnippet(w, d.Pos, sources)
		}
	}
	if len(ds) > 1 {
		fmt.Fprintf(w, "%d problems\n", len(ds))
	}
}

// writeSnippet prints the line before and the line of pos, marking the
// column with a caret (go-task style).
func writeSnippet(w io.Writer, pos playbook.Pos, cache map[string][]string) {
	if pos.Line == 0 || pos.File == "" {
		return
	}
	lines, ok := cache[pos.File]
	if !ok {
		data, err := os.ReadFile(pos.File)
		if err == nil && len(data) <= playbook.MaxFileSize {
			lines = strings.Split(string(data), "\n")
		}
		cache[pos.File] = lines
	}
	if pos.Line > len(lines) {
		return
	}
	width := len(fmt.Sprint(pos.Line))
	if pos.Line > 1 {
		fmt.Fprintf(w, "  %*d | %s\n", width, pos.Line-1, strings.TrimRight(lines[pos.Line-2], "\r"))
	}
	fmt.Fprintf(w, "> %*d | %s\n", width, pos.Line, strings.TrimRight(lines[pos.Line-1], "\r"))
	if pos.Col > 0 {
		fmt.Fprintf(w, "  %*s | %s^\n", width, "", strings.Repeat(" ", pos.Col-1))
	}
}
