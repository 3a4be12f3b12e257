package lease

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/exoplay/exoplay/internal/wait"
)

// Dir is a lease directory.
type Dir struct {
	path string
	// sleep waits d or until ctx ends; tests inject it.
	sleep func(ctx context.Context, d time.Duration) error
	// MinWait and MaxWait bound the backoff between two scans of the slots
	// while all are taken (defaults 5ms and 200ms).
	MinWait, MaxWait time.Duration
}

// Open makes the directory (mode 0700: the slot files are the user's own)
// and returns it.
func Open(path string) (*Dir, error) {
	if path == "" {
		return nil, errors.New("lease directory: empty path")
	}
	if err := os.MkdirAll(path, 0o700); err != nil {
		return nil, fmt.Errorf("lease directory: %w", err)
	}
	return &Dir{path: path, sleep: wait.Sleep, MinWait: 5 * time.Millisecond, MaxWait: 200 * time.Millisecond}, nil
}

// DefaultPath is the per-user lease directory: $XDG_RUNTIME_DIR/exoplay
// (a tmpfs the user owns, emptied at logout), else the user's cache
// directory, else the temporary directory with the uid in its name.
func DefaultPath() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "exoplay")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "exoplay", "leases")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("exoplay-leases-%d", os.Getuid()))
}

// Path is the directory's path.
func (d *Dir) Path() string { return d.path }

// SetSleep replaces the wait between scans (tests).
func (d *Dir) SetSleep(sleep func(ctx context.Context, d time.Duration) error) { d.sleep = sleep }

// Slot is one held slot; Release gives it back.
type Slot struct {
	f *os.File
	N int
}

// Release unlocks and closes the slot file.
func (s *Slot) Release() {
	if s == nil || s.f == nil {
		return
	}
	_ = syscall.Flock(int(s.f.Fd()), syscall.LOCK_UN) // closing releases it anyway
	_ = s.f.Close()
	s.f = nil
}

// Acquire takes one of the organization's max slots, waiting (with
// backoff, until ctx ends) while all are held.
func (d *Dir) Acquire(ctx context.Context, org string, max int) (*Slot, error) {
	if max < 1 {
		max = 1
	}
	wait := d.MinWait
	for {
		if s, err := d.TryAcquire(org, max); err != nil || s != nil {
			return s, err
		}
		if err := d.sleep(ctx, wait); err != nil {
			return nil, err
		}
		if wait *= 2; wait > d.MaxWait {
			wait = d.MaxWait
		}
	}
}

// TryAcquire takes a free slot without waiting; nil when all are held.
func (d *Dir) TryAcquire(org string, max int) (*Slot, error) {
	key := fileKey(org)
	for n := 0; n < max; n++ {
		if s, err := d.try(key, n); err != nil || s != nil {
			return s, err
		}
	}
	return nil, nil
}

func (d *Dir) try(key string, n int) (*Slot, error) {
	name := filepath.Join(d.path, fmt.Sprintf("%s.%d.lock", key, n))
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lease slot: %w", err)
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if err == nil {
		return &Slot{f: f, N: n}, nil
	}
	f.Close()
	if errors.Is(err, syscall.EWOULDBLOCK) || errors.Is(err, syscall.EINTR) {
		return nil, nil
	}
	return nil, fmt.Errorf("lease slot %s: %w", name, err)
}

// fileKey makes an organization key (a tenant id, or a domain when the
// token named none) safe as a file name: lower case, and anything but
// letters, digits, '.', '-' and '_' becomes '_'.
func fileKey(org string) string {
	org = strings.ToLower(org)
	b := []byte(org)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		case c == '.' && i > 0:
		default:
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "_"
	}
	return string(b)
}
