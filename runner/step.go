package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/exoplay/exoplay/cmdlet"
	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
)

// Inline output limits: larger outputs are only referenced by path.
const (
	inlineMaxObjects = 20
	inlineMaxBytes   = 8 << 10
)

// stepRun is one step of one tenant: one cell, or one per foreach item.
type stepRun struct {
	tr         *tenantRun
	st         *playbook.Step
	prior      *stepState
	proj       *projection
	spool      *results.Spool
	needResult bool // register, failed_when or assert read the objects
	itemWhen   bool // when reads item: decided per cell, not once
	checkWrite bool // a write in check mode: nothing is sent
	cells      []*cell
	call       Call // what every call of the step shares (baseCall)
}

// cell is one call of a step.
type cell struct {
	index  int // foreach index, -1 without foreach
	item   any
	status results.Status
	err    *results.Error
	reason string

	attempts results.Attempts
	warnings []string
	wouldRun map[string]any
	call     Call
	resend   bool // a write sent before an interruption, never confirmed
	sent     bool // journaled as a sent write (cell_sent)

	mu      sync.Mutex // emits of a $batch may interleave across cells
	buf     bytes.Buffer
	stream  *results.SpoolWriter
	nobj    int
	objects []any // decoded, when the step needs its result
	rng     *results.Range
}

// itemPtr is the cell's foreach index for events and results (nil without
// foreach). The index never changes, so it is shared, not copied.
func (c *cell) itemPtr() *int {
	if c.index < 0 {
		return nil
	}
	return &c.index
}

func (tr *tenantRun) runStep(ctx context.Context, st *playbook.Step) (*results.Step, []any) {
	prior := tr.prior.step(st.ID)
	if prior != nil && prior.done != nil {
		return prior.done, tr.reload(st, prior.done)
	}
	start := tr.r.clock.now()
	sr := stepResult(st, "", "") // status decided below
	s := &stepRun{
		tr: tr, st: st, prior: prior,
		proj:       newProjection(st.Select),
		needResult: st.Register != "" || st.FailedWhen != nil || len(st.Assert) > 0,
		checkWrite: st.Write && tr.r.opts.Check,
		itemWhen:   st.When != nil && st.Foreach != nil && st.When.Uses("item"),
		call:       baseCall(st, tr.r.pb.Settings),
	}
	tr.r.journal.AppendDeferred(results.Event{Type: results.EventStepStarted, Tenant: tr.t.Name, Step: st.ID})
	finalize := func() {
		sr.Duration = tr.r.clock.now().Sub(start).Seconds()
		tr.log.Info().Str("step", st.ID).Str("status", string(sr.Status)).Msg("step done")
		if sr.Status == results.StatusIncomplete {
			return
		}
		if err := tr.r.journal.AppendSync(results.Event{Type: results.EventStepDone, Tenant: tr.t.Name, Step: st.ID, Status: sr.Status, StepResult: sr}); err != nil {
			tr.log.Error().Err(err).Msg("journal")
		}
	}

	// A when that does not read item is decided once for the step.
	if st.When != nil && !s.itemWhen {
		ok, err := st.When.EvalBool(tr.scope)
		if err != nil {
			sr.Status, sr.Error = results.StatusFailed, exprError(err)
			finalize()
			return sr, nil
		}
		if !ok {
			sr.Status, sr.Reason = results.StatusSkipped, "when is false: "+st.When.Source()
			finalize()
			return sr, nil
		}
	}
	if st.Foreach != nil {
		items, err := st.Foreach.EvalList(tr.scope)
		if err != nil {
			sr.Status, sr.Error = results.StatusFailed, exprError(err)
			finalize()
			return sr, nil
		}
		if len(items) == 0 {
			sr.Status, sr.Reason = results.StatusSkipped, "foreach list is empty"
			sr.Items = &results.Counts{}
			finalize()
			return sr, nil
		}
		backing := make([]cell, len(items)) // one allocation for all cells
		s.cells = make([]*cell, len(items))
		for i, it := range items {
			backing[i].index, backing[i].item = i, it
			s.cells[i] = &backing[i]
		}
	} else {
		s.cells = []*cell{{index: -1}}
	}

	if !s.checkWrite {
		sp, err := tr.r.opts.Dir.OpenSpool(tr.t.Name, st.ID)
		if err != nil {
			sr.Status, sr.Error = results.StatusFailed, &results.Error{Category: "unknown", Message: err.Error()}
			finalize()
			return sr, nil
		}
		s.spool = sp
	}
	pending := s.restore()
	if len(pending) > 0 {
		if st.Batch > 0 && st.Foreach != nil && !s.checkWrite {
			s.runBatches(ctx, pending)
		} else {
			s.runCells(ctx, pending)
		}
	}
	reg := s.aggregate(sr)
	s.checkSelect(sr)
	if sr.Status != results.StatusIncomplete && s.spool != nil {
		s.writeOutput(sr)
	}
	if sr.Status == results.StatusOK || sr.Status == results.StatusChanged {
		s.assert(sr, reg)
		checkAssertions(sr)
	}
	finalize()
	if s.spool != nil {
		if sr.Status == results.StatusIncomplete {
			s.spool.Close()
		} else if err := s.spool.Remove(); err != nil {
			tr.log.Warn().Err(err).Msg("removing the data spool")
		}
	}
	return sr, reg
}

