// Package examples holds the runnable playbooks the README and docs point to
// (quickstart.yaml, the MSP, audit, ensure and cron examples) and the tests
// that keep them true: each is validated, and run against the built-in
// emulator (run_test.go, validate_test.go); cron-certificate.yaml runs
// unchanged against the emulator reached through production host names
// (production_test.go). It has no code of its own.
package examples
