package runner

import (
	"context"
	"fmt"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/exoplay/exoplay/internal/category"
	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
)

// stepRun is one step of one tenant: one cell, or one per foreach item.
type stepRun struct {
	tr         *tenantRun
	st         *playbook.Step
	prior      *stepState
	proj       *projection
	spool      *results.Spool
	needResult bool // register, failed_when or assert read the objects
	// A register estimated larger than settings.register_memory_mib is not
	// decoded: it is read from its data file (disklist.go). Not with
	// failed_when or changed_when, which read each call's result whole.
	spillable  bool
	spillAt    int64        // JSON bytes
	held       atomic.Int64 // JSON bytes of the objects decoded so far
	spilled    atomic.Bool
	items      playbook.List // a foreach over a register kept on disk
	itemWhen   bool          // when reads item: decided per cell, not once
	checkWrite bool          // a write in check mode: nothing is sent
	memItems   []any         // a foreach over a list in memory
	// cells holds one cell per foreach item, made when the item is about to
	// run (newCell) and, once done, replaced by a shared one when nothing
	// but its status is left (settle.go): a foreach over 200,000 items
	// holds 200,000 pointers, not 200,000 cells (issue 13 item 5).
	cells   []*cell
	settled settledCells
	call    Call // what every call of the step shares (baseCall)
}

