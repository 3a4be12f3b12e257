// Package cli is exoplay's command line: one file per subcommand, each an
// options struct filled by cobra and a runX(ctx, opts) function that does
// the work. It is the only package that wires the others together (playbook,
// auth, transport, runner, results, the emulator) and the one place where
// errors become exit codes.
package cli
