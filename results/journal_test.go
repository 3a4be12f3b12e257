package results

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestJournalConcurrentAppendAndReadBack(t *testing.T) {
	t.Parallel()
	dir, err := Create(t.TempDir(), "journal test", time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if got := dir.ID(); got != "20261122T070000Z-journal-test" {
		t.Fatalf("ID = %q", got)
	}
	j := dir.Journal()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				item := i
				ev := Event{Type: EventCellDone, Tenant: "t", Step: "s", Item: &item, Status: StatusOK, Message: strings.Repeat("x", w)}
				var err error
				if i%10 == 0 {
					err = j.AppendSync(ev)
				} else {
					err = j.Append(ev)
				}
				if err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if err := dir.Close(); err != nil {
		t.Fatal(err)
	}
	// A torn last line (the process died mid-write) is ignored.
	f, err := os.OpenFile(filepath.Join(dir.Path(), EventsFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"type":"cell_do`)
	f.Close()

	d2, err := Open(dir.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	evs, err := d2.Events()
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 400 {
		t.Fatalf("read %d events, want 400", len(evs))
	}
	for _, ev := range evs {
		if ev.Time.IsZero() || ev.Item == nil {
			t.Fatalf("event not stamped or item lost: %+v", ev)
		}
	}
}

func TestReadEventsRejectsCorruptMiddleLine(t *testing.T) {
	t.Parallel()
	_, err := ReadEvents(strings.NewReader("{\"type\":\"a\"}\nnot json\n{\"type\":\"b\"}\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("err = %v, want one naming line 2", err)
	}
}

func TestOpenRefusesNonRunDir(t *testing.T) {
	t.Parallel()
	_, err := Open(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "not an exoplay run directory") {
		t.Fatalf("err = %v", err)
	}
}

func TestCreateTwiceInOneSecond(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	now := time.Now()
	a, err := Create(out, "x", now)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Create(out, "x", now)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if a.Path() == b.Path() {
		t.Fatal("two runs share a directory")
	}
}
