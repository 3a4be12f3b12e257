package results

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/exoplay/exoplay/internal/atomicfile"
)

// File names inside a run directory.
const (
	ResultsFile = "results.json"
	EventsFile  = "events.jsonl"
	LogFileName = "exoplay.log"
	DataDir     = "data"
)

// RunDir is an open run directory: OUT/<UTC yyyymmddThhmmssZ>-<name>/.
type RunDir struct {
	path     string
	journal  *Journal
	log      *os.File
	repaired string   // what opening did to a torn journal ("" = nothing)
	secrets  *Secrets // scrubbed from what the run directory is written (SetSecrets)
	reads    int      // times Events read the journal file (tests)

	ledgerOnce sync.Once
	ledger     *Ledger // writes.jsonl, opened on the first write
}

// Create makes a new run directory under outDir, named after the start time
// (UTC) and the playbook name. A second run in the same second gets a
// numbered suffix rather than sharing a directory.
func Create(outDir, name string, now time.Time) (*RunDir, error) {
	if err := os.MkdirAll(outDir, 0o750); err != nil {
		return nil, fmt.Errorf("creating the output folder: %w", explainMkdir(outDir, err))
	}
	base := now.UTC().Format("20060102T150405Z") + "-" + Slug(name)
	for i := 1; ; i++ {
		dir := filepath.Join(outDir, base)
		if i > 1 {
			dir = fmt.Sprintf("%s-%d", dir, i)
		}
		err := os.Mkdir(dir, 0o750)
		if errors.Is(err, fs.ErrExist) && i < 1000 {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("creating the run directory: %w", err)
		}
		return open(dir)
	}
}

// CreateAt makes the run directory dir itself (its parents too). dir may
// exist if it is empty: a volume mounted for one run.
func CreateAt(dir string) (*RunDir, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("creating the run directory: %w", explainMkdir(dir, err))
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) > 0 {
		if err == nil {
			err = fmt.Errorf("%s is not empty and holds no run (no %s)", dir, EventsFile)
		}
		return nil, fmt.Errorf("creating the run directory: %w", err)
	}
	return open(dir)
}

// Open opens an existing run directory to resume it. An empty directory is
// a run killed between making its directory and creating its journal
// (Create does one, then the other): nothing of it was recorded or sent,
// so it opens like a run whose journal is empty, which starts afresh.
func Open(runDir string) (*RunDir, error) {
	if _, err := os.Stat(filepath.Join(runDir, EventsFile)); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("cannot resume %s: %w", runDir, err)
		}
		if entries, rerr := os.ReadDir(runDir); rerr != nil || len(entries) > 0 {
			return nil, fmt.Errorf("%s is not an exoplay run directory: it has no %s", runDir, EventsFile)
		}
		d, err := open(runDir)
		if err == nil {
			d.repaired = fmt.Sprintf("%s was empty: its run stopped before it recorded anything, so nothing was sent; the run starts afresh in it", runDir)
		}
		return d, err
	}
	return open(runDir)
}

func open(dir string) (*RunDir, error) {
	path := filepath.Join(dir, EventsFile)
	j, err := openJournal(path)
	if err != nil {
		return nil, fmt.Errorf("opening the run journal: %w", err)
	}
	if err := lockRunDir(dir, j.f); err != nil {
		j.f.Close()
		return nil, err
	}
	// Under the lock: nobody else appends while a torn tail is cut off.
	repaired, evs, err := repairJournal(path, time.Now())
	if err != nil {
		j.f.Close()
		return nil, fmt.Errorf("cannot resume %s: %w", dir, err)
	}
	lf, err := os.OpenFile(filepath.Join(dir, LogFileName), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		j.close()
		return nil, fmt.Errorf("opening the run log: %w", err)
	}
	j.opened, j.openedOK = evs, true
	return &RunDir{path: dir, journal: j, log: lf, repaired: repaired}, nil
}

// Repaired says how the journal was repaired when the directory was opened
// ("" when it was whole): report it to the user.
func (d *RunDir) Repaired() string { return d.repaired }

// Path is the run directory as given to Create or Open.
func (d *RunDir) Path() string { return d.path }

