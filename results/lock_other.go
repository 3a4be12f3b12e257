//go:build !unix

package results

import "os"

// lockRunDir does nothing where flock is not available.
func lockRunDir(string, *os.File) error { return nil }
