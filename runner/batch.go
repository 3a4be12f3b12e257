package runner

import (
	"context"
	"encoding/json"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/exoplay/exoplay/playbook"
)

// runBatches sends a foreach step's items as $batch calls of st.Batch items.
// Cells are made and prepared a chunk at a time (the errgroup's limit holds
// the next chunk back), so the items in memory are those of the chunks in
// flight, not the whole list.
func (s *stepRun) runBatches(ctx context.Context, pending []int) {
	size := min(max(s.st.Batch, 1), playbook.MaxBatch) // the loader bounds batch: already in range
	var g errgroup.Group
	g.SetLimit(2 * s.tr.r.maxSessions())
	var chunk []*cell
	send := func() {
		ch := chunk
		chunk = nil
		if len(ch) == 0 {
			return
		}
		if s.tr.r.drained(ctx) {
			for _, c := range ch {
				s.stopCell(c)
				s.store(c)
			}
			return
		}
		g.Go(func() error {
			s.safeCell(func() { s.runBatch(ctx, ch) }, ch...)
			for _, c := range ch {
				s.store(c)
			}
			return nil
		})
	}
	for _, slot := range pending {
		c := s.newCell(slot)
		if !s.prepare(c) {
			s.cellDone(c)
			s.store(c)
			continue
		}
		if chunk = append(chunk, c); len(chunk) == size {
			send()
		}
	}
	send()
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
