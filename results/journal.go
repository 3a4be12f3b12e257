package results

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
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
	// Sent marks the cell_done of a write that was sent: its outcome must
	// reach the file before the run goes on (a resume must not send it
	// again).
	Sent bool `json:"sent,omitempty"`

	// cell_done
	Data     *Range         `json:"data,omitempty"` // where the cell's objects are in the step's spool
	Attempts *Attempts      `json:"attempts,omitempty"`
	Error    *Error         `json:"error,omitempty"`
	Warnings []string       `json:"warnings,omitempty"`
	WouldRun map[string]any `json:"would_run,omitempty"`
	Diff     *Diff          `json:"diff,omitempty"` // ensure: the properties that differed

	// step_done, tenant_done (the tenant without its steps), run_started
	StepResult   *Step   `json:"step_result,omitempty"`
	TenantResult *Tenant `json:"tenant_result,omitempty"`
	Run          *Run    `json:"run,omitempty"`
	// run_started: the inventory, tenants and selection (resume checks them).
	Inputs *Inputs `json:"inputs,omitempty"`

	Message string `json:"message,omitempty"`
}

// Journal appends events to events.jsonl, in the order they are recorded.
// Its one way in is Record, and the journal, not the caller, decides how
// durable each event must be before Record returns (see durabilityOf).
// Events are encoded into a buffer that is written with one write(2)
// whenever an event needs to reach the file:
//   - written: the buffer is written now, so the event survives the process
//     being killed;
//   - synced: also waits for fsync, shared by concurrent callers (group
//     commit: callers that arrive during an fsync are written together and
//     synced by the next one), so a write is journaled durably before it is
//     sent;
//   - deferred: the event waits in the buffer until the next written or
//     synced event, or deferFor later, whichever is first (at most deferMax
//     bytes wait): for events whose loss to a kill -9 only means redoing
//     work that is safe to redo (a read's cell_done) or nothing.
//
// The first write or sync error makes the journal unusable: every later
// Record returns it, so a run that cannot journal stops sending.
type Journal struct {
	mu       sync.Mutex
	cond     *sync.Cond
	f        *os.File
	now      func() time.Time
	deferFor time.Duration
	buf      []byte // encoded events not yet written, in order
	secrets  atomic.Pointer[Secrets]
	queued   uint64 // sequence of the last event encoded
	written  uint64 // sequence of the last event written
	synced   uint64 // sequence of the last event known durable
	syncing  bool
	waiting  int // callers waiting for their events to be durable
	// lastGroup is how many callers the last fsync served; gatherFor is
	// how long a sync waits for company when that was more than one.
	lastGroup int
	gatherFor time.Duration
	syncs     int         // fsyncs done (tests)
	timer     *time.Timer // writes deferred events deferFor after the first
	armed     bool        // the timer is pending: deferred events wait
	closed    bool
	err       error // first write or sync error; the journal is then unusable
	// opened are the events the file held when the run directory was
	// opened (openedOK: they were decoded), until the first Record.
	opened   []Event
	openedOK bool
}

// Deferred events wait at most this long, or until this many bytes wait.
const (
	deferFor = 500 * time.Millisecond
	deferMax = 32 << 10
)

// gatherFor is how long an fsync waits for concurrent callers to join it.
const gatherFor = 2 * time.Millisecond

func openJournal(path string) (*Journal, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return nil, err
	}
	j := &Journal{f: f, now: time.Now, deferFor: deferFor, gatherFor: gatherFor}
	j.cond = sync.NewCond(&j.mu)
	return j, nil
}

// durability is how far an event must have gone when Record returns.
type durability int

const (
	deferred durability = iota
	written
	synced
)

// durabilityOf is the one rule for how durable each event type is.
//   - run_started and run_resumed are synced before any network call, so a
//     run killed in its first moments can still be resumed;
//   - cell_sent is synced before the write goes out; cell_unsent (the write
//     never left) before the process may exit;
//   - step_done, tenant_done and run_finished are synced: a resume skips
//     what they describe;
//   - a sent write's cell_done is written (a resume must not send it again);
//   - everything else (started events, signed_in, a read's or an unsent
//     cell's cell_done) is deferred: losing it only redoes safe work.
func durabilityOf(ev *Event) durability {
	switch ev.Type {
	case EventRunStarted, EventRunResumed, EventCellSent, EventCellUnsent,
		EventStepDone, EventTenantDone, EventRunFinished:
		return synced
	case EventCellDone:
		if ev.Sent {
			return written
		}
	}
	return deferred
}

