package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
)

// sealRunDir ends a run: the report asked for with --report, then
// manifest.json over everything the run directory holds.
func sealRunDir(ios *streams, dir, format string, pb *playbook.Playbook, res *results.Results) error {
	if format != "" {
		path, err := writeRunReport(dir, format, res)
		if err != nil {
			return exitf(ExitStepFailed, "writing the %s report: %v", format, err)
		}
		fmt.Fprintf(ios.Err, "exoplay: %s report: %s\n", format, path)
	}
	// The playbook and inventory are entered with the hashes of the bytes
	// the run loaded (results.json's playbook sha256, the resume check's
	// inventory hashes): a file edited during a long run must not be sealed
	// as if the run had read the edit.
	inputs := []results.ManifestInput{}
	if pb.Path != "" {
		inputs = append(inputs, results.LoadedInput("playbook", pb.Path, pb.SHA256))
	}
	for i, inv := range pb.Inventory {
		if i >= len(pb.InventorySHA256) {
			return exitf(ExitStepFailed, "writing the manifest: the inventory %s has no hash from its loading", inv)
		}
		inputs = append(inputs, results.LoadedInput("inventory", inv, pb.InventorySHA256[i]))
	}
	add := func(role, path string) error {
		in, err := results.InputFile(role, path)
		if err != nil {
			return exitf(ExitStepFailed, "writing the manifest: %v", err)
		}
		inputs = append(inputs, in)
		return nil
	}
	for _, wf := range pb.WaiverFiles {
		if err := add("waivers", wf); err != nil {
			return err
		}
	}
	// A shipped baseline is no file to hash again later: its version is
	// the sha256 of the bytes the run included.
	for _, inc := range pb.Includes {
		inputs = append(inputs, results.ManifestInput{Role: "baseline", Path: inc.Name, Version: inc.SHA256})
	}
	if _, err := results.WriteManifest(dir, res, inputs, time.Now()); err != nil {
		return exitf(ExitStepFailed, "writing the manifest: %v", err)
	}
	return nil
}

type verifyOptions struct {
	IO     *streams // the command's standard streams
	dir    string
	format string
}

func newVerifyCmd(ios *streams) *cobra.Command {
	opts := &verifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify RUN_DIR",
		Short: "Check a run directory against its manifest.json (tamper evidence)",
		Long: `Hash every file of a run directory and compare with the manifest.json the run
wrote when it ended: a file changed, missing or added since then is named,
and the exit code is 1. The playbook and inventory files the run read are
compared too, where they still are; a change there is reported but does not
fail the check (editing a playbook after a run does not alter its evidence).
exoplay.log is not covered: it is diagnostics, not evidence.

Exit codes: 0 intact, 1 a file differs, 2 no manifest or not a run directory.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.dir = args[0]
			opts.IO = ios
			return runVerify(cmd.Context(), opts)
		},
	}
	formatVar(cmd.Flags(), &opts.format, "text|json", textOrJSON)
	return cmd
}

func runVerify(_ context.Context, opts *verifyOptions) error {
	ios := opts.IO
	m, diffs, err := results.Verify(opts.dir)
	if err != nil {
		return exitf(ExitInvalid, "%v", err)
	}
	failed := 0
	for _, d := range diffs {
		if d.Role == "" {
			failed++
		}
	}
	if opts.format == "json" {
		if err := writeJSON(ios.Out, struct {
			RunID         string                `json:"run_id"`
			Files         int                   `json:"files"`
			Intact        bool                  `json:"intact"`
			Discrepancies []results.Discrepancy `json:"discrepancies"`
		}{m.RunID, len(m.Files), failed == 0, append([]results.Discrepancy{}, diffs...)}); err != nil {
			return err
		}
	} else {
		for _, d := range diffs {
			switch d.Kind {
			case "input-changed":
				fmt.Fprintf(ios.Out, "note: the %s %s changed since the run\n", d.Role, d.Path)
			case "input-missing":
				fmt.Fprintf(ios.Out, "note: the %s %s is no longer there\n", d.Role, d.Path)
			default:
				fmt.Fprintf(ios.Out, "%s: %s\n", d.Kind, d.Path)
			}
		}
		if failed == 0 {
			fmt.Fprintf(ios.Out, "ok: %d file(s) of run %s match manifest.json\n", len(m.Files), m.RunID)
		}
	}
	if failed > 0 {
		return exitf(ExitStepFailed, "%s: %d file(s) differ from manifest.json (written %s)", opts.dir, failed, m.Written.Format(time.RFC3339))
	}
	return nil
}
