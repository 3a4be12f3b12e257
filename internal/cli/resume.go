package cli

import (
	"time"

	"github.com/exoplay/exoplay/results"
	"github.com/exoplay/exoplay/runner"
)

// openRunDir loads the plan and opens the run directory: a new one, or for
// --resume the one given, whose journal says what selection the run started
// with. A resume takes each selection flag it is not given from the
// journal, so a bare `--resume DIR` continues the run as it started; a flag
// that is given must agree with the journal (runner.Run checks, and refuses
// with exit 2, as it does for a changed playbook, inventory or mode).
func openRunDir(io *streams, opts *runOptions) (*runner.Plan, *results.RunDir, error) {
	if opts.resume == "" {
		plan, err := opts.sel.load(opts.playbook)
		if err != nil {
			return nil, nil, reportLoadError(io, err)
		}
		dir, err := results.Create(opts.out, plan.Playbook.Name, time.Now())
		if err != nil {
			return nil, nil, exitf(ExitInvalid, "%v", err)
		}
		return plan, dir, nil
	}
	sel, err := opts.sel.selection()
	if err != nil {
		return nil, nil, err
	}
	dir, err := results.Open(opts.resume)
	if err != nil {
		return nil, nil, exitf(ExitInvalid, "%v", err)
	}
	in, err := dir.StartedWith()
	if err != nil {
		dir.Close()
		return nil, nil, exitf(ExitInvalid, "cannot resume %s: %v", opts.resume, err)
	}
	if in != nil { // nil: a journal older than the inputs record; run as given
		if sel, err = runner.ResumeSelection(in.Selection, sel, opts.sel.given); err != nil {
			dir.Close()
			return nil, nil, exitf(ExitInvalid, "cannot resume %s: %v", opts.resume, err)
		}
	}
	plan, err := opts.sel.audit.loadPlan(opts.playbook, sel)
	if err != nil {
		dir.Close()
		return nil, nil, reportLoadError(io, err)
	}
	return plan, dir, nil
}
