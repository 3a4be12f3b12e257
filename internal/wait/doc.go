// Package wait is the one home of the rules for waiting:
//   - Sleep waits under a context, returning as soon as the context ends;
//     packages that inject a clock for their tests (auth, transport, runner,
//     notify, the merge command) use it as the real one.
//   - RetryAfter reads the wait a server asked for in a Retry-After header
//     (seconds, fractions accepted, or an HTTP date), bounded to a day;
//     auth (Entra) and transport (Exchange) both honour it.
//
// It is a leaf: it imports nothing of the module, so every layer may use it
// (see layering_test.go).
package wait
