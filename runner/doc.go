// Package runner runs a playbook: tenants × steps, under the concurrency
// rules of DESIGN.md §5, with the step semantics of §2, writing the run
// directory of §4 through package results.
//
// The runner does not know HTTP, tokens or clouds. It defines what it needs
// from a signed-in organization (Session) and from sign-in (Connector); the
// CLI wires the real ones (auth + transport) behind those interfaces.
//
// Concurrency. Tenants run in an errgroup limited by max_parallel_tenants;
// the steps of a tenant run in order; foreach items fan out. Every HTTP
// attempt of a session passes through its organization's Limiter (one per
// tenant id from the token, so tenant entries that reach the same
// organization share it): a weighted semaphore of max_sessions_per_org
// permits, across steps, foreach items, page fetches and $batch calls. When
// the service throttles, the limiter blocks new requests of that
// organization until Retry-After has passed, lowers its concurrency by one
// (at most once per DecreaseGap, never below 1), and gives one permit back
// after RecoverAfter successful requests once the organization has been
// quiet for Quiet. Other organizations are not touched.
//
// Step semantics. when is evaluated once per step, or per item when it
// reads item; foreach items run concurrently and their output is kept in
// input order; select keeps properties whose names match (case-insensitive,
// '*', '?' and '[...]' globs) in the service's order, and is also sent as
// $select when no entry is a glob (the service does not expand them);
// register and result are the objects after select; failed_when is judged
// per call; assert is judged over the whole step and never fails it (a
// failed assertion makes the exit code 3). retries and timeout are passed to
// the transport in the Call; the runner never retries a call itself.
// --check sends no write: each is recorded as would_run with its resolved
// parameters (secret-looking ones redacted), status skipped.
//
// Journal and resume. Every state change is recorded in events.jsonl
// through one method (results.Journal.Record), and the journal decides by
// event type how durable it must be before the run goes on. A write is
// journaled as sent (fsync'ed, one fsync shared by concurrent writers and by
// a whole $batch) only once its call holds a connection slot (the send gate
// of cell.go): a write that waited for a slot while the run was interrupted
// never leaves and is never journaled as sent. Its done event reaches the
// file as soon as it is confirmed. Events whose loss to a kill -9 costs
// nothing but redoing safe work (a read's done event, step and tenant
// started) are written with the next event that must reach the file, or
// within half a second. A journal that cannot be written stops the run:
// nothing more is sent, results.json is written, and Run returns the error
// (exit 1). Resume skips every cell
// (tenant × step × foreach item) with a done event, reloads the registered
// output of finished steps from their data files and of finished items from
// the step's spool, and re-runs the rest. A write journaled as sent but
// never confirmed is sent again only when cmdlet.Replayable says so for its
// cmdlet and parameters (the rule transport retries by: Set-, Enable-,
// Disable- without an {Add, Remove} hashtable); otherwise it is reported
// failed with code outcome_unknown. (A write journaled as sent whose call
// then sent no request is journaled as unsent: it cannot have reached the
// service.) A run is resumed only with the same playbook (sha256) and the
// same mode.
//
// Write ledger. Every write that was sent, and every one whose earlier send
// a resume could not confirm, gets a line in writes.jsonl (ledger.go):
// tenant name and id, step, cmdlet, parameters (secret-looking ones
// redacted), the object's identity, outcome (confirmed, unchanged, failed,
// unknown), warnings, attempts and times; results.json's summary counts
// them. A write the service answers as a no-op ("no settings of '…' have
// been modified") is unchanged: its cell is ok, not changed.
//
// Panics. A panic in a tenant or a foreach item is a bug, but it fails only
// that tenant or item (category internal, stack in exoplay.log); the run
// goes on and results.json is written (panic.go).
//
// Interrupt. Closing Options.Drain stops new tenants and calls; calls in
// flight finish (bounded by ctx); unfinished cells are incomplete, results
// are written, and the exit code is 130.
package runner
