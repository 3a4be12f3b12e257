//go:build !unix

package results

import "os"

// PIDFile: see lock_unix.go.
const PIDFile = "exoplay.pid"

// lockRunDir does nothing where flock is not available.
func lockRunDir(string, *os.File) error { return nil }