// Record appends evs, in order, and returns once each is as durable as its
// type requires (durabilityOf): several events recorded together (a $batch's
// cell_sent events) share one write and one fsync.
func (j *Journal) Record(evs ...Event) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	need := deferred
	for i := range evs {
		if err := j.enqueue(&evs[i]); err != nil {
			return err
		}
		need = max(need, durabilityOf(&evs[i]))
	}
	switch need {
	case synced:
		return j.syncLocked(j.queued)
	case written:
		return j.writeLocked()
	}
	return j.deferLocked()
}

// SetClock sets the clock that stamps events without a time (tests).
func (j *Journal) SetClock(now func() time.Time) { j.now = now }

// deferLocked leaves what is queued in the buffer for the next write, or
// deferFor from now. Called with mu held.
func (j *Journal) deferLocked() error {
	if j.err != nil {
		return j.err
	}
	if len(j.buf) >= deferMax {
		return j.writeLocked()
	}
	if !j.armed {
		j.armed = true
		if j.timer == nil {
			j.timer = time.AfterFunc(j.deferFor, j.flushDeferred)
		} else {
			j.timer.Reset(j.deferFor)
		}
	}
	return nil
}

// flush writes the deferred events (without fsync).
func (j *Journal) flush() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.writeLocked()
}

func (j *Journal) flushDeferred() {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.closed && j.armed {
		_ = j.writeLocked() // an error is kept in j.err for the next caller
	}
}

// enqueue encodes ev at the end of the buffer. Called with mu held.
func (j *Journal) enqueue(ev *Event) error {
	if j.err != nil {
		return j.err
	}
	if j.closed {
		return fmt.Errorf("journal %s: closed", j.f.Name())
	}
	if ev.Time.IsZero() {
		ev.Time = j.now().UTC()
	}
	j.opened, j.openedOK = nil, false // the file now holds more
	n := len(j.buf)
	b, err := appendEvent(j.buf, ev)
	if err != nil {
		j.buf = b[:n]
		return fmt.Errorf("journal: encoding %s event: %w", ev.Type, err)
	}
	if sec := j.secrets.Load(); sec != nil {
		// By value, before the record's checksum is computed over the line.
		if clean := sec.Scrub(b[n:]); &clean[0] != &b[n] {
			b = append(b[:n], clean...)
		}
	}
	j.buf = append(sealRecord(b, n), '\n')
	j.queued++
	return nil
}

func (j *Journal) setSecrets(s *Secrets) { j.secrets.Store(s) }

// openedEvents returns the events decoded when the journal was opened, if
// nothing was recorded since.
func (j *Journal) openedEvents() ([]Event, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.opened, j.openedOK
}

// writeLocked writes the buffer with one write(2). Called with mu held, so
// the file has the events in the order they were appended.
func (j *Journal) writeLocked() error {
	if j.err != nil || len(j.buf) == 0 {
		return j.err
	}
	if _, err := j.f.Write(j.buf); err != nil {
		j.err = fmt.Errorf("journal %s: %w", j.f.Name(), err)
		return j.err
	}
	j.written = j.queued
	if j.armed { // nothing deferred is left
		j.armed = false
		j.timer.Stop()
	}
	if cap(j.buf) > 1<<20 { // a large run_started or step_done passed through
		j.buf = nil
	} else {
		j.buf = j.buf[:0]
	}
	return nil
}

// syncLocked returns once event seq is durable. One caller at a time
// writes what is queued and syncs it, without the lock; callers arriving
// meanwhile queue their events and the next of them syncs them together.
// When the last fsync served several callers, the next one first waits
// gatherFor for more to join: an fsync costs far more CPU than the wait,
// and a foreach's cells are journaled well before a connection slot frees
// for them, so the wait rarely delays a call.
func (j *Journal) syncLocked(seq uint64) error {
	if j.synced >= seq {
		return j.err
	}
	j.waiting++
	defer func() { j.waiting-- }()
	for j.synced < seq && j.err == nil {
		if j.syncing {
			j.cond.Wait()
			continue
		}
		j.syncing = true
		if j.gatherFor > 0 && j.lastGroup > 1 {
			j.mu.Unlock()
			time.Sleep(j.gatherFor)
			j.mu.Lock()
		}
		if err := j.writeLocked(); err != nil {
			j.syncing = false
			j.cond.Broadcast()
			break
		}
		target := j.written
		j.lastGroup = j.waiting
		j.mu.Unlock()
		err := j.f.Sync()
		j.mu.Lock()
		j.syncing = false
		j.syncs++
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
	j.mu.Lock()
	err := j.syncLocked(j.queued)
	j.closed = true
	if j.timer != nil {
		j.timer.Stop()
	}
	j.mu.Unlock()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	return err
}
