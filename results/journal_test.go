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
				ev := Event{Type: EventCellDone, Tenant: "t", Step: "s", Item: &item, Status: StatusOK, Sent: true, Message: strings.Repeat("x", w)}
				if i%10 == 0 {
					ev.Type, ev.Sent = EventCellSent, false // synced
				}
				if err := j.Record(ev); err != nil {
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
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dir)
	if err == nil || !strings.Contains(err.Error(), "not an exoplay run directory") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, EventsFile)); err == nil {
		t.Fatal("a refused directory got a journal")
	}
}

// An empty directory is a run killed between Create's mkdir and its journal:
// it opens with an empty journal (which a resume starts afresh) and says so.
func TestOpenOfAnEmptyRunDirSaysItStartsAfresh(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	evs, err := d.Events()
	if err != nil || len(evs) != 0 {
		t.Fatalf("events %v, %v: want none", evs, err)
	}
	if msg := d.Repaired(); !strings.Contains(msg, "nothing was sent") || !strings.Contains(msg, "starts afresh") {
		t.Fatalf("Repaired() = %q, want the fresh start said", msg)
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

// A deferred event stays in memory until the next event that must reach the
// file, and is written before it: order is kept.
func TestJournalDeferredEventsGoOutWithTheNextWrite(t *testing.T) {
	t.Parallel()
	dir, err := Create(t.TempDir(), "deferred", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	j := dir.Journal()
	j.deferFor = time.Hour // only writes flush here
	onDisk := func() []Event {
		t.Helper()
		f, err := os.Open(filepath.Join(dir.Path(), EventsFile))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		evs, err := ReadEvents(f)
		if err != nil {
			t.Fatal(err)
		}
		return evs
	}
	if err := j.Record(Event{Type: EventStepStarted, Step: "a"}); err != nil {
		t.Fatal(err)
	}
	if n := len(onDisk()); n != 0 {
		t.Fatalf("%d events on disk after a deferred append, want 0", n)
	}
	if err := j.Record(Event{Type: EventCellDone, Step: "b", Sent: true}); err != nil {
		t.Fatal(err)
	}
	evs := onDisk()
	if len(evs) != 2 || evs[0].Step != "a" || evs[1].Step != "b" {
		t.Fatalf("on disk: %+v, want a then b", evs)
	}
	if err := j.Record(Event{Type: EventCellDone, Step: "c"}); err != nil {
		t.Fatal(err)
	}
	if err := j.Record(Event{Type: EventCellSent, Step: "d"}); err != nil {
		t.Fatal(err)
	}
	if err := j.Record(Event{Type: EventCellDone, Step: "e"}); err != nil {
		t.Fatal(err)
	}
	// Events (resume) sees the deferred ones too.
	evs, err = dir.Events()
	if err != nil {
		t.Fatal(err)
	}
	var steps string
	for _, ev := range evs {
		steps += ev.Step
	}
	if steps != "abcde" {
		t.Fatalf("events in order %q, want abcde", steps)
	}
}

// Deferred events reach the file by themselves after deferFor, and once
// deferMax bytes wait.
func TestJournalDeferredEventsAreFlushedByTimeAndSize(t *testing.T) {
	t.Parallel()
	dir, err := Create(t.TempDir(), "deferred", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	j := dir.Journal()
	path := filepath.Join(dir.Path(), EventsFile)
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}

	j.mu.Lock()
	j.deferFor = time.Hour
	j.mu.Unlock()
	big := strings.Repeat("x", 1000)
	n := 0
	for size() == 0 {
		if n > deferMax/1000+1 {
			t.Fatalf("%d deferred events of 1 KB and nothing written (deferMax %d)", n, deferMax)
		}
		if err := j.Record(Event{Type: EventCellDone, Message: big}); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n < deferMax/1100 {
		t.Fatalf("written after %d events of 1 KB, before deferMax (%d bytes) was reached", n, deferMax)
	}

	j.mu.Lock()
	j.deferFor = time.Millisecond
	j.mu.Unlock()
	before := size()
	if err := j.Record(Event{Type: EventCellDone, Step: "late"}); err != nil {
		t.Fatal(err)
	}
	// Waits for the flush timer (not a timing assertion: only that it comes).
	deadline := time.Now().Add(20 * time.Second)
	for size() == before {
		if time.Now().After(deadline) {
			t.Fatal("a deferred event was never written")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestJournalClosedRefusesEvents(t *testing.T) {
	t.Parallel()
	dir, err := Create(t.TempDir(), "closed", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	j := dir.Journal()
	if err := j.Record(Event{Type: EventCellDone, Step: "kept"}); err != nil {
		t.Fatal(err)
	}
	if err := dir.Close(); err != nil {
		t.Fatal(err)
	}
	if err := j.Record(Event{Type: EventCellDone}); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("append after close: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(dir.Path(), EventsFile))
	if err != nil || !strings.Contains(string(b), `"step":"kept"`) {
		t.Fatalf("a deferred event was lost by Close: %q %v", b, err)
	}
}

// Callers that arrive while an fsync runs are written together and made
// durable by one more fsync, not one each.
func TestJournalGroupCommit(t *testing.T) {
	t.Parallel()
	dir, err := Create(t.TempDir(), "group", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	j := dir.Journal()
	j.mu.Lock()
	j.syncing = true // an fsync is in progress
	j.gatherFor = 0
	j.mu.Unlock()
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			item := i
			if err := j.Record(Event{Type: EventCellSent, Item: &item}); err != nil {
				t.Error(err)
			}
		}()
	}
	for {
		j.mu.Lock()
		w := j.waiting
		j.mu.Unlock()
		if w == n {
			break
		}
		time.Sleep(time.Millisecond)
	}
	j.mu.Lock()
	if j.written != 0 {
		t.Errorf("%d events written while an fsync ran; they should wait for the next one", j.written)
	}
	j.syncing = false // that fsync ends
	j.cond.Broadcast()
	j.mu.Unlock()
	wg.Wait()
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.syncs != 1 || j.synced != n || j.lastGroup != n {
		t.Fatalf("%d fsyncs for %d callers (synced %d, group %d), want one", j.syncs, n, j.synced, j.lastGroup)
	}
}

// The journal, not its callers, decides how far each event type goes
// before Record returns.
func TestJournalDurabilityByEventType(t *testing.T) {
	t.Parallel()
	dir, err := Create(t.TempDir(), "durability", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	j := dir.Journal()
	j.mu.Lock()
	j.deferFor = time.Hour
	j.mu.Unlock()
	cases := []struct {
		ev   Event
		want durability
	}{
		{Event{Type: EventRunStarted}, synced},
		{Event{Type: EventTenantStarted}, deferred},
		{Event{Type: EventSignedIn}, deferred},
		{Event{Type: EventStepStarted}, deferred},
		{Event{Type: EventCellDone}, deferred},
		{Event{Type: EventCellSent}, synced},
		{Event{Type: EventCellDone, Sent: true}, written},
		{Event{Type: EventCellUnsent}, synced},
		{Event{Type: EventStepDone}, synced},
		{Event{Type: EventTenantDone}, synced},
		{Event{Type: EventRunResumed}, synced},
		{Event{Type: EventRunFinished}, synced},
	}
	for _, c := range cases {
		if err := j.Record(c.ev); err != nil {
			t.Fatal(err)
		}
		j.mu.Lock()
		got := deferred
		switch {
		case j.synced == j.queued:
			got = synced
		case j.written == j.queued:
			got = written
		}
		j.mu.Unlock()
		if got != c.want {
			t.Errorf("%s (sent %v): durability %d after Record, want %d", c.ev.Type, c.ev.Sent, got, c.want)
		}
	}
}
