package cli

import (
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/exoplay/exoplay/results"
)

// openPTY opens a pseudo-terminal pair and returns its terminal side with
// the window cols wide.
func openPTY(t *testing.T, cols uint16) *os.File {
	t.Helper()
	ptm, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { ptm.Close() })
	if err := unix.IoctlSetPointerInt(int(ptm.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(ptm.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pts.Close() })
	if err := unix.IoctlSetWinsize(int(pts.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Col: cols, Row: 24}); err != nil {
		t.Fatal(err)
	}
	return pts
}

// TestTerminalWidthThroughTheScrubbingWriter: a run's stdout is always the
// secrets-scrubbing writer around the terminal (runRun scrubs its
// streams), so the show: tables after a run are fitted to the terminal
// only if the width is read through it, as isTerminal reads it.
func TestTerminalWidthThroughTheScrubbingWriter(t *testing.T) {
	t.Setenv("COLUMNS", "")
	pts := openPTY(t, 57)
	if got := terminalWidth(pts); got != 57 {
		t.Fatalf("terminal: width %d, want 57", got)
	}
	if got := terminalWidth(results.NewSecrets().Writer(pts)); got != 57 {
		t.Errorf("the scrubbed terminal: width %d, want 57", got)
	}
}