// restore takes the cells a previous run finished from the journal and
// returns the others.
func (s *stepRun) restore() []*cell {
	var pending []*cell
	for _, c := range s.cells {
		cs := s.prior.cell(c.index)
		if cs == nil || cs.done == nil {
			c.resend = cs != nil && cs.sent
			pending = append(pending, c)
			continue
		}
		ev := cs.done
		c.status, c.err, c.warnings, c.wouldRun, c.rng = ev.Status, ev.Error, ev.Warnings, ev.WouldRun, ev.Data
		if ev.Attempts != nil {
			c.attempts = *ev.Attempts
		}
		if c.rng != nil && s.needResult && s.spool != nil && c.keep() {
			if err := s.spool.ReadRange(*c.rng, decodeOnto(&c.objects)); err != nil {
				// The output is gone: run the cell again (a read) or
				// report it (a write is never repeated).
				c.status, c.rng, c.objects = "", nil, nil
				if s.st.Write {
					c.status = results.StatusFailed
					c.err = &results.Error{Category: "unknown", Code: "output_lost", Message: "the output of this write, confirmed before the interruption, could not be read back: " + err.Error()}
				} else {
					pending = append(pending, c)
				}
			}
		}
	}
	return pending
}

func (s *stepRun) runCells(ctx context.Context, cells []*cell) {
	if len(cells) == 1 && s.st.Foreach == nil {
		s.runCell(ctx, cells[0], true)
		return
	}
	var g errgroup.Group
	// Twice the cap: some goroutines wait on the journal's fsync or
	// evaluate parameters while others hold every permit of the limiter.
	g.SetLimit(2 * s.tr.r.maxSessions())
	for _, c := range cells {
		if s.tr.r.drained(ctx) {
			s.stopCell(c)
			continue
		}
		g.Go(func() error {
			s.runCell(ctx, c, false)
			return nil
		})
	}
	_ = g.Wait()
}

func (s *stepRun) stopCell(c *cell) {
	c.status, c.reason = results.StatusIncomplete, "interrupted"
	s.tr.r.interrupted.Store(true)
}

// prepare evaluates a cell's per-item when and its parameters. It returns
// false when the cell is already decided (skipped or failed).
func (s *stepRun) prepare(c *cell) bool {
	st, tr := s.st, s.tr
	scope := tr.scope
	if c.index >= 0 {
		scope = tr.with("item", c.item)
	}
	if s.itemWhen {
		ok, err := st.When.EvalBool(scope)
		if err != nil {
			c.status, c.err = results.StatusFailed, exprError(err)
			return false
		}
		if !ok {
			c.status, c.reason = results.StatusSkipped, "when is false"
			return false
		}
	}
	params := make(map[string]any, len(st.Parameters))
	for _, p := range st.Parameters {
		v, err := p.Value.Eval(scope)
		if err != nil {
			c.status, c.err = results.StatusFailed, exprError(err)
			return false
		}
		params[p.Name] = v
	}
	call := s.call
	call.Parameters = params
	if st.Anchor != nil {
		a, err := st.Anchor.EvalString(scope)
		if err != nil {
			c.status, c.err = results.StatusFailed, exprError(err)
			return false
		}
		call.Anchor = a
	}
	c.call = call
	return true
}

