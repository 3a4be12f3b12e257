package runner

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/exoplay/exoplay/internal/category"
	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
)

// memoryPerJSONByte estimates what one byte of a registered object's JSON
// takes once decoded as map[string]any (keys, interface boxes, map
// buckets). An estimate: it decides only where a register is kept.
const memoryPerJSONByte = 4

// spillBytes is the JSON size past which a register stays on disk, from
// settings.register_memory_mib (0: every register).
func spillBytes(mib int) int64 {
	return int64(mib) << 20 / memoryPerJSONByte
}

// diskList is a registered list read from its data file (one JSON object
// per line) on demand: it holds the file and one offset per object, 8
// bytes each instead of the decoded object.
type diskList struct {
	mu   sync.Mutex
	f    *os.File
	offs []int64 // start of object i; offs[len] is the end
	path string
}

var _ playbook.List = (*diskList)(nil)

// openDiskList indexes the data file at path. It holds the file open until
// Close.
func openDiskList(path string) (*diskList, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	l := &diskList{f: f, path: filepath.Base(path)}
	br := bufio.NewReaderSize(f, 64<<10)
	var off int64
	for {
		line, err := br.ReadSlice('\n')
		for errors.Is(err, bufio.ErrBufferFull) { // a line longer than the buffer
			var more []byte
			more, err = br.ReadSlice('\n')
			line = append(append([]byte(nil), line...), more...)
		}
		if len(line) > 1 || len(line) == 1 && line[0] != '\n' {
			l.offs = append(l.offs, off)
		}
		off += int64(len(line))
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			f.Close()
			return nil, err
		}
	}
	l.offs = append(l.offs, off)
	return l, nil
}

func (l *diskList) Len() int { return len(l.offs) - 1 }

func (l *diskList) Index(i int) (any, error) {
	if i < 0 || i >= l.Len() {
		return nil, fmt.Errorf("index %d out of range (list of %d)", i, l.Len())
	}
	b := make([]byte, l.offs[i+1]-l.offs[i])
	if _, err := l.f.ReadAt(b, l.offs[i]); err != nil {
		return nil, fmt.Errorf("reading object %d of %s: %w", i, l.path, err)
	}
	return decodeObject(b)
}

// Slice reads the whole list into memory (the expression forms that need
// it: see playbook.List).
func (l *diskList) Slice() ([]any, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	out := make([]any, 0, l.Len())
	err := eachObject(l.f, func(b []byte) error {
		v, err := decodeObject(b)
		out = append(out, v)
		return err
	})
	return out, err
}

func (l *diskList) Close() error { return l.f.Close() }

func eachObject(r io.Reader, fn func([]byte) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 1 || len(line) == 1 && line[0] != '\n' {
			if ferr := fn(line); ferr != nil {
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

// spill counts n more bytes of registered JSON and reports whether the
// register is (now) kept on disk: its objects are then not decoded.
func (s *stepRun) spill(n int64) bool {
	if !s.spillable {
		return false
	}
	if s.spilled.Load() || s.held.Add(n) > s.spillAt {
		s.spilled.Store(true)
		return true
	}
	return false
}

// onDisk gives the register of a step whose objects were not kept: the
// list read from the step's data file. An unreadable data file fails the
// step (the steps after it would read a wrong list).
func (s *stepRun) onDisk(sr *results.Step) any {
	if sr.Output == nil || sr.Output.Objects == 0 {
		return []any{}
	}
	l, err := s.tr.openList(sr.Output.Path, sr.Output.Objects)
	if err != nil {
		sr.Status = results.StatusFailed
		sr.Error = &results.Error{Category: category.Unknown, Code: "data", Message: err.Error()}
		return []any{}
	}
	s.tr.log.Info().Str("step", s.st.ID).Int("objects", l.Len()).Msg("register kept on disk (register_memory_mib)")
	return l
}

// openList opens a register's data file as a List and checks it holds
// the objects the step reported.
func (tr *tenantRun) openList(rel string, objects int) (*diskList, error) {
	l, err := openDiskList(filepath.Join(tr.r.opts.Dir.Path(), filepath.FromSlash(rel)))
	if err != nil {
		return nil, fmt.Errorf("the registered output %s cannot be read: %w", rel, err)
	}
	if l.Len() != objects {
		l.Close()
		return nil, fmt.Errorf("the registered output %s holds %d objects; the step returned %d", rel, l.Len(), objects)
	}
	tr.lists = append(tr.lists, l)
	return l, nil
}
