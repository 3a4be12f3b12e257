//go:build !unix

package auth

import "os"

// Without flock, only the process-level mutex guards the cache; the atomic
// rename still keeps the file whole.
func lockFile(*os.File, bool) error { return nil }

func unlockFile(*os.File) {}
