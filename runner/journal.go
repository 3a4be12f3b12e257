package runner

import (
	"fmt"

	"github.com/exoplay/exoplay/results"
)

// record journals evs; the journal decides how durable each must be
// (results.durabilityOf). The first error stops the run: no new tenant,
// step or call starts, nothing more is sent, and Run reports the error
// (exit 1) after writing results.json.
func (r *run) record(evs ...results.Event) error {
	err := r.journal.Record(evs...)
	if err != nil {
		r.journalFailed(err)
	}
	return err
}

func (r *run) journalFailed(err error) {
	r.jerrOnce.Do(func() {
		r.jerr = err
		r.interrupted.Store(true)
		close(r.jstop)
		r.opts.Logger.Error().Err(err).Msg("the run journal cannot be written: stopping the run")
	})
}

// journalError is Run's error when the journal failed: the run stopped
// early, and only what results.json lists as finished was done.
func (r *run) journalError() error {
	select {
	case <-r.jstop:
		return fmt.Errorf("the run journal cannot be written: %v; the run stopped and sent nothing more; %s lists what finished; free space or fix the folder, then resume with --resume %s",
			r.jerr, results.ResultsFile, r.opts.Dir.Path())
	default:
		return nil
	}
}
