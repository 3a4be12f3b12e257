package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/spf13/cobra"

	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
)

type mergeOptions struct {
	dirs     []string
	out      string
	playbook string
	format   string
	argv     []string
}

func newMergeCmd(io *streams) *cobra.Command {
	opts := &mergeOptions{}
	cmd := &cobra.Command{
		Use:   "merge RUN_DIR... --out DIR",
		Short: "Combine the run directories of a sharded run into one",
		Long: `merge combines the run directories of the shards of one run (exoplay run
--shard I/N or --shard auto, one playbook, one N) into the run directory DIR:
results.json over every tenant, data/ of every shard, and events.jsonl,
exoplay.log and every other JSON-lines file of the shards, concatenated. Every
report reads DIR as it reads a single run.

A RUN_DIR that is not a run directory but holds run directories (the --out
folder the shards shared) stands for all of them. Shards of another playbook
(sha256), of another N, or given twice are refused (exit 2). A shard that is
missing or did not finish is named on stderr and in results.json
(run.merged), and the merged run is incomplete: exit 130, as an interrupted
run. Re-run the shard (exoplay run --resume DIR) and merge again into the same
DIR.

Tenants follow the playbook's order when the playbook is found (--playbook,
else the path the shards recorded) and has the shards' sha256; else they are
sorted by name.

` + exitCodesHelp,
		Example: `  exoplay merge runs/shard-0 runs/shard-1 runs/shard-2 runs/shard-3 --out runs/merged
  exoplay merge /results/audit-29121440 --out /results/audit-29121440-merged`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.dirs = args
			opts.argv = append([]string{"exoplay"}, io.argv...)
			return runMerge(cmd.Context(), io, opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.out, "out", "o", "", "the merged run `DIR` (new, empty, or an earlier merge, which is replaced)")
	f.StringVar(&opts.playbook, "playbook", "", "the shards' playbook `FILE`, for the tenants' order (default: the path the shards recorded)")
	f.StringVar(&opts.format, "format", "text", "stdout format: text (summary), json (results.json), jsonl or csv")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

func runMerge(_ context.Context, io *streams, opts *mergeOptions) error {
	switch opts.format {
	case "text", "json", "jsonl", "csv":
	default:
		return exitf(ExitInvalid, "--format must be text, json, jsonl or csv, not %q", opts.format)
	}
	dirs, err := shardDirs(opts.dirs, opts.out)
	if err != nil {
		return exitf(ExitInvalid, "%v", err)
	}
	res, err := results.Merge(opts.out, dirs, results.MergeOptions{
		Argv:     opts.argv,
		OrderFor: func(p results.Playbook) []string { return playbookOrder(io, opts.playbook, p) },
	})
	if errors.Is(err, results.ErrMergeRefused) {
		return exitf(ExitInvalid, "%v", err)
	}
	if err != nil {
		return exitf(ExitStepFailed, "merging into %s: %v", opts.out, err)
	}
	for _, s := range res.Run.Merged.Incomplete() {
		where := ""
		if s.Dir != "" {
			where = " (" + s.Dir + ")"
		}
		fmt.Fprintf(io.Err, "exoplay: merge: shard %s%s is %s: %s\n", s.Shard, where, s.Status, s.Reason)
	}
	if err := printResults(io.Out, opts.format, res, opts.out); err != nil {
		return exitf(ExitStepFailed, "writing results: %v", err)
	}
	if code := res.Summary.ExitCode; code != ExitOK {
		return &ExitError{Code: code, Silent: true}
	}
	return nil
}

// shardDirs expands the arguments: a run directory stands for itself; a
// folder that is not one but holds run directories stands for those (a Job
// has no shell to expand a glob). out is never one of them.
func shardDirs(args []string, out string) ([]string, error) {
	isRun := func(d string) bool {
		_, err := os.Stat(filepath.Join(d, results.EventsFile))
		return err == nil
	}
	absOut, _ := filepath.Abs(out)
	var dirs []string
	for _, a := range args {
		if isRun(a) {
			dirs = append(dirs, a)
			continue
		}
		entries, err := os.ReadDir(a)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", a, err)
		}
		found := false
		for _, e := range entries {
			d := filepath.Join(a, e.Name())
			if abs, _ := filepath.Abs(d); e.IsDir() && abs != absOut && isRun(d) {
				dirs, found = append(dirs, d), true
			}
		}
		if !found {
			return nil, fmt.Errorf("%s is not an exoplay run directory (no %s) and holds none", a, results.EventsFile)
		}
	}
	return slices.Compact(dirs), nil
}

// playbookOrder lists the tenant names of the playbook the shards ran, in
// its order: from path, else the path the shards recorded, when it loads
// and has their sha256. Nil (and a note on stderr) otherwise.
func playbookOrder(io *streams, path string, ran results.Playbook) []string {
	if path == "" {
		path = ran.Path
	}
	pb, err := playbook.Load(path, playbook.LoadOptions{})
	if err != nil {
		fmt.Fprintf(io.Err, "exoplay: merge: tenants sorted by name: the playbook %s does not load (%v)\n", path, firstLine(err))
		return nil
	}
	if ran.SHA256 != "" && pb.SHA256 != ran.SHA256 {
		fmt.Fprintf(io.Err, "exoplay: merge: tenants sorted by name: %s changed since the shards ran (sha256 %.12s…, they ran %.12s…)\n", path, pb.SHA256, ran.SHA256)
		return nil
	}
	names := make([]string, len(pb.Tenants))
	for i, t := range pb.Tenants {
		names[i] = t.Name
	}
	return names
}

func firstLine(err error) string {
	s := err.Error()
	for i, r := range s {
		if r == '\n' {
			return s[:i] + " …"
		}
	}
	return s
}
