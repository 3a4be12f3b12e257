package results

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Range locates one cell's objects (JSON lines) in a step's spool file.
type Range struct {
	Off     int64 `json:"off"`
	Len     int64 `json:"len"`
	Objects int   `json:"objects"`
}

// DataPath is the path, relative to the run directory, of a step's data file:
// data/<tenant>/<step-id>.jsonl. It is the one function that names data
// files. The playbook loader accepts only tenant names and step ids that are
// safe file names and distinct ignoring case (playbook/names.go), for which
// Slug changes nothing; OpenSpool refuses any other name rather than let two
// names share a file.
func DataPath(tenant, step string) string {
	return filepath.ToSlash(filepath.Join(DataDir, Slug(tenant), Slug(step)+".jsonl"))
}

// Spool collects a step's output while its cells run, in completion order,
// as JSON lines. Finish then writes data/<tenant>/<step>.jsonl in input
// order. The spool survives an interruption, so the output of cells that
// finished is still there when the run is resumed.
type Spool struct {
	mu    sync.Mutex
	f     *os.File
	size  int64
	path  string // spool file
	final string // data file
	rel   string
}

// OpenSpool opens (or, on resume, reopens) the spool of a step.
func (d *RunDir) OpenSpool(tenant, step string) (*Spool, error) {
	for _, name := range []string{tenant, step} {
		if Slug(name) != name {
			return nil, fmt.Errorf("%q is not a safe file name (it would be written as %q and could share a data file with another name)", name, Slug(name))
		}
	}
	rel := DataPath(tenant, step)
	final := filepath.Join(d.path, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return nil, fmt.Errorf("creating the data folder: %w", err)
	}
	path := final + ".spool"
	// A single-range spool is renamed into place before step_done is
	// journaled; if the process died in between, take it back.
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Stat(final); err == nil {
			if err := os.Rename(final, path); err != nil {
				return nil, err
			}
		}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, fmt.Errorf("opening the step's data spool: %w", err)
	}
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &Spool{f: f, size: size, path: path, final: final, rel: rel}, nil
}

// Append writes one cell's objects (complete JSON lines) and returns where.
func (s *Spool) Append(block []byte, objects int) (Range, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := Range{Off: s.size, Len: int64(len(block)), Objects: objects}
	if len(block) == 0 {
		return r, nil
	}
	n, err := s.f.WriteAt(block, s.size)
	s.size += int64(n)
	if err != nil {
		return Range{}, fmt.Errorf("writing %s: %w", s.rel, err)
	}
	return r, nil
}

// Stream starts writing one cell's objects straight to the spool as they
// arrive, for a step with a single cell: memory stays flat however many
// objects there are. The spool is locked until Commit or Abort.
func (s *Spool) Stream() *SpoolWriter {
	s.mu.Lock()
	w := &SpoolWriter{s: s, start: s.size}
	w.bw = bufio.NewWriterSize(&offsetWriter{f: s.f, off: &s.size}, 64<<10)
	return w
}

// SpoolWriter streams one cell's objects into a spool.
type SpoolWriter struct {
	s       *Spool
	bw      *bufio.Writer
	start   int64
	objects int
	done    bool
}

// WriteObject appends one object as a JSON line.
func (w *SpoolWriter) WriteObject(obj json.RawMessage) error {
	w.objects++
	if _, err := w.bw.Write(obj); err != nil {
		return err
	}
	return w.bw.WriteByte('\n')
}

// Commit flushes and returns the cell's range.
func (w *SpoolWriter) Commit() (Range, error) {
	if w.done {
		return Range{}, errors.New("spool writer already closed")
	}
	w.done = true
	defer w.s.mu.Unlock()
	if err := w.bw.Flush(); err != nil {
		return Range{}, fmt.Errorf("writing %s: %w", w.s.rel, err)
	}
	return Range{Off: w.start, Len: w.s.size - w.start, Objects: w.objects}, nil
}

// Abort drops what was written (it stays in the spool, unreferenced).
func (w *SpoolWriter) Abort() {
	if w.done {
		return
	}
	w.done = true
	_ = w.bw.Flush()
	w.s.mu.Unlock()
}

type offsetWriter struct {
	f   *os.File
	off *int64
}

func (o *offsetWriter) Write(p []byte) (int, error) {
	n, err := o.f.WriteAt(p, *o.off)
	*o.off += int64(n)
	return n, err
}

// ReadRange calls fn for each object of r.
func (s *Spool) ReadRange(r Range, fn func(json.RawMessage) error) error {
	// A cell's range is often a few hundred bytes (resume reads one per
	// cell): no 64 KiB buffer for it.
	return eachLine(io.NewSectionReader(s.f, r.Off, r.Len), min(r.Len+1, lineBuf), fn)
}