// baseCall is what every call of a step shares, worked out once per step
// before its cells run.
func baseCall(st *playbook.Step, set playbook.Settings) Call {
	c := Call{
		Service: st.Service, Cmdlet: st.Cmdlet,
		Select: serviceSelect(st.Select), Write: st.Write,
		Retries: st.Retries, Timeout: st.Timeout,
	}
	if c.Retries == nil {
		n := set.Retries
		c.Retries = &n
	}
	if c.Timeout == 0 {
		c.Timeout = set.Timeout
	}
	return c
}

// admit decides, just before sending, whether the cell's call may go out;
// it journals a write as sent (synced, unless the caller syncs a whole
// $batch) before it does. A cell it refuses is either decided (skipped,
// failed: the caller journals it) or left incomplete.
func (s *stepRun) admit(ctx context.Context, c *cell, sync bool) bool {
	if s.tr.r.drained(ctx) {
		s.stopCell(c)
		return false
	}
	if s.checkWrite {
		c.status, c.reason = results.StatusSkipped, "check mode: not sent"
		c.wouldRun = redactParams(c.call.Parameters)
		return false
	}
	if !s.st.Write {
		return true
	}
	if c.resend {
		if !cmdlet.Replayable(s.st.Cmdlet, c.call.Parameters) {
			c.status = results.StatusFailed
			c.err = &results.Error{Category: "unknown", Code: "outcome_unknown",
				Message: "this write was sent before the run was interrupted and never confirmed; " + s.st.Cmdlet + " with these parameters is not safe to repeat, so it was not sent again: check the object and run the step again if needed"}
			return false
		}
		c.warnings = append(c.warnings, "sent again: the first attempt was interrupted before it was confirmed ("+s.st.Cmdlet+" with these parameters is idempotent)")
	}
	ev := results.Event{Type: results.EventCellSent, Tenant: s.tr.t.Name, Step: s.st.ID, Item: c.itemPtr()}
	var err error
	if sync {
		err = s.tr.r.journal.AppendSync(ev)
	} else {
		err = s.tr.r.journal.AppendDeferred(ev) // the caller's Sync writes it
	}
	if err != nil {
		c.status, c.err = results.StatusFailed, &results.Error{Category: "unknown", Code: "journal", Message: "not sent: the run journal cannot be written: " + err.Error()}
		return false
	}
	c.sent = true
	return true
}

func (s *stepRun) runCell(ctx context.Context, c *cell, stream bool) {
	if !s.prepare(c) {
		s.cellDone(c)
		return
	}
	if !s.admit(ctx, c, true) {
		s.cellDone(c) // journals only a decided cell
		return
	}
	if stream {
		c.stream = s.spool.Stream()
	}
	lim := &callLimiter{orgLimiter: s.tr.lim}
	stats, err := s.tr.sess.Invoke(ctx, c.call, lim, func(obj json.RawMessage) error { return s.emit(c, obj) })
	s.complete(ctx, c, lim, stats, err)
}

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
	c.nobj++
	if c.stream != nil {
		if err := c.stream.WriteObject(line); err != nil {
			return err
		}
	} else {
		c.buf.Write(line)
		c.buf.WriteByte('\n')
	}
	if s.needResult {
		var v any
		if err := json.Unmarshal(line, &v); err != nil {
			return err
		}
		c.objects = append(c.objects, v)
	}
	return nil
}

