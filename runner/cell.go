package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/exoplay/exoplay/cmdlet"
	"github.com/exoplay/exoplay/internal/category"
	"github.com/exoplay/exoplay/results"
)

// cell is one call of a step. A done cell that holds nothing but its
// status is replaced by a shared one (store, settle.go): a field read after
// the cell is done belongs in cell.onlyStatus.
type cell struct {
	index  int // foreach index, -1 without foreach
	item   any
	status results.Status
	err    *results.Error
	reason string

	attempts results.Attempts
	warnings []string
	wouldRun map[string]any
	diff     *results.Diff // ensure: the properties that differ (ensure.go)
	resend   bool          // a write sent before an interruption, never confirmed
	sent     bool          // journaled as a sent write (cell_sent)
	unsent   bool          // journaled cell_sent, then never left (cell_unsent)

	mu      sync.Mutex // emits of a $batch may interleave across cells
	io      *cellIO    // while the cell runs (x); dropped when it is done
	objects []any      // decoded, when the step needs its result
	rng     *results.Range
}

// cellIO is what a cell needs only while it runs: kept out of cell, a
// foreach over 200,000 items holds 200,000 cells of ~190 bytes instead of
// ~360 (issue 13 item 5).
type cellIO struct {
	call    Call
	readAtt int        // ensure: attempts of the read, not the write's (ledger)
	started *time.Time // when a write got its slot (the ledger's started)
	buf     bytes.Buffer
	stream  *results.SpoolWriter
	nobj    int
}

// x returns the cell's running state, made on first use. prepare makes it
// before any call, so the goroutines of a $batch only read the pointer.
func (c *cell) x() *cellIO {
	if c.io == nil {
		c.io = &cellIO{}
	}
	return c.io
}

