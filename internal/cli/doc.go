// Package cli is exoplay's command line: one file per subcommand, each an
// options struct filled by cobra and a runX(ctx, opts) function that does
// the work. It wires the others together (playbook, runner, results, the
// emulator; tenant sign-in through internal/connect) and is the one place
// where errors become exit codes.
package cli
