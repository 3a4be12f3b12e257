package runner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/exoplay/exoplay/internal/category"
	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
)

// Inline output limits: larger outputs are only referenced by path.
const (
	inlineMaxObjects = 20
	inlineMaxBytes   = 8 << 10
)

// emit takes one object from the transport: select, write out, keep.
func (s *stepRun) emit(c *cell, obj json.RawMessage) error {
	bp := linePool.Get().(*[]byte)
	defer linePool.Put(bp)
	line, err := s.proj.appendTo(*bp, obj)
	if err != nil {
		return err
	}
	if len(line) > 0 && &line[0] != &obj[0] && cap(line) <= 64<<10 {
		*bp = line[:0] // keep what the projection grew, not obj
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.x().nobj++
	if c.x().stream != nil {
		if err := c.x().stream.WriteObject(line); err != nil {
			return err
		}
	} else {
		c.x().buf.Write(line)
		c.x().buf.WriteByte('\n')
	}
	if s.needResult && s.spill(int64(len(line))) {
		c.objects = nil // the register is read from the data file
	} else if s.needResult {
		v, err := decodeObject(line)
		if err != nil {
			return err
		}
		c.objects = append(c.objects, v)
	}
	return nil
}

// linePool holds the projection's scratch buffers: a projected object is
// copied out (to the cell's buffer or the spool) before emit returns.
var linePool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// commit puts the cell's objects in the spool. A failed cell's objects are
// dropped: they are not the cmdlet's answer.
func (s *stepRun) commit(c *cell) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	keep := c.keep()
	if c.x().stream != nil {
		if !keep {
			c.x().stream.Abort()
			c.x().stream = nil
			return nil
		}
		r, err := c.x().stream.Commit()
		c.x().stream = nil
		if err != nil {
			return err
		}
		c.rng = &r
		return nil
	}
	if !keep {
		c.x().buf.Reset()
		return nil
	}
	r, err := s.spool.Append(c.x().buf.Bytes(), c.x().nobj)
	c.x().buf = bytes.Buffer{}
	if err != nil {
		return err
	}
	c.rng = &r
	return nil
}

// writeOutput writes the step's data file in input order and describes it.
func (s *stepRun) writeOutput(sr *results.Step) {
	var ranges []results.Range
	total, size := 0, int64(0)
	for _, c := range s.cells {
		if c.keep() && c.rng != nil && c.rng.Objects > 0 {
			ranges = append(ranges, *c.rng)
			total += c.rng.Objects
			size += c.rng.Len
		}
	}
	// A small output is also inlined: read from the spool that is still
	// open, rather than opening the data file again once it is written.
	var inline []json.RawMessage
	if total > 0 && total <= inlineMaxObjects && size <= inlineMaxBytes {
		for _, r := range ranges {
			err := s.spool.ReadRange(r, func(obj json.RawMessage) error {
				inline = append(inline, append(json.RawMessage(nil), obj...))
				return nil
			})
			if err != nil { // the data file still has it
				inline = nil
				break
			}
		}
	}
	rel, err := s.spool.Finish(ranges)
	if err != nil {
		sr.Status = results.StatusFailed
		sr.Error = &results.Error{Category: category.Unknown, Code: "data", Message: "writing the step's data file: " + err.Error()}
		return
	}
	if total == 0 {
		return
	}
	sr.Output = &results.Output{Objects: total, Path: rel, Inline: inline}
}

// reload gives back what a step finished in an earlier run registered. A
// data file that is missing or holds fewer objects than the step reported
// is an error: the steps after it would read a wrong list.
func (tr *tenantRun) reload(st *playbook.Step, sr *results.Step) (any, error) {
	if st.Register == "" || sr.Output == nil || sr.Output.Objects == 0 {
		return nil, nil
	}
	if sr.Output.Path == "" {
		return nil, fmt.Errorf("the journal of step %s lists %d objects but no data file", st.ID, sr.Output.Objects)
	}
	if fi, err := os.Stat(filepath.Join(tr.r.opts.Dir.Path(), filepath.FromSlash(sr.Output.Path))); err == nil &&
		st.FailedWhen == nil && st.ChangedWhen == nil && fi.Size() > spillBytes(tr.r.pb.Settings.RegisterMemoryMiB) {
		l, err := tr.openList(sr.Output.Path, sr.Output.Objects)
		if err != nil {
			return nil, fmt.Errorf("step %s: %w", st.ID, err)
		}
		return l, nil
	}
	var reg []any
	if err := tr.r.opts.Dir.ReadData(sr.Output.Path, decodeOnto(&reg)); err != nil {
		return nil, fmt.Errorf("the registered output of step %s, %s, cannot be read: %w", st.ID, sr.Output.Path, err)
	}
	if len(reg) != sr.Output.Objects {
		return nil, fmt.Errorf("the registered output of step %s, %s, holds %d objects; the step returned %d", st.ID, sr.Output.Path, len(reg), sr.Output.Objects)
	}
	return reg, nil
}

// decodeOnto is a read callback that decodes each object onto *dst.
func decodeOnto(dst *[]any) func(json.RawMessage) error {
	return func(obj json.RawMessage) error {
		v, err := decodeObject(obj)
		if err != nil {
			return err
		}
		*dst = append(*dst, v)
		return nil
	}
}

func orEmpty(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}

// redactParams hides parameter values whose names say they are secrets,
// for would_run, by the same rule as --var and argv (results.LooksSecret).
func redactParams(p map[string]any) map[string]any {
	out := make(map[string]any, len(p))
	for k, v := range p {
		if results.LooksSecret(k) {
			v = results.Redacted
		}
		out[k] = v
	}
	return out
}
