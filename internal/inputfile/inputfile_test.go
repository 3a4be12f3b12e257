package inputfile_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/exoplay/exoplay/internal/inputfile"
)

// readWithin reads path and fails the test if Read has not returned within
// d: blocking on a FIFO is the bug the package exists to prevent.
func readWithin(t *testing.T, d time.Duration, path string) ([]byte, error) {
	t.Helper()
	type res struct {
		b   []byte
		err error
	}
	done := make(chan res, 1)
	go func() {
		b, err := inputfile.Read(path)
		done <- res{b, err}
	}()
	select {
	case r := <-done:
		return r.b, r.err
	case <-time.After(d):
		t.Fatalf("Read(%s) did not return within %s", path, d)
		return nil, nil
	}
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(file, []byte("data"), 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, inputfile.MaxSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	if b, err := readWithin(t, 10*time.Second, file); err != nil || string(b) != "data" {
		t.Fatalf("regular file: %q, %v", b, err)
	}
	for _, c := range []struct{ path, want string }{
		{fifo, "is not a regular file (a named pipe)"},
		{dir, "is a directory"},
		{big, "the limit is 4194304"},
		{filepath.Join(dir, "missing"), "no such file"},
	} {
		_, err := readWithin(t, 10*time.Second, c.path)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.path, err, c.want)
		}
	}
}