// itemPtr is the cell's foreach index for events and results (nil without
// foreach). The index never changes, so it is shared, not copied.
func (c *cell) itemPtr() *int {
	if c.index < 0 {
		return nil
	}
	return &c.index
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
	if s.items != nil && c.index >= 0 {
		it, err := s.items.Index(c.index) // kept for the ledger until cellDone
		if err != nil {
			c.status, c.err = results.StatusFailed, &results.Error{Category: category.Unknown, Code: "data", Message: err.Error()}
			return false
		}
		c.item = it
	}
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
	if e := nonFinite(params); e != nil { // finite.go
		c.status, c.err = results.StatusFailed, e
		return false
	}
	if err := st.CheckParams(params); err != nil { // values from expressions, against the cmdlet catalog
		c.status, c.err = results.StatusFailed, &results.Error{Category: category.Validation, Code: "parameter_value", Message: err.Error()}
		return false
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
	c.x().call = call
	return true
}

// admit decides, just before a cell's call is handed to the transport,
// whether it may go out at all: not after an interrupt, not a check-mode
// write, not an unconfirmed write the cmdlet rule says must not be
// replayed. A cell it refuses is either decided (skipped, failed: the
// caller journals it) or left incomplete. A write it admits is journaled
// as sent later, once it holds a connection slot (sendGate).
func (s *stepRun) admit(ctx context.Context, c *cell) bool {
	if s.tr.r.drained(ctx) {
		s.stopCell(c)
		return false
	}
	if s.checkWrite {
		c.status, c.reason = results.StatusSkipped, "check mode: not sent"
		c.wouldRun = redactParams(c.x().call.Parameters)
		return false
	}
	if allow := s.tr.r.opts.AllowWrite; s.st.Write && allow != nil {
		if err := allow(PlannedWrite{Tenant: s.tr.t.Name, Step: s.st.ID, Cmdlet: s.st.Cmdlet, Parameters: redactParams(c.x().call.Parameters)}); err != nil {
			c.status, c.err = results.StatusFailed, &results.Error{Category: category.Validation, Code: results.CodeNotInPlan, Message: err.Error()}
			return false
		}
	}
	if s.st.Write && c.resend {
		if !cmdlet.Replayable(s.st.Cmdlet, c.x().call.Parameters) {
			c.status = results.StatusFailed
			c.err = &results.Error{Category: category.Unknown, Code: "outcome_unknown",
				Message: "this write was sent before the run was interrupted and never confirmed; " + s.st.Cmdlet + " with these parameters is not safe to repeat, so it was not sent again: check the object and run the step again if needed"}
			return false
		}
		c.warnings = append(c.warnings, "sent again: the first attempt was interrupted before it was confirmed ("+s.st.Cmdlet+" with these parameters is idempotent)")
	}
	return true
}

// sendGate is the limiter a call of cells goes through. For a write, the
// first time the call holds a connection slot (before its token is read
// and anything is sent) it checks that the run may still send and journals
// every cell as sent, synced, in one record: a write that waited for a slot
// while the run was interrupted never leaves, and none leaves unjournaled.
func (s *stepRun) sendGate(ctx context.Context, cells ...*cell) *callLimiter {
	lim := &callLimiter{orgLimiter: s.tr.lim}
	if !s.st.Write {
		return lim
	}
	lim.onFirst = func() error {
		if s.tr.r.drained(ctx) {
			return errNotSent
		}
		evs := make([]results.Event, len(cells))
		for i, c := range cells {
			evs[i] = results.Event{Type: results.EventCellSent, Tenant: s.tr.t.Name, Step: s.st.ID, Item: c.itemPtr()}
		}
		if err := s.tr.r.record(evs...); err != nil {
			return errNotSent
		}
		now := s.tr.r.clock.now().UTC()
		for _, c := range cells {
			c.sent, c.x().started = true, &now
		}
		return nil
	}
	return lim
}

// errNotSent is what the send gate answers the transport when a write must
// not leave (the run was interrupted, or its journal cannot be written).
var errNotSent = errors.New("not sent: the run stopped before this write got a connection slot")

func (s *stepRun) runCell(ctx context.Context, c *cell, stream bool) {
	if s.st.Ensure != nil {
		s.runEnsure(ctx, c) // read, compare, write the difference
		return
	}
	if !s.prepare(c) || !s.admit(ctx, c) {
		s.cellDone(c) // journals only a decided cell
		return
	}
	if stream {
		c.x().stream = s.spool.Stream()
	}
	lim := s.sendGate(ctx, c)
	stats, err := s.tr.sess.Invoke(ctx, c.x().call, lim, func(obj json.RawMessage) error { return s.emit(c, obj) })
	s.complete(ctx, c, stats, err)
}

// complete records the outcome of a call that was sent.
func (s *stepRun) complete(ctx context.Context, c *cell, stats CallStats, err error) {
	c.attempts.Add(results.Attempts{
		Calls: 1, Attempts: stats.Attempts, Requests: stats.Requests, Pages: stats.Pages,
		ThrottledWaits: stats.ThrottledWaits, ThrottledSeconds: stats.ThrottledFor.Seconds(),
	})
	c.warnings = append(c.warnings, stats.Warnings...)
	if err != nil && (ctx.Err() != nil || errors.Is(err, errNotSent)) {
		s.tr.r.obs.CallDone(s.tr.t.Name, s.st.ID, stats, context.Canceled) // not a failure of the call
		// The run was cancelled under the call, or stopped before it got a
		// slot: its outcome is unknown or it never left, so it is not
		// journaled as done and a resume decides again.
		if c.x().stream != nil {
			c.x().stream.Abort()
		}
		c.x().buf.Reset()
		c.objects = nil
		s.stopCell(c)
		if c.sent && stats.Requests > 0 {
			s.ledger(c, results.WriteUnknown) // cancelled after it left
		}
		if c.sent && stats.Requests == 0 {
			// Journaled as sent, but no request left (cancelled while its
			// token was read): a resume may send it whatever its verb.
			// An error here is the run's already (record stops it).
			if s.tr.r.record(results.Event{Type: results.EventCellUnsent, Tenant: s.tr.t.Name, Step: s.st.ID, Item: c.itemPtr()}) == nil {
				c.unsent = true
			}
		}
		return
	}
	s.tr.r.obs.CallDone(s.tr.t.Name, s.st.ID, stats, err)
	switch {
	case err != nil:
		c.status, c.err = results.StatusFailed, classify(err)
	case s.st.Write && noOp(stats.Warnings):
		c.status = results.StatusOK // the service changed nothing
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
			c.status, c.err = results.StatusFailed, &results.Error{Category: category.Validation, Code: "failed_when", Message: "failed_when is true: " + s.st.FailedWhen.Source()}
		}
	}
	if c.keep() && s.st.ChangedWhen != nil {
		// The playbook decides whether the call changed anything.
		changed, cerr := s.st.ChangedWhen.EvalBool(s.tr.with("result", orEmpty(c.objects)))
		switch {
		case cerr != nil:
			c.status, c.err = results.StatusFailed, exprError(cerr)
		case changed:
			c.status = results.StatusChanged
		default:
			c.status = results.StatusOK
		}
	}
	if err := s.commit(c); err != nil {
		c.status, c.err = results.StatusFailed, &results.Error{Category: category.Unknown, Code: "data", Message: err.Error()}
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

// cellDone journals a finished cell. A sent write's outcome reaches the
// file before the run goes on (Sent: see results.durabilityOf); a read's
// may wait: if a kill loses it, a resume only runs a read again.
func (s *stepRun) cellDone(c *cell) {
	defer func() {
		// A finished cell keeps its status, not its inputs: over a large
		// foreach the items and parameter maps would grow with the list.
		c.io = nil
		if s.items != nil {
			c.item = nil // read again from disk if needed
		}
	}()
	if !c.status.Final() {
		return
	}
	s.tr.r.obs.CellDone(s.tr.t.Name, s.st.ID, c.status, c.err)
	if !c.keep() {
		c.objects = nil
	}
	ev := results.Event{
		Type: results.EventCellDone, Tenant: s.tr.t.Name, Step: s.st.ID, Item: c.itemPtr(),
		Status: c.status, Sent: c.sent, Data: c.rng, Error: c.err, Warnings: c.warnings, WouldRun: c.wouldRun, Diff: c.diff,
	}
	if c.attempts.Calls > 0 {
		ev.Attempts = &c.attempts // encoded before Record returns
	}
	if c.sent || (c.err != nil && (c.err.Code == "outcome_unknown" || c.err.Code == results.CodeNotInPlan)) {
		s.ledger(c, outcome(c))
	}
	if err := s.tr.r.record(ev); err != nil {
		// Not journaled: not done. The run stops (record) and a resume
		// decides this cell again from its cell_sent.
		c.status, c.reason = results.StatusIncomplete, "its outcome could not be journaled"
	}
}

// keep reports whether the cell's objects are its answer (it succeeded).
func (c *cell) keep() bool { return c.status == results.StatusOK || c.status == results.StatusChanged }
