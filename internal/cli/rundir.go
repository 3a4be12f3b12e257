package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/exoplay/exoplay/results"
)

// pickRunDir opens the run directory of `exoplay run`: --resume's, a new one
// under --out, or --run-dir's, which is resumed when it holds a run and
// created when absent. A Job's retried pod runs the same arguments as the
// first: with --run-dir it continues the shard the killed pod started
// instead of starting it over in a new directory.
func pickRunDir(ios *streams, opts *runOptions, name string) (dir *results.RunDir, resume bool, err error) {
	switch {
	case opts.runDir != "" && opts.resume != "":
		return nil, false, exitf(ExitInvalid, "--run-dir and --resume both name the run directory: give one")
	case opts.resume != "":
		dir, err = results.Open(opts.resume)
		resume = true
	case opts.runDir != "":
		_, serr := os.Stat(filepath.Join(opts.runDir, results.EventsFile))
		switch {
		case serr == nil:
			fmt.Fprintf(ios.Err, "exoplay: %s holds a run: resuming it\n", opts.runDir)
			dir, err = results.Open(opts.runDir)
			resume = true
		case errors.Is(serr, fs.ErrNotExist):
			dir, err = results.CreateAt(opts.runDir)
		default:
			err = serr
		}
	default:
		dir, err = results.Create(opts.out, name, time.Now())
	}
	if err != nil {
		return nil, false, exitf(ExitInvalid, "%v", err)
	}
	return dir, resume, nil
}
