package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/exoplay/exoplay/cmdlet"
	"github.com/exoplay/exoplay/internal/category"
	"github.com/exoplay/exoplay/results"
)

// This file runs one cell of a desired-state step (playbook ensure:): it
// reads the object with the step's read cmdlet (-Identity only), compares
// each state property with Step.Same (the Exchange-aware comparison of
// package cmdlet), and, when something differs, sends the write with
// Identity and only the properties that differ, in one call, through the
// same admit / send gate / complete path as any write. An object already
// in the desired state is ok (unchanged) and no write is sent; in check
// mode the write is reported (would_run, diffs) and not sent. The read is
// done again on a resume, so a write that landed before an interruption
// is found in place and not repeated.

func (s *stepRun) runEnsure(ctx context.Context, c *cell) {
	if !s.prepare(c) {
		s.cellDone(c)
		return
	}
	if s.tr.r.drained(ctx) {
		s.stopCell(c)
		return
	}
	cur, ok := s.readCurrent(ctx, c)
	if !ok {
		s.cellDone(c) // journals only a decided cell
		return
	}
	e := s.st.Ensure
	want := c.x().call.Parameters
	write := map[string]any{}
	id, hasID := want["Identity"]
	if hasID {
		write["Identity"] = id
	}
	name := fmt.Sprint(id)
	if !hasID {
		name = strings.TrimPrefix(e.Read, "Get-") // one per organization: OrganizationConfig
	}
	var props []results.PropertyDiff
	for _, prop := range e.State {
		before, present := cmdlet.Property(cur, prop)
		if !present {
			c.status, c.err = results.StatusFailed, &results.Error{Category: category.Validation, Code: "property_absent",
				Message: fmt.Sprintf("%s (%s) returned no property %s, so its state cannot be compared; nothing was written (is %s a property of this object?)", e.Read, name, prop, prop)}
			s.cellDone(c)
			return
		}
		if s.st.Same(prop, before, want[prop]) {
			continue
		}
		write[prop] = want[prop]
		b, a := before, want[prop]
		if results.LooksSecret(prop) {
			b, a = results.Redacted, results.Redacted
		}
		props = append(props, results.PropertyDiff{Property: prop, Before: b, After: a})
	}
	if len(props) == 0 {
		c.status = results.StatusOK // already in the desired state: no write
		s.cellDone(c)
		return
	}
	c.diff = &results.Diff{Item: c.itemPtr(), Identity: name, Properties: props}
	c.x().call.Parameters = write
	if !s.admit(ctx, c) { // check mode: skipped with would_run
		s.cellDone(c)
		return
	}
	lim := s.sendGate(ctx, c)
	stats, err := s.tr.sess.Invoke(ctx, c.x().call, lim, func(obj json.RawMessage) error { return s.emit(c, obj) })
	s.complete(ctx, c, stats, err)
}

// readCurrent reads the one object the cell's Identity names. It returns
// false when the cell is decided (failed) or stopped.
func (s *stepRun) readCurrent(ctx context.Context, c *cell) (map[string]any, bool) {
	e := s.st.Ensure
	params := map[string]any{}
	if id, ok := c.x().call.Parameters["Identity"]; ok {
		params["Identity"] = id
	}
	call := Call{
		Service: s.st.Service, Cmdlet: e.Read, Parameters: params,
		Anchor: c.x().call.Anchor, Retries: c.x().call.Retries, Timeout: c.x().call.Timeout,
	}
	var objs []any
	stats, err := s.tr.sess.Invoke(ctx, call, &callLimiter{orgLimiter: s.tr.lim}, func(obj json.RawMessage) error {
		v, err := decodeObject(obj)
		if err == nil {
			objs = append(objs, v)
		}
		return err
	})
	c.attempts.Add(results.Attempts{
		Calls: 1, Attempts: stats.Attempts, Requests: stats.Requests, Pages: stats.Pages,
		ThrottledWaits: stats.ThrottledWaits, ThrottledSeconds: stats.ThrottledFor.Seconds(),
	})
	c.x().readAtt = stats.Attempts
	c.warnings = append(c.warnings, stats.Warnings...)
	s.tr.r.obs.CallDone(s.tr.t.Name, s.st.ID, stats, err)
	id := c.x().call.Parameters["Identity"]
	switch {
	case err != nil && ctx.Err() != nil:
		s.stopCell(c)
		return nil, false
	case err != nil:
		c.status, c.err = results.StatusFailed, classify(err)
		c.err.Message = e.Read + " (reading the current state): " + c.err.Message
		return nil, false
	case len(objs) != 1:
		c.status, c.err = results.StatusFailed, &results.Error{Category: category.NotFound, Code: "ensure_identity",
			Message: fmt.Sprintf("%s -Identity %v returned %d objects; ensure needs exactly one to compare and write; nothing was written", e.Read, id, len(objs))}
		if len(objs) > 1 {
			c.err.Category = category.Validation
		}
		return nil, false
	}
	m, ok := objs[0].(map[string]any)
	if !ok {
		c.status, c.err = results.StatusFailed, &results.Error{Category: category.Unknown, Code: "ensure_identity",
			Message: fmt.Sprintf("%s -Identity %v returned a %T, not an object", e.Read, id, objs[0])}
		return nil, false
	}
	return m, true
}
