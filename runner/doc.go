// Package runner runs a playbook: tenants × steps, under the concurrency
// rules of DESIGN.md §5, with the step semantics of §2, writing the run
// directory of §4 through package results.
//
// The runner does not know HTTP, tokens or clouds. It defines what it needs
// from a signed-in organization (Session) and from sign-in (Connector); the
// CLI wires the real ones (auth + transport) behind those interfaces. Every
// HTTP attempt of a session passes through the organization's Limiter, so the
// cap of max_sessions_per_org in-flight requests holds across steps, foreach
// items, page fetches, $batch calls and tenant entries that resolve to the
// same organization.
//
// Retries are the transport's business (Call.Retries); the runner never
// retries a call itself. A write is journaled (synced) as "sent" before it
// goes out and "done" after, so --resume never repeats a confirmed write.
package runner
