package results

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func writeEvents(t *testing.T, n int) *RunDir {
	t.Helper()
	d, err := Create(t.TempDir(), "torn", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		item := i
		if err := d.Journal().Record(Event{Type: EventCellSent, Tenant: "contoso", Step: "s", Item: &item}); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	return d
}

// reopened is a run directory of n events, closed and opened again (as a
// resume does); the caller closes it.
func reopened(t *testing.T, n int) *RunDir {
	t.Helper()
	d, err := Open(writeEvents(t, n).Path())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Issue 14: a torn last line is cut back (the original kept) when the run
// directory is opened, so the next record is not glued onto it and every
// later resume reads the journal.
func TestJournalTornTailIsCutBackAndKept(t *testing.T) {
	t.Parallel()
	d := writeEvents(t, 3)
	path := filepath.Join(d.Path(), EventsFile)
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"t":"2026-11-22T07:00:00Z","type":"cell_se`)
	f.Close()
	torn, _ := os.ReadFile(path)

	for round := range 3 {
		d2, err := Open(d.Path())
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if round == 0 {
			msg := d2.Repaired()
			if !strings.Contains(msg, "torn tail") || !strings.Contains(msg, "kept as") {
				t.Fatalf("the repair is not reported: %q", msg)
			}
			backups, _ := filepath.Glob(path + ".torn-*")
			if len(backups) != 1 {
				t.Fatalf("backups: %v", backups)
			}
			if b, _ := os.ReadFile(backups[0]); !bytes.Equal(b, torn) {
				t.Fatal("the backup is not the original journal")
			}
		} else if d2.Repaired() != "" {
			t.Fatalf("round %d: repaired again: %s", round, d2.Repaired())
		}
		item := 10 + round
		if err := d2.Journal().Record(Event{Type: EventCellSent, Tenant: "contoso", Step: "s", Item: &item}); err != nil {
			t.Fatal(err)
		}
		evs, err := d2.Events()
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if len(evs) != 3+round+1 {
			t.Fatalf("round %d: %d events", round, len(evs))
		}
		d2.Close()
	}
}

// A resume reads its journal once: opening the directory decodes it (to
// find a torn tail), and the readers after that (the CLI's StartedWith, the
// runner's Events) get those events until something is recorded, not a
// fresh read and decode of the whole file each.
func TestResumeDecodesTheJournalOnce(t *testing.T) {
	t.Parallel()
	d2 := reopened(t, 3)
	defer d2.Close()
	if _, err := d2.StartedWith(); err == nil || !strings.Contains(err.Error(), "no run_started") {
		t.Fatalf("StartedWith: %v", err)
	}
	evs, err := d2.Events()
	if err != nil || len(evs) != 3 || *evs[2].Item != 2 {
		t.Fatalf("events %+v, %v", evs, err)
	}
	if d2.reads != 0 {
		t.Errorf("the journal was read %d more times after Open decoded it", d2.reads)
	}
	item := 3
	if err := d2.Journal().Record(Event{Type: EventCellSent, Tenant: "contoso", Step: "s", Item: &item}); err != nil {
		t.Fatal(err)
	}
	if evs, err := d2.Events(); err != nil || len(evs) != 4 || d2.reads != 1 {
		t.Fatalf("after a record: %d events (%v), %d reads; want 4 read from the file", len(evs), err, d2.reads)
	}
}

// Issue 14: one flipped digit in a record is detected by its checksum. In
// the middle of the journal it stops the resume with the line; in the last
// record it is a torn tail (the write never completed its fsync'ed state).
func TestJournalChecksumCatchesAFlippedDigit(t *testing.T) {
	t.Parallel()
	d := writeEvents(t, 4)
	path := filepath.Join(d.Path(), EventsFile)
	data, _ := os.ReadFile(path)
	lines := bytes.SplitAfter(data, []byte("\n"))
	flip := func(line []byte) []byte {
		out := bytes.Clone(line)
		i := bytes.Index(out, []byte(`"item":`)) + len(`"item":`)
		out[i] = '7' // items are 0..3: a different digit
		return out
	}
	middle := bytes.Join([][]byte{lines[0], flip(lines[1]), lines[2], lines[3]}, nil)
	if err := os.WriteFile(path, middle, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(d.Path()); err == nil || !strings.Contains(err.Error(), "line 2 is damaged (checksum mismatch)") {
		t.Fatalf("damage in the middle: err = %v", err)
	}
	last := bytes.Join([][]byte{lines[0], lines[1], lines[2], flip(lines[3])}, nil)
	if err := os.WriteFile(path, last, 0o640); err != nil {
		t.Fatal(err)
	}
	d2, err := Open(d.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	evs, err := d2.Events()
	if err != nil || len(evs) != 3 || d2.Repaired() == "" {
		t.Fatalf("a damaged last record: %d events, %v, repaired %q", len(evs), err, d2.Repaired())
	}
}

// Issue 14: one process at a time has a run directory open; the second
// is told who holds it.
func TestRunDirIsLockedForOneProcess(t *testing.T) {
	t.Parallel()
	d1 := reopened(t, 1)
	_, err := Open(d1.Path())
	want := fmt.Sprintf("in use by exoplay process %s", strconv.Itoa(os.Getpid()))
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("second open: %v, want %q", err, want)
	}
	d1.Close()
	d3, err := Open(d1.Path())
	if err != nil {
		t.Fatalf("after the holder closed: %v", err)
	}
	d3.Close()
}

func FuzzScanJournal(f *testing.F) {
	var b []byte
	b, _ = appendEvent(b, &Event{Type: EventRunStarted, Run: &Run{ID: "x"}})
	b = append(sealRecord(b, 0), '\n')
	n := len(b)
	item := 3
	b, _ = appendEvent(b, &Event{Type: EventCellSent, Tenant: "t", Step: "s", Item: &item})
	b = append(sealRecord(b, n), '\n')
	f.Add(b)
	f.Add(b[:len(b)-5])
	f.Add([]byte(`{"type":"cell_done"}` + "\n" + `{"type":`))
	f.Add([]byte("\n\n{}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := scanJournal(data)
		if err != nil {
			return
		}
		if sc.good < 0 || sc.good > int64(len(data)) {
			t.Fatalf("good = %d of %d bytes", sc.good, len(data))
		}
		// What remains after cutting the torn tail is whole and reads
		// the same events.
		again, err := scanJournal(data[:sc.good])
		if err != nil || again.good != sc.good || len(again.events) != len(sc.events) || again.torn != 0 {
			t.Fatalf("the cut journal does not read back: %v %+v vs %+v", err, again, sc)
		}
	})
}

// BenchmarkSealRecord is the checksum's cost per journal record (a typical
// cell_done line), on top of encoding it.
func BenchmarkSealRecord(b *testing.B) {
	item := 17
	ev := Event{Time: time.Now().UTC(), Type: EventCellDone, Tenant: "contoso", Step: "disable-pop", Item: &item, Status: StatusChanged, Sent: true,
		Data: &Range{Off: 123456, Len: 789, Objects: 3}, Attempts: &Attempts{Calls: 1, Attempts: 1, Requests: 1}}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		out, _ := appendEvent(buf[:0], &ev)
		buf = sealRecord(out, 0)
	}
}

// BenchmarkScanJournal reads a 10,000-record journal, as a resume does.
func BenchmarkScanJournal(b *testing.B) {
	var data []byte
	for i := range 10000 {
		item := i
		n := len(data)
		data, _ = appendEvent(data, &Event{Time: time.Now().UTC(), Type: EventCellDone, Tenant: "contoso", Step: "s", Item: &item, Status: StatusOK})
		data = append(sealRecord(data, n), '\n')
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := scanJournal(data); err != nil {
			b.Fatal(err)
		}
	}
}
