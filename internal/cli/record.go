package cli

import (
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/exoplay/exoplay/internal/cassette"
	"github.com/exoplay/exoplay/results"
)

// recordFlags are run's --record and --record-redact-pii (issue 8 item 5).
type recordFlags struct {
	dir       string
	redactPII bool
}

func (r *recordFlags) addTo(f *pflag.FlagSet) {
	f.StringVar(&r.dir, "record", "", "write every HTTP exchange of the run (token requests, InvokeCommand, paging, $batch) as cassettes into `DIR`, tokens, secrets, Authorization and cookies removed; `exoplay emulator --replay DIR` answers from them, `exoplay cassette check DIR` compares them with the emulator")
	f.BoolVar(&r.redactPII, "record-redact-pii", false, "with --record: replace e-mail addresses, UPNs, domains, GUIDs and the values of name properties (DisplayName, Name, Alias, Identity, ...) by consistent stand-ins (user1@domain1.example, ...)")
}

// open starts the recorder, nil without --record. secrets scrubs the run's
// known secret values from the cassettes too.
func (r *recordFlags) open(secrets *results.Secrets) (*cassette.Recorder, error) {
	if r.dir == "" {
		if r.redactPII {
			return nil, exitf(ExitInvalid, "--record-redact-pii needs --record DIR")
		}
		return nil, nil
	}
	rec, err := cassette.NewRecorder(cassette.Options{Dir: r.dir, RedactPII: r.redactPII, Scrub: secrets.Scrub})
	if err != nil {
		return nil, exitf(ExitInvalid, "%v", err)
	}
	return rec, nil
}

// finishRecording says on stderr how many exchanges were recorded (it
// logged them at info, which the default --log-level warn hides); a write
// error is the run's failure (the user asked for the recording).
func finishRecording(rec *cassette.Recorder, dir string, stderr io.Writer) error {
	if rec == nil {
		return nil
	}
	n, err := rec.Close()
	if err != nil {
		return exitf(ExitStepFailed, "%v", err)
	}
	fmt.Fprintf(stderr, "exoplay: recorded %d exchange(s) in %s\n", n, dir)
	return nil
}
