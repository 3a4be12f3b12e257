// Package emulator is a faithful local Exchange Online + Entra ID: one TLS
// listener on loopback answers every host name of the service, routed by
// host (router.go, hosts.go): each cloud's authority (entra), its Exchange
// REST hosts, its Security & Compliance front door and regional hosts
// (exchange), over generated tenants (directory). Its certificate, from
// its own CA, holds those names (wildcards for regional prefixes).
//
// A client reaches it with the production URLs and token resources,
// changing only where it dials (curl's --connect-to ::HOST:PORT, the
// Emulator's ConnectTo) and whom it trusts (CACertPEM). It is used three
// ways: in-process from Go tests (Start, HTTPClient), as the separate
// process `exoplay emulator`, and behind `environment: Emulator` in
// playbooks (internal/cli starts it and sets that dialling). It imports
// nothing of the product, and keeps its own table of the service's hosts,
// so the product's protocol mistakes show up as test failures and as
// Counters.Violations.
package emulator
