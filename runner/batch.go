package runner

import (
	"context"
	"encoding/json"
	"fmt"

	"golang.org/x/sync/errgroup"
)

// maxBatch is the service's limit of requests per $batch call.
const maxBatch = 10

// runBatches sends a foreach step's items as $batch calls of st.Batch items.
func (s *stepRun) runBatches(ctx context.Context, cells []*cell) {
	size := min(max(s.st.Batch, 1), maxBatch)
	var ready []*cell
	for _, c := range cells {
		if s.prepare(c) {
			ready = append(ready, c)
		} else {
			s.cellDone(c)
		}
	}
	var g errgroup.Group
	g.SetLimit(2 * s.tr.r.maxSessions())
	for start := 0; start < len(ready); start += size {
		chunk := ready[start:min(start+size, len(ready))]
		if s.tr.r.drained(ctx) {
			for _, c := range chunk {
				s.stopCell(c)
			}
			continue
		}
		g.Go(func() error {
			s.safeCell(func() { s.runBatch(ctx, chunk) }, chunk...)
			return nil
		})
	}
	_ = g.Wait()
}

func (s *stepRun) runBatch(ctx context.Context, chunk []*cell) {
	var sent []*cell
	for _, c := range chunk {
		if s.admit(ctx, c) {
			sent = append(sent, c)
		} else {
			s.cellDone(c)
		}
	}
	if len(sent) == 0 {
		return
	}
	calls := make([]Call, len(sent))
	for i, c := range sent {
		calls[i] = c.x().call
	}
	// The gate journals the whole batch as sent, one record and one fsync,
	// once the $batch call holds its slot.
	lim := s.sendGate(ctx, sent...)
	stats, errs := s.tr.sess.InvokeBatch(ctx, calls, lim, func(i int, obj json.RawMessage) error {
		if i < 0 || i >= len(sent) {
			return fmt.Errorf("$batch answered for request %d of %d", i, len(sent))
		}
		return s.emit(sent[i], obj)
	})
	for i, c := range sent {
		var st CallStats
		var err error
		if i < len(stats) {
			st = stats[i]
		}
		if i < len(errs) {
			err = errs[i]
		} else {
			err = fmt.Errorf("$batch returned no answer for request %d", i)
		}
		s.complete(ctx, c, st, err)
	}
}
