// Package exchange is the emulator's Exchange Online REST front end: the
// InvokeCommand and $batch endpoints under /adminapi/beta/{tenant}, with the
// service's envelopes, headers, statuses, OData paging, bearer validation,
// per-tenant throttling, fault injection and counters.
//
// It knows nothing about tenants' objects or about token signing: a Backend
// runs cmdlets and a Verifier checks signatures. The emulator package wires
// the directory and the Entra authority in; tests use small fakes.
//
// The package is an independent implementation of the service built from
// shared/reference/exo-rest-protocol.md. It imports nothing of the product,
// so the client's protocol mistakes show up as failures here, and as entries
// in Counters.Violations, instead of being mirrored.
//
// Each behaviour is named in code by an id ("// behaviour exo.batch.item-auth")
// with a row in internal/emulator/BEHAVIOURS.md giving its public evidence or
// saying it is an assumption. The defaults are strict, the service as the
// evidence shows it; Strictness relaxes one behaviour at a time.
package exchange
