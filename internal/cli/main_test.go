package cli

import (
	"context"
	"encoding/json"
	"os"
	"testing"
)

// childArgsEnv makes the test binary act as the exoplay command, so tests can
// run it as a separate process (kill -9, signals) without building a binary.
const childArgsEnv = "EXOPLAY_TEST_CHILD_ARGS"

func TestMain(m *testing.M) {
	if raw := os.Getenv(childArgsEnv); raw != "" {
		var args []string
		if err := json.Unmarshal([]byte(raw), &args); err != nil {
			panic(err)
		}
		limitFileSize() // journal tests: a disk that fills up
		os.Exit(Main(context.Background(), args, os.Stdin, os.Stdout, os.Stderr))
	}
	// Runs share max_sessions_per_org through a lease directory (default
	// per user): this test process's runs use one of their own, so that
	// concurrent test runs on the machine do not slow each other down.
	if os.Getenv(leaseDirEnv) == "" {
		dir, err := os.MkdirTemp("", "exoplay-test-leases-")
		if err != nil {
			panic(err)
		}
		os.Setenv(leaseDirEnv, dir)
		code := m.Run()
		os.RemoveAll(dir)
		os.Exit(code)
	}
	os.Exit(m.Run())
}
