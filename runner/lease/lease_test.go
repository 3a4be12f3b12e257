package lease

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fakeSleep records each wait and runs onSleep (which may free a slot or
// cancel) instead of sleeping.
type fakeSleep struct {
	waits   []time.Duration
	onSleep func(n int)
}

func (f *fakeSleep) sleep(ctx context.Context, d time.Duration) error {
	f.waits = append(f.waits, d)
	if f.onSleep != nil {
		f.onSleep(len(f.waits))
	}
	return ctx.Err()
}

func open(t *testing.T) (*Dir, *fakeSleep) {
	t.Helper()
	d, err := Open(filepath.Join(t.TempDir(), "leases"))
	if err != nil {
		t.Fatal(err)
	}
	fs := &fakeSleep{}
	d.SetSleep(fs.sleep)
	return d, fs
}

func TestSlotsCapHoldersAndWaitWithBackoff(t *testing.T) {
	d, fs := open(t)
	const org = "6A2B0C4D-0000-4000-8000-000000000001"
	ctx := context.Background()
	a, err := d.Acquire(ctx, org, 2)
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Acquire(ctx, org, 2)
	if err != nil {
		t.Fatal(err)
	}
	if a.N == b.N {
		t.Fatalf("two holders got slot %d", a.N)
	}
	if s, _ := d.TryAcquire(org, 2); s != nil {
		t.Fatal("a third holder got a slot of an organization capped at 2")
	}
	// Another organization has its own slots.
	o, err := d.Acquire(ctx, "fabrikam.onmicrosoft.com", 2)
	if err != nil {
		t.Fatal(err)
	}
	o.Release()

	// The third waits, backing off, until a slot is released.
	fs.onSleep = func(n int) {
		if n == 6 {
			a.Release()
		}
	}
	c, err := d.Acquire(ctx, org, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{5, 10, 20, 40, 80, 160}
	if len(fs.waits) != len(want) {
		t.Fatalf("waits %v, want %v ms", fs.waits, want)
	}
	for i, w := range want {
		if fs.waits[i] != w*time.Millisecond {
			t.Fatalf("waits %v, want %v ms", fs.waits, want)
		}
	}
	if c.N != a.N {
		t.Errorf("got slot %d, want the released slot %d", c.N, a.N)
	}
	b.Release()
	c.Release()
	if names, _ := filepath.Glob(filepath.Join(d.Path(), "6a2b0c4d-0000-4000-8000-000000000001.*.lock")); len(names) != 2 {
		t.Errorf("slot files %v, want <tenant-id>.0.lock and .1.lock", names)
	}
}

func TestAcquireReturnsWhenTheContextEnds(t *testing.T) {
	d, fs := open(t)
	held, err := d.Acquire(context.Background(), "contoso", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	ctx, cancel := context.WithCancel(context.Background())
	fs.onSleep = func(n int) {
		if n == 3 {
			cancel()
		}
	}
	if _, err := d.Acquire(ctx, "contoso", 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if len(fs.waits) != 3 {
		t.Errorf("waited %d times, want 3", len(fs.waits))
	}
}

// A slot is a lock on an open file: closing it (as the kernel does for a
// process that dies) frees the slot, whatever the file's content.
func TestClosedFileFreesItsSlot(t *testing.T) {
	d, _ := open(t)
	s, err := d.Acquire(context.Background(), "contoso", 1)
	if err != nil {
		t.Fatal(err)
	}
	s.f.Close() // no LOCK_UN: only the close
	s2, err := d.TryAcquire("contoso", 1)
	if err != nil || s2 == nil {
		t.Fatalf("slot not free after its file was closed: %v", err)
	}
	s2.Release()
}

func TestFileKeyIsAPlainFileName(t *testing.T) {
	for in, want := range map[string]string{
		"6A2B0C4D-0000-4000-8000-000000000001": "6a2b0c4d-0000-4000-8000-000000000001",
		"contoso.onmicrosoft.com":              "contoso.onmicrosoft.com",
		"../etc/passwd":                        "_._etc_passwd",
		"":                                     "_",
	} {
		if got := fileKey(in); got != want {
			t.Errorf("fileKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDefaultPathIsPerUser(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/1000")
	if got := DefaultPath(); got != "/run/user/1000/exoplay" {
		t.Errorf("DefaultPath() = %q", got)
	}
	t.Setenv("XDG_RUNTIME_DIR", "")
	if got := DefaultPath(); got == "" || got == os.TempDir() {
		t.Errorf("DefaultPath() = %q", got)
	}
}
