// Package lease caps the requests in flight to one organization across
// every exoplay process that shares a lease directory (issue 10 item 8).
//
// An organization with a cap of N has N slot files, <key>.<n>.lock, in the
// directory; a request holds one for as long as it is in flight through an
// advisory flock(2) lock. The kernel releases a lock when its file is
// closed, so a process that crashes or is killed never leaks a slot. flock
// locks belong to the open file description, so two holders in one process
// exclude each other exactly as two processes do.
//
// Waiting never blocks in the kernel: a slot is tried with LOCK_NB, and when
// all are taken the caller sleeps with a growing backoff (and returns when
// its context ends), so an interrupted run is never stuck on a lock.
package lease
