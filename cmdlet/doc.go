// Package cmdlet says what a cmdlet is, for every layer that must decide by
// it: whether it reads or writes, and whether a write whose outcome is
// unknown may be sent again. The playbook marks write steps with it, the
// transport retries by it and the runner resumes by it, so the three can
// never disagree. The typed catalog of the cmdlets Exchange Online and
// Security & Compliance publish lives here too.
//
// It is a leaf: it imports nothing of the module, so any layer may import it.
package cmdlet
