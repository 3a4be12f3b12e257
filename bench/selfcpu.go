package main

import (
	"syscall"
	"time"
)

// selfCPU is this process's user + system time so far: the emulator's share
// of the machine while a child runs.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
