package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/exoplay/exoplay/results"
)

// Exit codes (DESIGN.md §3), defined once in package results.
const (
	ExitOK           = results.ExitOK
	ExitStepFailed   = results.ExitStepFailed
	ExitInvalid      = results.ExitInvalid
	ExitNonCompliant = results.ExitNonCompliant
	ExitAuthFailed   = results.ExitAuthFailed
	ExitInterrupted  = results.ExitInterrupted
)

const exitCodesHelp = `Exit codes:
  0    every step succeeded (or was skipped) in every tenant
  1    a step failed for some tenant
  2    invalid invocation or playbook
  3    the run finished but assertions failed (non-compliant)
  4    every tenant failed to authenticate
  130  interrupted (partial results written; resume with --resume RUN_DIR)`

// ExitError carries the exit code an error should end the process with.
// Silent means the message was already shown to the user.
type ExitError struct {
	Code   int
	Err    error
	Silent bool
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}
func (e *ExitError) Unwrap() error { return e.Err }

// exitf returns an ExitError with a formatted message.
func exitf(code int, format string, args ...any) error {
	return &ExitError{Code: code, Err: fmt.Errorf(format, args...)}
}

// streams are the process's standard streams; tests pass buffers.
type streams struct {
	In       io.Reader
	Out, Err io.Writer
	argv     []string // the command line without the program name, for the run record
}

// Main runs exoplay with args (without the program name) and returns the
// process exit code. It is the only exit point.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ios := &streams{In: stdin, Out: stdout, Err: stderr, argv: args}
	root := newRootCmd(ios)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if !ee.Silent && ee.Err != nil {
			fmt.Fprintf(stderr, "exoplay: %v\n", ee.Err)
		}
		return ee.Code
	}
	// Anything else is a usage problem reported by cobra (unknown flag,
	// wrong number of arguments).
	fmt.Fprintf(stderr, "exoplay: %v\n", err)
	return ExitInvalid
}

func newRootCmd(ios *streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "exoplay",
		Short: "Run declarative Exchange Online playbooks across many Microsoft 365 tenants",
		Long: `exoplay runs YAML playbooks of Exchange Online (and Security & Compliance)
cmdlets across many Microsoft 365 organizations at once, over the same REST
endpoint the ExchangeOnlineManagement v3 module uses. No PowerShell, no WinRM,
no module download.

` + exitCodesHelp,
		Example: `  exoplay run examples/quickstart.yaml          # against the built-in emulator
  exoplay validate examples/*.yaml
  exoplay plan playbook.yaml --limit 'eu,!contoso'
  exoplay run playbook.yaml --check --format json > evidence.json`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newRunCmd(ios),
		newMergeCmd(ios),
		newValidateCmd(ios),
		newPlanCmd(ios),
		newPreflightCmd(ios),
		newSchemaCmd(ios),
		newEmulatorCmd(ios),
		newAuthCmd(ios),
		newVersionCmd(ios),
		newReportCmd(ios),
		newDiffCmd(ios),
		newVerifyCmd(ios),
		newShowCmd(ios),
		newBaselineCmd(ios),
		newAuditCmd(ios),
		newCmdletCmd(ios),
		newCassetteCmd(ios),
	)
	return root
}

// isTerminal reports whether v (a standard stream) is a terminal: a person
// may be watching, and, for stdin, could answer.
func isTerminal(v any) bool {
	f, ok := v.(fder) // an *os.File, or a scrubbing writer around one
	return ok && term.IsTerminal(int(f.Fd()))
}

// fder is a stream with a file descriptor.
type fder interface{ Fd() uintptr }