func (tr *tenantRun) runStep(ctx context.Context, st *playbook.Step) (*results.Step, any) {
	prior := tr.prior.step(st.ID)
	if prior != nil && prior.done != nil {
		reg, err := tr.reload(st, prior.done)
		if err != nil {
			// Never an empty list in its place: the resume is refused and
			// this tenant's later steps stay as they were.
			tr.lost = true
			tr.r.refuse(fmt.Sprintf("tenant %s: %v", tr.t.Name, err),
				"The steps after it would read a wrong list: restore the data file from a copy of the run directory and resume again, or start a new run")
		}
		return prior.done, reg
	}
	start := tr.r.clock.now()
	sr := stepResult(st, "", "") // status decided below
	s := &stepRun{
		tr: tr, st: st, prior: prior,
		proj:       newProjection(st.Select),
		needResult: st.Register != "" || st.FailedWhen != nil || st.ChangedWhen != nil || len(st.Assert) > 0,
		checkWrite: st.Write && tr.r.opts.Check,
		itemWhen:   st.When != nil && st.Foreach != nil && st.When.Uses("item"),
		call:       baseCall(st, tr.r.pb.Settings),
		spillable:  st.Register != "" && st.FailedWhen == nil && st.ChangedWhen == nil,
		spillAt:    spillBytes(tr.r.pb.Settings.RegisterMemoryMiB),
	}
	_ = tr.r.record(results.Event{Type: results.EventStepStarted, Tenant: tr.t.Name, Step: st.ID}) // an error stops the run: its cells see it as drained
	tr.r.obs.StepStarted(tr.t.Name, st.ID)
	finalize := func() {
		tr.r.obs.StepDone(tr.t.Name, st.ID, sr.Status)
		if sr.Assertions == nil && (sr.Status == results.StatusSkipped || sr.Status == results.StatusFailed) {
			s.assertAll(sr, nil) // decided before any call: not_applicable or error (expect.go)
		}
		sr.Duration = tr.r.clock.now().Sub(start).Seconds()
		tr.log.Info().Str("step", st.ID).Str("status", string(sr.Status)).Msg("step done")
		if sr.Status == results.StatusIncomplete {
			return
		}
		_ = tr.r.record(results.Event{Type: results.EventStepDone, Tenant: tr.t.Name, Step: st.ID, Status: sr.Status, StepResult: sr}) // an error stops the run
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
	if l, ok := st.Foreach.ListRef(tr.scope); ok {
		// Items are read one at a time when their cell runs (prepare).
		s.items = l
		if l.Len() == 0 {
			sr.Status, sr.Reason = results.StatusSkipped, "foreach list is empty"
			sr.Items = &results.Counts{}
			finalize()
			return sr, nil
		}
		s.cells = make([]*cell, l.Len()) // made lazily: newCell
	} else if st.Foreach != nil {
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
		s.memItems = items
		s.cells = make([]*cell, len(items)) // made lazily: newCell
	} else {
		s.cells = make([]*cell, 1) // index -1 (newCell)
	}

	if !s.checkWrite {
		sp, err := tr.r.opts.Dir.OpenSpool(tr.t.Name, st.ID)
		if err != nil {
			sr.Status, sr.Error = results.StatusFailed, &results.Error{Category: category.Unknown, Message: err.Error()}
			finalize()
			return sr, nil
		}
		s.spool = sp
	}
	pending := s.restore()
	tr.r.obs.StepCells(tr.t.Name, st.ID, len(s.cells), len(s.cells)-len(pending))
	if len(pending) > 0 {
		if st.Batch > 0 && st.Foreach != nil && !s.checkWrite {
			s.runBatches(ctx, pending)
		} else {
			s.runCells(ctx, pending)
		}
	}
	var reg any = s.aggregate(sr)
	s.checkSelect(sr)
	if sr.Status != results.StatusIncomplete && s.spool != nil {
		s.writeOutput(sr)
	}
	if s.spilled.Load() && sr.Status != results.StatusIncomplete {
		reg = s.onDisk(sr)
	}
	s.assertAll(sr, reg) // expect.go
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
// returns the slots of the others (cells made when they run: newCell).
func (s *stepRun) restore() []int {
	var pending []int
	for slot := range s.cells {
		cs := s.prior.cell(s.indexOf(slot))
		if cs == nil || cs.done == nil {
			pending = append(pending, slot)
			continue
		}
		c := &cell{index: s.indexOf(slot)}
		ev := cs.done
		c.status, c.err, c.warnings, c.wouldRun, c.rng, c.diff = ev.Status, ev.Error, ev.Warnings, ev.WouldRun, ev.Data, ev.Diff
		if ev.Attempts != nil {
			c.attempts = *ev.Attempts
		}
		if c.rng != nil && s.needResult && s.spool != nil && c.keep() && !s.spill(c.rng.Len) {
			if err := s.spool.ReadRange(*c.rng, decodeOnto(&c.objects)); err != nil {
				// The output is gone: run the cell again (a read) or
				// report it (a write is never repeated).
				if !s.st.Write {
					pending = append(pending, slot)
					continue
				}
				c.rng, c.objects = nil, nil
				c.status = results.StatusFailed
				c.err = &results.Error{Category: category.Unknown, Code: "output_lost", Message: "the output of this write, confirmed before the interruption, could not be read back: " + err.Error()}
			}
		}
		s.store(c)
	}
	return pending
}

// indexOf is the foreach index of the cell in slot (-1 without foreach).
func (s *stepRun) indexOf(slot int) int {
	if s.st.Foreach == nil {
		return -1
	}
	return slot
}

// newCell makes the cell of slot when it is about to run: its item (from a
// list in memory; one on disk is read in prepare) and whether the journal
// says an earlier run sent it.
func (s *stepRun) newCell(slot int) *cell {
	c := &cell{index: s.indexOf(slot)}
	if s.memItems != nil {
		c.item = s.memItems[slot]
	}
	cs := s.prior.cell(c.index)
	c.resend = cs != nil && cs.sent
	s.cells[slot] = c
	return c
}

func (s *stepRun) runCells(ctx context.Context, pending []int) {
	if s.st.Foreach == nil {
		s.runCell(ctx, s.newCell(pending[0]), true)
		return
	}
	var g errgroup.Group
	// Twice the cap: some goroutines wait on the journal's fsync or
	// evaluate parameters while others hold every permit of the limiter.
	// It also bounds the cells that exist at once: the next one is made
	// only when a goroutine is free.
	g.SetLimit(2 * s.tr.r.maxSessions())
	for _, slot := range pending {
		c := s.newCell(slot)
		if s.tr.r.drained(ctx) {
			s.stopCell(c)
			s.store(c)
			continue
		}
		g.Go(func() error {
			s.safeCell(func() { s.runCell(ctx, c, false) }, c)
			s.store(c)
			return nil
		})
	}
	_ = g.Wait()
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

// aggregate folds the cells into the step result and returns the
// registered objects (input order).
func (s *stepRun) aggregate(sr *results.Step) []any {
	var counts results.Counts
	var reg []any
	var firstErr *results.Error
	seenWarn := map[string]bool{}
	reasons := map[string]bool{}
	sr.Attempts.Add(s.settled.attempts) // of the cells settle shared
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
		if c.diff != nil {
			sr.Diffs = append(sr.Diffs, *c.diff)
		}
		if c.reason != "" {
			reasons[c.reason] = true
		}
		if c.keep() && !s.spilled.Load() {
			reg = append(reg, c.objects...)
		}
		if s.spilled.Load() && c.objects != nil {
			c.objects = nil
		}
	}
	if s.st.Foreach != nil {
		sr.Items = &counts
	}
	switch {
	case counts.Incomplete > 0:
		// Unfinished work is never hidden behind a failure: the step is
		// not journaled done, and a resume runs the cells left.
		sr.Status, sr.Reason = results.StatusIncomplete, fmt.Sprintf("interrupted: %d of %d calls did not finish", counts.Incomplete, counts.Total)
		if counts.Failed > 0 && firstErr != nil {
			sr.Reason += fmt.Sprintf(" (and %d failed; first: %s)", counts.Failed, firstErr.Message)
		}
	case counts.Failed > 0:
		sr.Status = results.StatusFailed
		if sr.Error == nil && firstErr != nil {
			sr.Error = &results.Error{Category: firstErr.Category, Code: firstErr.Code,
				Message: fmt.Sprintf("%d of %d items failed; first: %s", counts.Failed, counts.Total, firstErr.Message)}
		}
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
