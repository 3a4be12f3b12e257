// Package directory is the emulator's tenant data and cmdlet engine: it holds
// per-tenant Exchange Online and Security & Compliance objects generated
// deterministically from a seed, and runs cmdlets (Get/Set/New/Add/Remove-*)
// over them with the service's parameter binding, identity resolution, OPATH
// -Filter subset, value formats and error texts.
//
// It knows nothing of HTTP: the protocol layer (internal/emulator/exchange)
// decodes a request body, calls Tenant.Invoke and encodes the Result or
// *Error. Like the rest of the emulator it imports nothing of the product, so
// it can catch the client's mistakes instead of sharing them.
//
// Scale: mailboxes are not stored. Mailbox i is regenerated on demand from
// (tenant seed, i); only writes live in memory as per-mailbox overrides, and
// an identity index (hash of each identity form -> mailbox number) is built
// on first use. A Get-Mailbox over 200,000 mailboxes returns a Result whose
// objects are materialised one at a time by Result.Object.
//
// Seeded data: every tenant has the mailboxes admin, info, sales (shared),
// boardroom (room) and support (shared), then generated users, shared and
// room mailboxes; groups All Staff, Sales, IT Admins (security) and Finance
// (with IT Admins nested), plus Project Team NNN groups in large tenants.
// The tenant's Posture (derived from the seed, or forced by
// TenantSpec.Posture) decides what the audit controls find:
//
//   - Fresh: service defaults. Auto-forwarding allowed (Default remote
//     domain, outbound spam policy), no external sender warning, external
//     tagging off, DKIM off on the custom domain, calendar shared with all
//     domains, DLP policy in test mode, no audit retention policy, POP/IMAP
//     on for most mailboxes.
//   - Risky: Fresh plus SMTP AUTH on, mailbox auditing and unified audit
//     log off, modern auth off, a redirect rule and an SCL -1 allow rule,
//     contacts shared with all domains, allow lists and safe list in the
//     anti-spam policies, the forwarding alert disabled, more forwarding.
//   - Hardened: passes the organisation-level controls; only rare
//     mailbox-level findings remain.
//
// Licences follow the posture unless TenantSpec.Licenses says otherwise
// (licences.go): Fresh has EOP only, Risky Defender Plan 1 with Customer
// Lockbox and Audit Premium, Hardened Plan 2 as well. Defender cmdlets of a
// tenant without Plan 1 fail as the service's do ("is not recognized").
//
// Mailboxes 5-9 of every non-hardened tenant carry one finding each
// (forwarding to an outside address, POP and IMAP on, an inbox rule
// forwarding outside, auditing off, SMTP AUTH explicitly allowed), and the
// shared mailbox info can be signed in to, so even a 25-mailbox tenant fails
// the mailbox-level checks. Writes change state that the next read sees;
// objects made by New-* stay invisible (404) for Options.ReplicationDelay.
//
// ResultSize follows the service: without it a cmdlet that has the parameter
// returns at most 1000 objects and, when more exist, the service's "By
// default, only the first 1000 items are returned" warning; an integer returns
// at most that many with the "increase the value for the ResultSize
// parameter" warning when truncated; "Unlimited" returns everything. Paging
// (nextLink) is the protocol layer's business and works over Result.Len.
package directory
