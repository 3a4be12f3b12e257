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
// ResultSize follows the service: without it a cmdlet that has the parameter
// returns at most 1000 objects and, when more exist, the service's "By
// default, only the first 1000 items are returned" warning; an integer returns
// at most that many with the "increase the value for the ResultSize
// parameter" warning when truncated; "Unlimited" returns everything. Paging
// (nextLink) is the protocol layer's business and works over Result.Len.
package directory
