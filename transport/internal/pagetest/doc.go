// Package pagetest builds InvokeCommand result pages for tests: the
// envelope of exo-rest-protocol.md §4.1, a Get-Mailbox-shaped object, a
// page holding one very large value, and a reader that hands out a body in
// small pieces as a TLS connection does.
//
// It is the one home of these fixtures for both the codec's own tests
// (transport/internal/wire) and the transport's tests, which build service
// answers from them. Only tests import it.
package pagetest
