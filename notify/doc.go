// Package notify announces the end of a run to a webhook: a POST of a
// compact summary (run id, counts, failing tenants, where results.json is)
// as exoplay's own JSON, a Teams message with an Adaptive Card, or a Slack
// message. It retries network errors, 429 and 5xx with exponential backoff
// (honouring Retry-After), bounds each attempt with a timeout, and keeps
// the webhook's address out of every error: Teams and Slack addresses carry
// their own credential.
//
// It imports only results (DESIGN.md §1: a sink over the results, like
// report); internal/cli calls it once results are written, and a failed
// notification is a warning there, never a change of the run's exit code.
// The body holds no free-text messages (errors are named by category, code
// and step), so nothing a tenant or the service said can leak through it.
package notify
