// Command bench measures exoplay against the emulator the way a user runs it:
// the harness hosts the emulator (internal/emulator) in its own process, builds
// the exoplay binary once, and runs `exoplay run PLAYBOOK` as a child process
// whose playbook reaches the emulator through connection_uri / authority_uri
// with client-secret auth, as a real cloud would be reached.
//
// It prints a table (figure, aim, met?, the command that reproduces it) and
// writes the same as JSON to bench/out/. Scenarios:
//
//	sched  makespan of a 600-item foreach write over 50 tenants vs the ideal
//	cpu    client CPU seconds per 10,000 cmdlet calls
//	rss    peak RSS of exporting 20,000 and 200,000 mailboxes of one tenant
//	cold   process start to the first InvokeCommand, minus the token round trip
//
// Usage:
//
//	go run ./bench                      # everything (a few minutes)
//	go run ./bench -quick               # small smoke run
//	go run ./bench -only sched,cold     # some scenarios
//	go run ./bench -only cpu -profile   # also write a CPU profile of the child
//	go run ./bench -h                   # sizes, knobs, quiet-machine wait
//
// The child is started through bench/rusage so that its peak RSS is its own
// (see README.md), and the sched and cpu scenarios compare exoplay with a
// minimal Go client sending the same calls (the harness binary re-executed
// with BENCH_FLOOR_SPEC).
//
// See bench/README.md for what each figure means and the figures measured.
package main