// ID is the directory's base name, also the run id.
func (d *RunDir) ID() string { return filepath.Base(d.path) }

// LogFile is exoplay.log, for zerolog's JSON lines.
func (d *RunDir) LogFile() io.Writer { return d.secrets.Writer(d.log) }

// SetSecrets makes every later write of exoplay.log (through LogFile),
// events.jsonl and results.json scrub the values s knows, by value. Call it
// before LogFile and before the run starts; s may grow while the run goes on.
// Step data files (the service's own output) are written as received.
func (d *RunDir) SetSecrets(s *Secrets) {
	d.secrets = s
	d.journal.setSecrets(s)
}

// Journal is events.jsonl.
func (d *RunDir) Journal() *Journal { return d.journal }

// Events reads the journal written so far (for resume), deferred events
// included. Until the first event is recorded they are the events opening
// the directory decoded (shared: callers only read them), so a resume
// decodes its journal once, not once per reader (the CLI's check of the
// inputs, then the runner).
func (d *RunDir) Events() ([]Event, error) {
	if evs, ok := d.journal.openedEvents(); ok {
		return evs, nil
	}
	if err := d.journal.flush(); err != nil {
		return nil, err
	}
	d.reads++
	return readEventsFile(filepath.Join(d.path, EventsFile))
}

// WriteResults replaces results.json atomically (temp file + rename), so a
// reader never sees half a document.
func (d *RunDir) WriteResults(r *Results) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding results: %w", err)
	}
	return atomicfile.WriteFile(filepath.Join(d.path, ResultsFile), append(d.secrets.Scrub(b), '\n'), 0o600)
}

// ReadResults reads results.json (nil, nil when there is none yet).
func (d *RunDir) ReadResults() (*Results, error) {
	var r Results
	if found, err := readJSONFile(d.path, ResultsFile, &r); !found || err != nil {
		return nil, err
	}
	return &r, nil
}

// readJSONFile decodes dir/name into v; found is false when the file does
// not exist (not an error: the caller says what its absence means).
func readJSONFile(dir, name string, v any) (found bool, err error) {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return true, fmt.Errorf("%s: %w", filepath.Join(dir, name), err)
	}
	return true, nil
}

// Close syncs the journal and closes the files.
func (d *RunDir) Close() error {
	err := d.journal.close()
	if lerr := d.ledger.close(); err == nil {
		err = lerr
	}
	if cerr := d.log.Close(); err == nil {
		err = cerr
	}
	return err
}

// Slug turns a name into a safe single path element: letters, digits, '.',
// '_' and '-' are kept, runs of anything else become one '-'.
func Slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range name {
		ok := r == '.' || r == '_' || r == '-' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if ok {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.Trim(b.String(), "-.")
	if s == "" {
		return "run"
	}
	return s
}

// StartedWith returns the inputs the run's run_started event journaled
// (nil for a journal written before they were, and for an empty one: a run
// killed before it recorded anything, which a resume starts afresh).
func (d *RunDir) StartedWith() (*Inputs, error) {
	evs, err := d.Events()
	if err != nil {
		return nil, err
	}
	if len(evs) == 0 {
		return nil, nil
	}
	for _, ev := range evs {
		if ev.Type == EventRunStarted {
			return ev.Inputs, nil
		}
	}
	return nil, fmt.Errorf("its journal has no %s event", EventRunStarted)
}

// explainMkdir turns MkdirAll's "mkdir X: file exists" into what is in the
// way: a symbolic link whose target does not exist (a dangling --out), or a
// file that is not a folder.
func explainMkdir(path string, err error) error {
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	for p := filepath.Clean(path); ; p = filepath.Dir(p) {
		if st, lerr := os.Lstat(p); lerr == nil {
			switch {
			case st.Mode()&fs.ModeSymlink != 0:
				target, _ := os.Readlink(p)
				if _, serr := os.Stat(p); serr != nil {
					return fmt.Errorf("%s is a symbolic link to %s, which does not exist: create %s or point the link at a folder", p, target, target)
				}
			case !st.IsDir():
				return fmt.Errorf("%s exists and is not a folder", p)
			}
		}
		if p == filepath.Dir(p) {
			return err
		}
	}
}
