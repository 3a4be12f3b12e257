package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/exoplay/exoplay/results"
	"github.com/exoplay/exoplay/runner"
)

// openRun loads the plan and opens the run directory (pickRunDir): a new
// one, or for a resume (--resume, or --run-dir holding a run) the existing
// one, whose journal says what selection the run started with. A resume
// takes each selection flag it is not given from the journal, so a bare
// `--resume DIR` continues the run as it started; a flag that is given must
// agree with the journal (runner.Run checks, and refuses with exit 2, as it
// does for a changed playbook, inventory or mode).
func openRun(ios *streams, opts *runOptions) (plan *runner.Plan, dir *results.RunDir, resume bool, err error) {
	resuming := opts.resume != ""
	if opts.runDir != "" && opts.resume == "" {
		_, serr := os.Stat(filepath.Join(opts.runDir, results.EventsFile))
		resuming = serr == nil
	}
	if !resuming {
		var plan *runner.Plan
		if opts.planFile != "" {
			plan, err = loadReviewed(ios, opts) // reviewed.go
		} else if plan, err = opts.sel.load(opts.playbook); err != nil {
			err = reportLoadError(ios, err)
		}
		if err == nil {
			err = requirePlan(opts, plan)
		}
		if err != nil {
			return nil, nil, false, err
		}
		dir, resume, err := pickRunDir(ios, opts, plan.Playbook.Name)
		return plan, dir, resume, err
	}
	if opts.planFile != "" {
		return nil, nil, false, exitf(ExitInvalid, "--plan does not go with a resume: a resume continues the run as it started (its journal says whether it enforced a plan)")
	}
	sel, err := opts.sel.selection()
	if err != nil {
		return nil, nil, false, err
	}
	dir, resume, err = pickRunDir(ios, opts, "")
	if err != nil {
		return nil, nil, false, err
	}
	fail := func(err error) (*runner.Plan, *results.RunDir, bool, error) {
		dir.Close()
		return nil, nil, false, err
	}
	if msg := dir.Repaired(); msg != "" {
		fmt.Fprintln(ios.Err, "exoplay: warning: "+msg)
	}
	in, err := dir.StartedWith()
	if err != nil {
		return fail(exitf(ExitInvalid, "cannot resume %s: %v", dir.Path(), err))
	}
	if in != nil && in.ReviewedPlan != nil {
		// Resuming would send the unfinished writes without checking them
		// against the reviewed plan: refuse rather than widen what was reviewed.
		return fail(exitf(ExitInvalid, "cannot resume %s: it enforced the reviewed plan %s (sha256 %.12s…), and a resume does not check writes against a plan yet; review a new plan (exoplay plan --out FILE --check-reads) and start a new run with --plan FILE", dir.Path(), in.ReviewedPlan.Path, in.ReviewedPlan.SHA256))
	}
	if in != nil { // nil: a journal older than the inputs record; run as given
		if sel, err = runner.ResumeSelection(in.Selection, sel, opts.sel.given); err != nil {
			return fail(exitf(ExitInvalid, "cannot resume %s: %v", dir.Path(), err))
		}
	}
	if plan, err = opts.sel.audit.loadPlan(opts.playbook, sel); err != nil {
		return fail(reportLoadError(ios, err))
	}
	return plan, dir, resume, nil
}
