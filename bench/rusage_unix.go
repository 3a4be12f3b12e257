package main

import (
	"os"
	"syscall"
	"time"
)

// maxRSS is the child's peak resident set size in KiB (Linux ru_maxrss unit).
func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return int64(ru.Maxrss)
	}
	return 0
}

// selfCPU is this process's user + system time so far: the emulator's share
// of the machine while a child runs.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
