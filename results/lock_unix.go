//go:build unix

package results

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// PIDFile holds the process id of the exoplay process that has the run
// directory open, for the message another process gets.
const PIDFile = "exoplay.pid"

// lockRunDir takes an exclusive flock on the journal for the life of the
// run: a second exoplay process on the same run directory (two resumes, a
// resume while the run still goes on) would send writes twice. The kernel
// releases the lock when the process dies, so a killed run never leaves
// its directory locked.
func lockRunDir(dir string, f *os.File) error {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder := "another process"
			if b, rerr := os.ReadFile(filepath.Join(dir, PIDFile)); rerr == nil {
				if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil {
					holder = fmt.Sprintf("exoplay process %d", pid)
				}
			}
			return fmt.Errorf("%s is in use by %s: one process at a time runs or resumes a run directory; wait for it to finish or stop it, then resume", dir, holder)
		}
		return fmt.Errorf("locking %s: %w", f.Name(), err)
	}
	// Written under the lock; stale only after its holder died, when the
	// lock is free again and the file is rewritten.
	return os.WriteFile(filepath.Join(dir, PIDFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o640)
}
