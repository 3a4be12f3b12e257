// Package wait is the one home of waiting under a context: Sleep returns
// after d or as soon as ctx ends, whichever is first. Packages that inject a
// clock for their tests (auth, transport, runner, notify, the merge command)
// use Sleep as the real one.
//
// It is a leaf: it imports nothing of the module, so every layer may use it
// (see layering_test.go).
package wait