// linePool holds the projection's scratch buffers: a projected object is
// copied out (to the cell's buffer or the spool) before emit returns.
var linePool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// complete records the outcome of a call that was sent.
func (s *stepRun) complete(ctx context.Context, c *cell, lim *callLimiter, stats CallStats, err error) {
	c.attempts.Add(results.Attempts{
		Calls: 1, Attempts: stats.Attempts, Requests: stats.Requests, Pages: stats.Pages,
		ThrottledWaits: stats.ThrottledWaits, ThrottledSeconds: stats.ThrottledFor.Seconds(),
	})
	c.warnings = append(c.warnings, stats.Warnings...)
	s.tr.r.obs.CallDone(s.tr.t.Name, s.st.ID, stats, err)
	if err != nil && ctx.Err() != nil {
		// The run was cancelled under the call: its outcome is unknown, so
		// it is not journaled as done and a resume decides again.
		if c.stream != nil {
			c.stream.Abort()
		}
		c.buf.Reset()
		c.objects = nil
		s.stopCell(c)
		if s.st.Write && !lim.acquired.Load() {
			// It never got a connection slot, so it was not sent: a
			// resume may send it whatever its verb.
			s.tr.r.journal.Append(results.Event{Type: results.EventCellUnsent, Tenant: s.tr.t.Name, Step: s.st.ID, Item: c.itemPtr()})
		}
		return
	}
	switch {
	case err != nil:
		c.status, c.err = results.StatusFailed, classify(err)
	case s.st.Write:
		c.status = results.StatusChanged
	default:
		c.status = results.StatusOK
	}
	if err == nil && s.st.FailedWhen != nil {
		bad, ferr := s.st.FailedWhen.EvalBool(s.tr.with("result", orEmpty(c.objects)))
		switch {
		case ferr != nil:
			c.status, c.err = results.StatusFailed, exprError(ferr)
		case bad:
			c.status, c.err = results.StatusFailed, &results.Error{Category: "validation", Code: "failed_when", Message: "failed_when is true: " + s.st.FailedWhen.Source()}
		}
	}
	if err := s.commit(c); err != nil {
		c.status, c.err = results.StatusFailed, &results.Error{Category: "unknown", Code: "data", Message: err.Error()}
	}
	s.cellDone(c)
	if c.err != nil {
		// Info, not Warn: a failing foreach would flood stderr; the
		// summary reports failures, the log file keeps each one.
		ev := s.tr.log.Info().Str("step", s.st.ID).Str("category", c.err.Category).Str("code", c.err.Code).Str("error", c.err.Message)
		if c.index >= 0 {
			ev = ev.Int("item", c.index)
		}
		ev.Msg("call failed")
	}
}

// commit puts the cell's objects in the spool. A failed cell's objects are
// dropped: they are not the cmdlet's answer.
func (s *stepRun) commit(c *cell) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	keep := c.keep()
	if c.stream != nil {
		if !keep {
			c.stream.Abort()
			c.stream = nil
			return nil
		}
		r, err := c.stream.Commit()
		c.stream = nil
		if err != nil {
			return err
		}
		c.rng = &r
		return nil
	}
	if !keep {
		c.buf.Reset()
		return nil
	}
	r, err := s.spool.Append(c.buf.Bytes(), c.nobj)
	c.buf = bytes.Buffer{}
	if err != nil {
		return err
	}
	c.rng = &r
	return nil
}

// cellDone journals a finished cell.
func (s *stepRun) cellDone(c *cell) {
	if !c.status.Final() {
		return
	}
	if !c.keep() {
		c.objects = nil
	}
	ev := results.Event{
		Type: results.EventCellDone, Tenant: s.tr.t.Name, Step: s.st.ID, Item: c.itemPtr(),
		Status: c.status, Data: c.rng, Error: c.err, Warnings: c.warnings, WouldRun: c.wouldRun,
	}
	if c.attempts.Calls > 0 {
		ev.Attempts = &c.attempts // encoded before Append returns
	}
	// The outcome of a sent write reaches the file now: a resume must not
	// send it again. Anything else may wait for the next write: if a kill
	// loses it, a resume only runs a read again, or decides again on a
	// write that was never sent.
	var err error
	if c.sent {
		err = s.tr.r.journal.Append(ev)
	} else {
		err = s.tr.r.journal.AppendDeferred(ev)
	}
	if err != nil {
		s.tr.log.Error().Err(err).Msg("journal")
	}
}

