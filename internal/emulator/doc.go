// Package emulator is a faithful local Exchange Online + Entra ID: it starts
// TLS listeners on loopback for the authority (entra), the Exchange REST
// front end, and the Security & Compliance front door and regional host
// (exchange), over generated tenants (directory).
//
// It is used three ways: in-process from Go tests (Start), as the separate
// process `exoplay emulator`, and behind `environment: Emulator` in
// playbooks. It imports nothing of the product, so the product's protocol
// mistakes show up as test failures and as Counters.Violations.
package emulator