// Finish writes the data file from ranges, in the order given, and returns
// its path relative to the run directory ("" when there are no objects).
// Call Remove once step_done is journaled.
func (s *Spool) Finish(ranges []Range) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	objects := 0
	for _, r := range ranges {
		objects += r.Objects
	}
	if objects == 0 {
		return "", nil
	}
	// The common case: one cell that wrote the whole spool.
	if len(ranges) == 1 && ranges[0].Off == 0 && ranges[0].Len == s.size {
		if err := s.f.Sync(); err != nil {
			return "", err
		}
		if err := os.Rename(s.path, s.final); err != nil {
			return "", err
		}
		return s.rel, nil
	}
	tmp := s.final + ".tmp"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return "", err
	}
	bw := bufio.NewWriterSize(out, 64<<10)
	if err := s.copyRanges(bw, ranges); err != nil {
		out.Close()
		return "", err
	}
	if err := bw.Flush(); err != nil {
		out.Close()
		return "", err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return "", err
	}
	if err := out.Close(); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, s.final); err != nil {
		return "", err
	}
	return s.rel, nil
}

// finishWindow is how much of the spool Finish reads at once; finishBack
// is how far before the range that needs it a window starts.
const (
	finishWindow = 256 << 10
	finishBack   = 32 << 10
)

var windowPool = sync.Pool{New: func() any { b := make([]byte, finishWindow); return &b }}

// copyRanges copies ranges of the spool to w in the order given. Cells
// finish nearly in input order, so ranges that follow each other in the
// output are mostly close in the spool: it reads the spool in windows and
// copies most ranges from memory, rather than one read(2) per range.
func (s *Spool) copyRanges(w io.Writer, ranges []Range) error {
	bp := windowPool.Get().(*[]byte)
	defer windowPool.Put(bp)
	buf := *bp
	var win []byte // the window read: spool bytes [winOff, winOff+len(win))
	var winOff int64
	for _, r := range ranges {
		if r.Len <= 0 {
			continue
		}
		if r.Off < 0 || r.Off+r.Len > s.size {
			return fmt.Errorf("%s: a cell's output (bytes %d..%d) is past the end of the spool (%d bytes)", s.rel, r.Off, r.Off+r.Len, s.size)
		}
		if r.Off >= winOff && r.Off+r.Len <= winOff+int64(len(win)) {
			if _, err := w.Write(win[r.Off-winOff : r.Off-winOff+r.Len]); err != nil {
				return err
			}
			continue
		}
		if r.Len > int64(len(buf))-finishBack {
			// Larger than a window: copy it through the buffer.
			win = nil
			if _, err := io.CopyBuffer(onlyWriter{w}, io.NewSectionReader(s.f, r.Off, r.Len), buf); err != nil {
				return err
			}
			continue
		}
		winOff = max(0, r.Off-finishBack)
		win = buf[:min(int64(len(buf)), s.size-winOff)]
		if _, err := s.f.ReadAt(win, winOff); err != nil {
			return fmt.Errorf("reading %s: %w", s.rel, err)
		}
		if _, err := w.Write(win[r.Off-winOff : r.Off-winOff+r.Len]); err != nil {
			return err
		}
	}
	return nil
}

// onlyWriter hides w's ReadFrom, so io.CopyBuffer uses the buffer given.
type onlyWriter struct{ w io.Writer }

func (o onlyWriter) Write(p []byte) (int, error) { return o.w.Write(p) }

// Remove closes the spool and deletes it if it is still there.
func (s *Spool) Remove() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.f.Close()
	if err := os.Remove(s.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Close closes the spool and keeps it (the step did not finish).
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f.Close()
}

// ReadData calls fn for each object of a data file (rel as returned by
// Finish).
func (d *RunDir) ReadData(rel string, fn func(json.RawMessage) error) error {
	f, err := os.Open(filepath.Join(d.path, filepath.FromSlash(rel)))
	if err != nil {
		return err
	}
	defer f.Close()
	return eachLine(f, lineBuf, fn)
}

// lineBuf is the read buffer of eachLine for a whole file.
const lineBuf = 64 << 10

func eachLine(r io.Reader, size int64, fn func(json.RawMessage) error) error {
	br := bufio.NewReaderSize(r, int(size))
	for {
		line, err := br.ReadBytes('\n')
		if line = bytes.TrimSpace(line); len(line) > 0 {
			if ferr := fn(json.RawMessage(line)); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
