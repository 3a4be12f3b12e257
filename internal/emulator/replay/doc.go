// Package replay answers InvokeCommand calls from cassettes recorded by
// `exoplay run --record` (issue 8 item 5): `exoplay emulator --replay DIR`.
//
// It reads the cassette files with its own decoder: the emulator imports
// nothing of the product (DESIGN §1), so it does not use the recorder's
// package (internal/cassette); the format, described in that package's
// doc.go, is the contract, and the round-trip test in internal/cli
// (TestRecordReplayRoundTripsTheQuickstart) holds both sides to it.
//
// A call is matched by tenant (the URL's tenant segment; when no recording
// of that segment exists, the only tenant that recorded the call), cmdlet
// (case-insensitive), parameters (names case-insensitive, values as JSON)
// and page (the $skiptoken of the URL, which the recorded answer's
// @odata.nextLink carried). Calls recorded several times with the same key
// (a read before and after a write) are answered in the recorded order; the
// last answer repeats once they are used up. $batch cassettes are split
// into their items, so a call is answered whether it comes alone or in a
// batch. A miss is the caller's to report (the emulator answers 501 naming
// the cmdlet and parameters).
//
// Only Exchange's answers are replayed. Entra ID (tokens, discovery) is
// still served by the emulator: recorded token exchanges carry no tokens
// (they are removed when recording) and are skipped.
package replay
