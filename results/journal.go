package results

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Event types written to events.jsonl.
const (
	EventRunStarted    = "run_started"
	EventRunResumed    = "run_resumed"
	EventTenantStarted = "tenant_started"
	EventSignedIn      = "signed_in"
	EventStepStarted   = "step_started"
	EventCellSent      = "cell_sent"   // a write is about to be sent (synced first)
	EventCellUnsent    = "cell_unsent" // ...but it never left: cancelled before it got a connection slot
	EventCellDone      = "cell_done"   // one call (or one foreach item) finished
	EventStepDone      = "step_done"
	EventTenantDone    = "tenant_done"
	EventRunFinished   = "run_finished"
)

// Event is one line of events.jsonl. The journal is the resume log: a cell
// (tenant × step × item) with a cell_done event, or a step with step_done,
// is never run again.
type Event struct {
	Time   time.Time `json:"t"`
	Type   string    `json:"type"`
	Tenant string    `json:"tenant,omitempty"`
	Step   string    `json:"step,omitempty"`
	Item   *int      `json:"item,omitempty"` // foreach index; absent for a single call
	Status Status    `json:"status,omitempty"`

	// cell_done
	Data     *Range         `json:"data,omitempty"` // where the cell's objects are in the step's spool
	Attempts *Attempts      `json:"attempts,omitempty"`
	Error    *Error         `json:"error,omitempty"`
	Warnings []string       `json:"warnings,omitempty"`
	WouldRun map[string]any `json:"would_run,omitempty"`

	// step_done, tenant_done (the tenant without its steps), run_started
	StepResult   *Step   `json:"step_result,omitempty"`
	TenantResult *Tenant `json:"tenant_result,omitempty"`
	Run          *Run    `json:"run,omitempty"`

	Message string `json:"message,omitempty"`
}

// Journal appends events to events.jsonl. Every event is written with one
// write(2) as it happens (so it survives the process being killed);
// AppendSync also waits for fsync, shared by concurrent callers (group
// commit), so a write is journaled durably before it is sent.
type Journal struct {
	mu      sync.Mutex
	cond    *sync.Cond
	f       *os.File
	now     func() time.Time
	written uint64 // sequence of the last event written
	synced  uint64 // sequence of the last event known durable
	syncing bool
	err     error // first write or sync error; the journal is then unusable
}

func openJournal(path string) (*Journal, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return nil, err
	}
	j := &Journal{f: f, now: time.Now}
	j.cond = sync.NewCond(&j.mu)
	return j, nil
}

// SetClock sets the clock that stamps events without a time (tests).
func (j *Journal) SetClock(now func() time.Time) { j.now = now }

// Append writes ev (stamped now when ev.Time is zero).
func (j *Journal) Append(ev Event) error {
	_, err := j.append(ev)
	return err
}

// AppendSync writes ev and returns once it is on stable storage.
func (j *Journal) AppendSync(ev Event) error {
	seq, err := j.append(ev)
	if err != nil {
		return err
	}
	return j.syncTo(seq)
}

// Sync makes every event written so far durable.
func (j *Journal) Sync() error {
	j.mu.Lock()
	seq := j.written
	j.mu.Unlock()
	return j.syncTo(seq)
}

func (j *Journal) append(ev Event) (uint64, error) {
	if ev.Time.IsZero() {
		ev.Time = j.now().UTC()
	}
	line, err := json.Marshal(ev)
	if err != nil {
		return 0, fmt.Errorf("journal: encoding %s event: %w", ev.Type, err)
	}
	line = append(line, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return 0, j.err
	}
	if _, err := j.f.Write(line); err != nil {
		j.err = fmt.Errorf("journal %s: %w", j.f.Name(), err)
		return 0, j.err
	}
	j.written++
	return j.written, nil
}

func (j *Journal) syncTo(seq uint64) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.synced < seq && j.err == nil {
		if j.syncing {
			j.cond.Wait()
			continue
		}
		j.syncing = true
		target := j.written
		j.mu.Unlock()
		err := j.f.Sync()
		j.mu.Lock()
		j.syncing = false
		if err != nil {
			j.err = fmt.Errorf("journal %s: sync: %w", j.f.Name(), err)
		} else {
			j.synced = target
		}
		j.cond.Broadcast()
	}
	return j.err
}

func (j *Journal) close() error {
	if err := j.Sync(); err != nil {
		j.f.Close()
		return err
	}
	return j.f.Close()
}

// ReadEvents decodes an events.jsonl stream. A torn last line (the process
// died while writing it) is ignored; a bad line elsewhere is an error.
func ReadEvents(r io.Reader) ([]Event, error) {
	var out []Event
	br := bufio.NewReaderSize(r, 64<<10)
	lineNo := 0
	var pending error
	for {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			lineNo++
			if pending != nil {
				return nil, pending
			}
			var ev Event
			if jerr := json.Unmarshal(line, &ev); jerr != nil {
				pending = fmt.Errorf("events.jsonl line %d: %w", lineNo, jerr)
			} else {
				out = append(out, ev)
			}
		}
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
