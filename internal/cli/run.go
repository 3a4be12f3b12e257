package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/exoplay/exoplay/internal/connect"
	"github.com/exoplay/exoplay/results"
	"github.com/exoplay/exoplay/runner"
)

type runOptions struct {
	IO        *streams // the command's standard streams
	playbook  string
	sel       selectionFlags
	check     bool
	diff      bool // --diff: print ensure: steps' before/after per property
	out       string
	resume    string
	runDir    string
	notify    notifyFlags
	format    string
	progress  string
	logLevel  string
	logFormat string
	report    string
	network   connect.Network // --ca-file, --connect-to
	leaseDir  string
	planFile  string
	gate      *writeGate // run --plan of a plan with its writes (planwrites.go)
	preflight preflightFlag
	record    recordFlags
	argv      []string
	failOn    string
	// print writes the results to stdout; nil = printResults (audit sets its own).
	print func(w io.Writer, format string, res *results.Results, dir string) error
	// handleSignals is false in tests that drive runRun in-process.
	handleSignals bool
}

func newRunCmd(ios *streams) *cobra.Command {
	opts := &runOptions{handleSignals: true}
	cmd := &cobra.Command{
		Use:   "run PLAYBOOK",
		Short: "Run a playbook's steps across its tenants",
		Long: `Run a playbook: sign in to each selected tenant, run its steps in order (at most
max_sessions_per_org requests in flight per organization), and write the run
directory OUT/<UTC time>-<playbook name>/ with results.json, events.jsonl,
data/<tenant>/<step>.jsonl and exoplay.log.

stdout carries the summary (or results.json with --format json); logs and
progress go to stderr.

` + exitCodesHelp,
		Example: `  exoplay run examples/quickstart.yaml
  exoplay run msp.yaml --limit 'eu,!contoso' --check
  exoplay run msp.yaml --tags remediate --var desired=false --format json
  exoplay run msp.yaml --resume runs/20261122T070000Z-msp`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.playbook = args[0]
			opts.argv = append([]string{"exoplay"}, ios.argv...)
			opts.IO = ios
			opts.preflight.set = cmd.Flags().Changed("preflight")
			return runRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	opts.sel.addTo(f)
	f.BoolVar(&opts.check, "check", false, "send reads only; report the writes that would run, with their parameters")
	f.BoolVar(&opts.diff, "diff", false, "print each ensure: step's differences (property: before -> after) in the text output")
	f.StringVar(&opts.out, "out", "runs", "folder for run directories")
	f.StringVar(&opts.resume, "resume", "", "continue the interrupted run in `RUN_DIR`: only unfinished cells run, confirmed writes never repeat")
	opts.notify.addTo(f)
	f.StringVar(&opts.runDir, "run-dir", "", "write into this run `DIR` itself (not a folder of runs): created when absent, resumed as with --resume when it holds a run; for a Job whose retried pod must continue its shard")
	opts.addOutputFlags(f, "stdout format: text (summary), json (results.json), jsonl (a line per tenant x step) or csv (a row per tenant x step x assertion)")
	addLeaseFlag(f, &opts.leaseDir)
	opts.preflight.addTo(f)
	f.StringVar(&opts.planFile, "plan", "", "run the plan reviewed in `FILE` (exoplay plan --out): refused when the playbook, an inventory file, the tenants or the selection changed")
	opts.record.addTo(f)
	return cmd
}

func runRun(ctx context.Context, opts *runOptions) error {
	ios := opts.IO
	if opts.diff && opts.format != "text" {
		return exitf(ExitInvalid, "--diff prints differences in the text output; --format %s carries them already (diffs of each step)", opts.format)
	}
	level, err := zerolog.ParseLevel(opts.logLevel) // one of logLevels (runflags.go)
	if err != nil {
		return exitf(ExitInvalid, "--log-level: %v", err)
	}

	plan, dir, resume, err := openRun(ios, opts) // resume.go
	if err != nil {
		return err
	}
	pb := plan.Playbook
	secrets := commandSecrets(pb, plan.Selection.Vars)
	ios = ios.scrubbed(secrets)
	defer dir.Close()
	dir.SetSecrets(secrets)
	target, err := opts.notify.target(pb, plan.Selection.Shard.Count > 1)
	if err != nil {
		return err
	}

	logger := newLogger(ios.Err, dir.LogFile(), level, opts.logFormat)

	rec, err := opts.record.open(secrets)
	if err != nil {
		return err
	}
	conn, closeConn, err := openConnector(ios, plan, opts.network, rec, secrets, logger) // preflight.go
	if err != nil {
		return err
	}
	defer closeConn()

	leases, err := openLeases(opts.leaseDir, plan.Tenants) // lease.go
	if err != nil {
		return err
	}

	blocked, err := opts.preflight.run(ctx, ios, plan, opts.check, conn) // preflight_run.go
	if err != nil {
		return err
	}

	drain := make(chan struct{})
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if opts.handleSignals {
		stop := watchSignals(ios.Err, drain, cancel)
		defer stop()
	}

	res, err := runner.Run(runCtx, runner.Options{
		Plan:       plan,
		Check:      opts.check,
		Connector:  conn,
		Dir:        dir,
		Resume:     resume,
		Observer:   newProgress(opts.progress, ios.Err, isTerminal(ios.Err)),
		Logger:     logger,
		Drain:      drain,
		Argv:       opts.argv,
		Version:    Version(),
		FailOn:     opts.failOn,
		Leases:     leases,
		Blocked:    blocked,
		AllowWrite: opts.gate.allow(secrets),
	})
	if rerr := (*runner.ResumeError)(nil); errors.As(err, &rerr) {
		return exitf(ExitInvalid, "%v", err)
	}
	if err != nil {
		return exitf(ExitStepFailed, "%v", err)
	}
	res = secrets.ScrubResults(res) // what is printed and reported
	// planwrites.go: planned writes the run did not make
	if err := opts.gate.unused(ios.Err, res, dir); err != nil {
		return err
	}
	if err := finishRecording(rec, opts.record.dir, ios.Err); err != nil {
		return err
	}
	if err := sealRunDir(ios, dir.Path(), opts.report, pb, res); err != nil {
		return err
	}
	print := printResults
	if opts.print != nil {
		print = opts.print
	}
	if err := print(ios.Out, opts.format, res, dir.Path()); err != nil {
		return exitf(ExitStepFailed, "writing results: %v", err)
	}
	if opts.format == "text" {
		if opts.diff {
			results.PrintDiffs(ios.Out, res)
		}
		if err := writeShowTables(ios.Out, ios.Err, pb, res, dir.Path()); err != nil {
			return exitf(ExitStepFailed, "writing results: %v", err)
		}
	}
	announce(ios, target, res, dir.Path(), opts.notify.sleep)
	if code := res.Summary.ExitCode; code != ExitOK {
		return &ExitError{Code: code, Silent: true}
	}
	return nil
}

func printResults(w io.Writer, format string, res *results.Results, dir string) error {
	switch format {
	case "json":
		return results.WriteJSON(w, res)
	case "jsonl":
		return results.WriteJSONL(w, res)
	case "csv":
		return results.WriteCSV(w, res)
	default:
		return results.WriteSummary(w, res, dir)
	}
}

// watchSignals closes drain on the first SIGINT/SIGTERM (no new calls start;
// in-flight ones finish and results are written) and cancels everything on
// the second (writes that never left are journaled as not sent, results are
// written), and exits at once on a third.
func watchSignals(stderr io.Writer, drain chan struct{}, cancel context.CancelFunc) (stop func()) {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-ch:
		case <-done:
			return
		}
		fmt.Fprintln(stderr, "exoplay: interrupted: finishing calls in flight and writing results (press Ctrl-C again to stop at once)")
		close(drain)
		// Bound the wait for calls in flight.
		grace := time.NewTimer(30 * time.Second)
		defer grace.Stop()
		select {
		case <-ch:
			// Cancel the calls in flight; the run then journals the writes
			// that never left as not sent and writes results.json. A third
			// signal, or a run that does not end within seconds, exits at
			// once: the journal is synced, so the run can be resumed.
			cancel()
			fmt.Fprintln(stderr, "exoplay: stopping: cancelling calls in flight (press Ctrl-C again to exit at once); resume with --resume")
			quit := time.NewTimer(10 * time.Second)
			defer quit.Stop()
			select {
			case <-ch:
			case <-quit.C:
			case <-done:
				return
			}
			fmt.Fprintln(stderr, "exoplay: stopped; resume with --resume")
			os.Exit(ExitInterrupted)
		case <-grace.C:
			cancel()
		case <-done:
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

// newLogger logs to stderr at the chosen level and JSON lines to the run's
// exoplay.log at info and up, or at debug when asked: a debug line per HTTP
// request costs a write(2) per call, measurable on runs of thousands.
func newLogger(stderr, file io.Writer, level zerolog.Level, format string) zerolog.Logger {
	fileLevel := min(level, zerolog.InfoLevel)
	var console io.Writer = stderr
	if format != "json" {
		console = zerolog.ConsoleWriter{Out: stderr, TimeFormat: time.TimeOnly, NoColor: !isTerminal(stderr)}
	}
	multi := zerolog.MultiLevelWriter(
		&zerolog.FilteredLevelWriter{Writer: zerolog.LevelWriterAdapter{Writer: console}, Level: level},
		&zerolog.FilteredLevelWriter{Writer: zerolog.LevelWriterAdapter{Writer: file}, Level: fileLevel},
	)
	return zerolog.New(multi).Level(fileLevel).With().Timestamp().Logger()
}