// keep reports whether the cell's objects are its answer (it succeeded).
func (c *cell) keep() bool { return c.status == results.StatusOK || c.status == results.StatusChanged }

// aggregate folds the cells into the step result and returns the
// registered objects (input order).
func (s *stepRun) aggregate(sr *results.Step) []any {
	var counts results.Counts
	var reg []any
	var firstErr *results.Error
	seenWarn := map[string]bool{}
	reasons := map[string]bool{}
	for _, c := range s.cells {
		counts.Add(c.status)
		sr.Attempts.Add(c.attempts)
		for _, w := range c.warnings {
			if !seenWarn[w] {
				seenWarn[w] = true
				sr.Warnings = append(sr.Warnings, w)
			}
		}
		if c.err != nil {
			if firstErr == nil {
				firstErr = c.err
			}
			if c.index >= 0 {
				sr.ItemErrors = append(sr.ItemErrors, results.ItemError{Index: c.index, Error: c.err})
			} else {
				sr.Error = c.err
			}
		}
		if c.wouldRun != nil {
			sr.WouldRun = append(sr.WouldRun, results.WouldRun{Item: c.itemPtr(), Parameters: c.wouldRun})
		}
		if c.reason != "" {
			reasons[c.reason] = true
		}
		if c.keep() {
			reg = append(reg, c.objects...)
		}
	}
	if s.st.Foreach != nil {
		sr.Items = &counts
	}
	switch {
	case counts.Failed > 0:
		sr.Status = results.StatusFailed
		if sr.Error == nil && firstErr != nil {
			sr.Error = &results.Error{Category: firstErr.Category, Code: firstErr.Code,
				Message: fmt.Sprintf("%d of %d items failed; first: %s", counts.Failed, counts.Total, firstErr.Message)}
		}
	case counts.Incomplete > 0:
		sr.Status, sr.Reason = results.StatusIncomplete, fmt.Sprintf("interrupted: %d of %d calls did not finish", counts.Incomplete, counts.Total)
	case counts.Skipped == counts.Total:
		sr.Status = results.StatusSkipped
		switch {
		case s.checkWrite:
			sr.Reason = "check mode: the write was not sent (see would_run)"
		case reasons["when is false"]:
			sr.Reason = "when is false for every item: " + s.st.When.Source()
		}
	case counts.Changed > 0:
		sr.Status = results.StatusChanged
	default:
		sr.Status = results.StatusOK
	}
	return reg
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
		sr.Error = &results.Error{Category: "unknown", Code: "data", Message: "writing the step's data file: " + err.Error()}
		return
	}
	if total == 0 {
		return
	}
	sr.Output = &results.Output{Objects: total, Path: rel, Inline: inline}
}

// assert evaluates the step's assertions over everything it returned.
func (s *stepRun) assert(sr *results.Step, reg []any) {
	if len(s.st.Assert) == 0 {
		return
	}
	scope := s.tr.with("result", orEmpty(reg))
	for _, a := range s.st.Assert {
		out := results.Assertion{ID: a.ID, Message: a.RenderMessage(scope), Severity: a.Severity}
		ok, err := a.That.EvalBool(scope)
		if err != nil {
			out.Error = err.Error()
		}
		out.Passed = ok && err == nil
		sr.Assertions = append(sr.Assertions, out)
	}
}

// reload gives back what a step finished in an earlier run registered.
func (tr *tenantRun) reload(st *playbook.Step, sr *results.Step) []any {
	if st.Register == "" || sr.Output == nil || sr.Output.Path == "" {
		return nil
	}
	var reg []any
	if err := tr.r.opts.Dir.ReadData(sr.Output.Path, decodeOnto(&reg)); err != nil {
		tr.log.Error().Err(err).Str("step", st.ID).Msg("reloading registered output")
	}
	return reg
}

// decodeOnto is a read callback that decodes each object onto *dst.
func decodeOnto(dst *[]any) func(json.RawMessage) error {
	return func(obj json.RawMessage) error {
		var v any
		if err := json.Unmarshal(obj, &v); err != nil {
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
