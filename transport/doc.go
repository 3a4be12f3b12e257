// Package transport is exoplay's Exchange Online REST client: it runs
// Exchange Online and Security & Compliance cmdlets the way the
// ExchangeOnlineManagement v3 module does under the hood, by POSTing
// {"CmdletInput":{"CmdletName":...,"Parameters":{...}}} to
// <base>/adminapi/beta/<tenant>/InvokeCommand (and up to ten of them at a time
// to .../$batch).
//
// The package knows nothing of clouds or credentials: the caller passes the
// service origin, the tenant URL segment and a TokenSource (package auth
// satisfies it). It imports no other exoplay package but the leaves (cloud,
// cmdlet, internal/category, internal/wait) and its own JSON codec
// (transport/internal/wire).
//
// # Results
//
// Objects are decoded page by page and handed to the caller one by one as
// json.RawMessage, with the OData annotation members ("@odata.type",
// "Prop@odata.type", "Prop@data.type", ...) removed at every depth. A page of
// up to 64 KiB (a write's empty result, a few objects) is read whole and
// decoded in one pass; a bigger one is streamed, so the client holds one
// object at a time, never a whole result. Either way the result, and every
// error, is what a token-by-token json.Decoder makes of the body (the tests
// hold both decoders to it).
// Paging follows "@odata.nextLink" (or the older "odata.nextLink") by POSTing
// the identical body and headers, X-AnchorMailbox included, until there is
// none or the ResultSize limit is reached. Each emitted json.RawMessage is a
// fresh slice the caller may keep. A 200 whose body is empty, cut short, not
// JSON or not an envelope with a value array is an error, never data.
// The client asks for gzip itself and decompresses each answer in answer.go:
// bounded by Options.MaxAnswerBytes (past it: AnswerTooLarge, not retried),
// stopped by the call's deadline or cancellation at the next read, and in
// time linear in the answer's size.
//
// Batch sends up to ten requests per $batch call (more are split), each item
// with its own anchor, page size and URL; items that come back with a next
// link, or throttled, or transient (under the rule below), are sent again in
// the next round of the same batch, so one item's trouble never fails
// another. When the $batch request itself fails it is retried only if every
// item in it is safe to replay. Every item carries the bearer token in its
// own headers, as every public client does; the batch asks for
// application/json;odata.metadata=minimal and still reads a multipart/mixed
// answer (batchmime.go).
//
// # Anchors
//
// X-AnchorMailbox is, in order: Request.Anchor; for the mailbox-routed
// cmdlets of the module's -UseCustomRouting list, the module's routing hint
// for the Identity or Mailbox parameter, SMTP:<address> or
// MBX:<guid>@<tenant GUID> (with parameter-based-routing: true);
// Endpoint.Anchor; else ComplianceAnchor(tenant) for a compliance endpoint
// on an initial domain, AppAnchor(tenant) otherwise. The same value goes on
// every page and retry, because the next link is bound to the backend the
// anchor picked.
//
// # Stats
//
// Requests counts every HTTP request sent (pages, retries, redirect hops; for
// a batch item, the $batch requests it was part of); Attempts is 1 + the
// retries (len(Retried)); ThrottledWaits/ThrottledFor count the waits after
// throttled answers; Warnings collects @adminapi.warnings and non-terminating
// @adminapi.errors ("error: ..."). Request.Timeout bounds the whole call,
// retries and waits included.
//
// # Retry rule (the only place exoplay retries a call)
//
// An answer is retried only when replaying it cannot do harm:
//
//   - 429, or the "maximum number of concurrent requests per tenant" text at
//     any status (JSON, plain text or HTML, a 2xx text answer included), means
//     the cmdlet was not executed: always retried, after Retry-After (integer or
//     fractional seconds, or an HTTP date) or else a jittered exponential
//     backoff capped at Options.BackoffMax. The Limiter is told (Throttled) and
//     its slot is released while waiting. Throttled answers have their own
//     budget (at least 10 waits), bounded by Options.MaxElapsed.
//   - 401 means not executed: a claims challenge in WWW-Authenticate is passed
//     to the next token request (ClaimsTokenSource), once; otherwise, or
//     after that, the token is refreshed (Token(ctx, true)) and the call sent
//     again, once. These do not use a retry. Invoke and Batch apply this rule
//     through one function, judge.
//   - A connection that could not be opened (dial error) was never sent: retried
//     for every cmdlet.
//   - 5xx answers, HTML error pages, connection resets, unreadable or truncated
//     200 bodies and the transient Exchange exceptions (ADTransientException,
//     ServerBusyException, CmdletProxyNotAvailableFailure, TransientException,
//     BackendCommunicationException) leave the outcome unknown. They are
//     retried (up to Request.Retries, default Options.MaxRetries) for reads
//     (Get-, Test-, Search-, Export-) and for idempotent writes (Set-, Enable-,
//     Disable-: applying the same settings twice ends in the same state),
//     unless a parameter adds to or removes from a multi-valued property
//     (a hashtable with Add or Remove keys), which is not idempotent.
//     Any other write (New-, Add-, Remove-, Update-, Start-, ...) is NOT
//     replayed: a replayed New- fails as a duplicate and a replayed Remove- as
//     not found, hiding what really happened. It is reported as category
//     "transient" with OutcomeUnknown set and a message saying so.
//     The rule is cmdlet.Replayable, which the runner's resume asks too.
//   - Everything else (validation, not found, permission, ...) is final.
//
// A retried page that had already handed some objects on skips them, so the
// caller never sees an object twice. Every attempt, retry reason and wait is
// counted in Stats. Waits use the injected Clock and stop at once when the
// context is cancelled.
//
// # Security
//
// Service URLs must be https (plain http only to a loopback address). The
// bearer token is only ever sent to the endpoint's host family: the base host
// itself, its subdomains, and, when the base host has four labels or more,
// the subdomains of its parent (so the compliance front door
// ps.compliance.protection.outlook.com may hand over to
// eur02b.ps.compliance.protection.outlook.com); for an IP-literal base, the
// same IP on any port. Redirects and next links that leave the family are
// refused, not followed. The compliance front door's redirect names
// <label>.admin.protection.outlook.com:446, which does not serve the API:
// the client rebuilds <label>.ps.compliance.protection.<suffix> from its first
// label, as every working client does; the backend port 446 is dropped from
// redirects and next links. Tokens never appear in errors or logs: messages taken
// from the service are passed through a redactor.
package transport
