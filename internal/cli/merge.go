package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/exoplay/exoplay/internal/wait"
	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
)

type mergeOptions struct {
	IO       *streams // the command's standard streams
	dirs     []string
	out      string
	playbook string
	format   string
	argv     []string
	// wait bounds how long to wait for every shard to finish; poll is the
	// interval between looks; count the shards to wait for.
	wait, poll time.Duration
	count      int
	sleep      func(context.Context, time.Duration) error // nil = a real timer
	notify     notifyFlags
	ran        *playbook.Playbook // the shards' playbook, once found
	now        func() time.Time
}

func newMergeCmd(ios *streams) *cobra.Command {
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
			opts.argv = append([]string{"exoplay"}, ios.argv...)
			opts.IO = ios
			return runMerge(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.out, "out", "o", "", "the merged run `DIR` (new, empty, or an earlier merge, which is replaced)")
	f.StringVar(&opts.playbook, "playbook", "", "the shards' playbook `FILE`, for the tenants' order (default: the path the shards recorded)")
	formatVar(f, &opts.format, "stdout format: text (summary), json (results.json), jsonl or csv", resultsFormats)
	f.DurationVar(&opts.wait, "wait", 0, "wait up to `D` (e.g. 6h) for every shard to finish before merging, looking every --poll; a shard still unfinished then is named and the merge is incomplete")
	f.DurationVar(&opts.poll, "poll", 15*time.Second, "with --wait: how often to look at the shards")
	f.IntVar(&opts.count, "shard-count", 0, "with --wait: the number of shards to wait for (default: the N the first shard to start records)")
	opts.notify.addTo(f)
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

func runMerge(ctx context.Context, opts *mergeOptions) error {
	ios := opts.IO
	if opts.wait > 0 {
		if err := waitForShards(ctx, ios, opts); err != nil {
			return err
		}
	}
	dirs, err := shardDirs(opts.dirs, opts.out)
	if err != nil {
		return exitf(ExitInvalid, "%v", err)
	}
	// Before anything is written into --out: a refused merge leaves it as
	// it was.
	if opts.count > 0 {
		if n, _ := results.ShardProgress(dirs); n > 0 && n != opts.count {
			return exitf(ExitInvalid, "--shard-count %d, but the shards ran as %d shards", opts.count, n)
		}
	}
	res, err := results.Merge(opts.out, dirs, results.MergeOptions{
		Argv: opts.argv,
		OrderFor: func(p results.Playbook) []string {
			opts.ran = shardsPlaybook(ios, opts.playbook, p)
			return tenantNames(opts.ran)
		},
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
		fmt.Fprintf(ios.Err, "exoplay: merge: shard %s%s is %s: %s\n", s.Shard, where, s.Status, s.Reason)
	}
	if err := printResults(ios.Out, opts.format, res, opts.out); err != nil {
		return exitf(ExitStepFailed, "writing results: %v", err)
	}
	// The shards do not announce themselves (a shard's run skips the
	// playbook's notify:); the merge announces the whole run.
	target, err := opts.notify.target(opts.ran, false)
	if err != nil {
		fmt.Fprintf(ios.Err, "exoplay: warning: not notified: %v\n", err)
	}
	announce(ios, target, res, opts.out, opts.notify.sleep)
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

// shardsPlaybook loads the playbook the shards ran: from path, else the
// path the shards recorded, when it loads and has their sha256. Nil (and a
// note on stderr) otherwise.
func shardsPlaybook(ios *streams, path string, ran results.Playbook) *playbook.Playbook {
	if path == "" {
		path = ran.Path
	}
	pb, err := playbook.Load(path, playbook.LoadOptions{})
	if err != nil {
		fmt.Fprintf(ios.Err, "exoplay: merge: tenants sorted by name: the playbook %s does not load (%v)\n", path, firstLine(err))
		return nil
	}
	if ran.SHA256 != "" && pb.SHA256 != ran.SHA256 {
		fmt.Fprintf(ios.Err, "exoplay: merge: tenants sorted by name: %s changed since the shards ran (sha256 %.12s…, they ran %.12s…)\n", path, pb.SHA256, ran.SHA256)
		return nil
	}
	return pb
}

// tenantNames lists the playbook's tenant names in its order (nil for no
// playbook).
func tenantNames(pb *playbook.Playbook) []string {
	if pb == nil {
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

// waitForShards looks at the shards every opts.poll until all of them have
// finished or opts.wait has passed; the merge then runs either way, and
// names what is missing. A merge Job started with the Indexed Job so waits
// for it without a controller of its own.
func waitForShards(ctx context.Context, ios *streams, opts *mergeOptions) error {
	now, sleep := opts.now, opts.sleep
	if now == nil {
		now = time.Now
	}
	if sleep == nil {
		sleep = wait.Sleep
	}
	deadline := now().Add(opts.wait)
	for {
		dirs, _ := shardDirs(opts.dirs, opts.out) // none yet is fine while waiting
		count, finished := results.ShardProgress(dirs)
		if opts.count > 0 {
			count = opts.count
		}
		if count > 0 && len(finished) >= count {
			return nil
		}
		left := deadline.Sub(now())
		if left <= 0 {
			fmt.Fprintf(ios.Err, "exoplay: merge: waited %v; %d of %s shards finished: merging what there is\n", opts.wait, len(finished), countText(count))
			return nil
		}
		fmt.Fprintf(ios.Err, "exoplay: merge: %d of %s shards finished; looking again in %v\n", len(finished), countText(count), min(opts.poll, left))
		if err := sleep(ctx, min(opts.poll, left)); err != nil {
			return exitf(ExitInterrupted, "merge: stopped while waiting for the shards")
		}
	}
}

func countText(n int) string {
	if n == 0 {
		return "? (none has started)"
	}
	return fmt.Sprint(n)
}
