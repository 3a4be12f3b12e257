//go:build unix

package results

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// lockRunDir takes an exclusive flock on the journal for the life of the
// run: a second exoplay process on the same run directory (two resumes, a
// resume while the run still goes on) would send writes twice. The kernel
// releases the lock when the process dies, so a killed run never leaves
// its directory locked.
func lockRunDir(dir string, f *os.File) error {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder := "another process"
			if pid := flockHolder(f); pid > 0 {
				holder = fmt.Sprintf("exoplay process %d", pid)
			}
			return fmt.Errorf("%s is in use by %s: one process at a time runs or resumes a run directory; wait for it to finish or stop it, then resume", dir, holder)
		}
		return fmt.Errorf("locking %s: %w", f.Name(), err)
	}
	return nil
}

// flockHolder finds the process holding a flock on f's file in /proc/locks
// (Linux); 0 when it cannot tell.
func flockHolder(f *os.File) int {
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		return 0
	}
	data, err := os.ReadFile("/proc/locks")
	if err != nil {
		return 0
	}
	ino := ":" + strconv.FormatUint(uint64(st.Ino), 10)
	for _, line := range strings.Split(string(data), "\n") {
		// 1: FLOCK  ADVISORY  WRITE 4242 08:01:131090 0 EOF
		fields := strings.Fields(line)
		if len(fields) < 6 || fields[1] != "FLOCK" || !strings.HasSuffix(fields[5], ino) {
			continue
		}
		if pid, err := strconv.Atoi(fields[4]); err == nil {
			return pid
		}
	}
	return 0
}
