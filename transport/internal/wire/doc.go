// Package wire is the hand-written JSON codec of the InvokeCommand protocol:
// the request body encoder (the module's encoding of PowerShell values,
// exo-rest-protocol.md §3.2) and the result page decoders (the envelope of
// §4.1, streamed or read whole, OData annotations stripped), plus the JSON
// helpers they share (validation, string quoting, skipping).
//
// It knows nothing of HTTP, retries, cmdlet names in messages or secrets:
// its failures are *Error values of a few kinds, which package transport
// turns into its own errors and retry decisions, and the texts it hands back
// (warnings, confirmation texts) are redacted by the transport.
package wire
