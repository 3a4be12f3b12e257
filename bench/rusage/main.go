// Command rusage runs a command and writes the command's own resource usage
// (user and system CPU, peak RSS) as JSON to a file: rusage OUT CMD [ARGS...].
//
// The benchmark harness needs it because of how Linux accounts ru_maxrss: a
// Go parent starts children with vfork (CLONE_VM), and exec folds the high
// water mark of the parent's memory into the child's ru_maxrss. A child of
// the harness, which hosts an emulator holding 200,000 mailboxes, would
// report the harness's peak instead of its own. Started from this small
// process instead, the command's figure is max(its own peak, this
// launcher's few MiB).
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

// Usage is what OUT receives.
type Usage struct {
	UserNS    int64 `json:"user_ns"`
	SysNS     int64 `json:"sys_ns"`
	MaxRSSKiB int64 `json:"maxrss_kib"`
	ExitCode  int   `json:"exit_code"`
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: rusage OUT CMD [ARGS...]")
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[2], os.Args[3:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// Signals are for the command; the launcher just waits for it.
	signal.Ignore(os.Interrupt, syscall.SIGTERM)
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		fmt.Fprintln(os.Stderr, "rusage:", err)
		os.Exit(2)
	}
	ps := cmd.ProcessState
	u := Usage{UserNS: ps.UserTime().Nanoseconds(), SysNS: ps.SystemTime().Nanoseconds(), ExitCode: ps.ExitCode()}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		u.MaxRSSKiB = int64(ru.Maxrss)
	}
	b, _ := json.Marshal(u)
	if err := os.WriteFile(os.Args[1], b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "rusage:", err)
		os.Exit(2)
	}
	os.Exit(u.ExitCode)
}
