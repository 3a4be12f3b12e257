package results

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// WritesFile is the write ledger of a run directory: one JSON line per
// write the run sent (or whose outcome a resume could not know), in the
// order their outcomes were known. It is the record of what a run changed,
// for audits; the journal (events.jsonl) stays the resume log.
const WritesFile = "writes.jsonl"

// Write outcomes in the ledger.
const (
	WriteConfirmed = "confirmed" // the service confirmed the change
	WriteUnchanged = "unchanged" // the service answered that nothing was modified
	WriteFailed    = "failed"    // the service refused it
	WriteUnknown   = "unknown"   // sent, never confirmed: it may or may not have run
	WriteBlocked   = "blocked"   // not sent: the reviewed plan (run --plan) does not list it
)

// CodeNotInPlan is the error code of a write that run --plan blocked
// because the reviewed plan does not list it: it was not sent.
const CodeNotInPlan = "not_in_plan"

// WriteRecord is one line of writes.jsonl.
type WriteRecord struct {
	Time       time.Time      `json:"t"` // when the outcome was known
	Started    *time.Time     `json:"started,omitempty"`
	Tenant     string         `json:"tenant"`
	TenantID   string         `json:"tenant_id,omitempty"`
	Step       string         `json:"step"`
	Cmdlet     string         `json:"cmdlet"`
	Item       *int           `json:"item,omitempty"`     // foreach index
	Identity   string         `json:"identity,omitempty"` // the object written, when the call names it
	Parameters map[string]any `json:"parameters,omitempty"`
	Outcome    string         `json:"outcome"`
	Error      *Error         `json:"error,omitempty"`
	Warnings   []string       `json:"warnings,omitempty"`
	Attempts   int            `json:"attempts,omitempty"`
	// Diff is, for an ensure: step, each property the write set: its value
	// before and the value written.
	Diff []PropertyDiff `json:"diff,omitempty"`
}

// WriteCounts summarises the ledger in results.json.
type WriteCounts struct {
	Confirmed int `json:"confirmed"`
	Unchanged int `json:"unchanged"`
	Failed    int `json:"failed"`
	Unknown   int `json:"unknown"`
	Blocked   int `json:"blocked,omitempty"` // run --plan: not in the plan, not sent
}

// Add counts one outcome.
func (c *WriteCounts) Add(outcome string) {
	switch outcome {
	case WriteConfirmed:
		c.Confirmed++
	case WriteUnchanged:
		c.Unchanged++
	case WriteFailed:
		c.Failed++
	case WriteUnknown:
		c.Unknown++
	case WriteBlocked:
		c.Blocked++
	}
}

// Ledger appends to writes.jsonl; it is opened on the first write.
type Ledger struct {
	dir  *RunDir // for its secrets, scrubbed by value like the journal
	path string
	mu   sync.Mutex
	f    *os.File
	err  error
}

// Ledger is the run directory's write ledger.
func (d *RunDir) Ledger() *Ledger {
	d.ledgerOnce.Do(func() { d.ledger = &Ledger{dir: d, path: filepath.Join(d.path, WritesFile)} })
	return d.ledger
}

// Record appends one write (each line with one write(2), so a kill leaves
// whole lines and at most a torn last one).
func (l *Ledger) Record(w WriteRecord) error {
	b, err := json.Marshal(w)
	if err != nil {
		return fmt.Errorf("write ledger: %w", err)
	}
	b = l.dir.secrets.Scrub(b)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return l.err
	}
	if l.f == nil {
		if l.f, l.err = os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640); l.err != nil {
			return l.err
		}
	}
	if _, err := l.f.Write(append(b, '\n')); err != nil {
		l.err = fmt.Errorf("write ledger %s: %w", l.path, err)
	}
	return l.err
}

func (l *Ledger) close() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Sync()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}
