package runner

import (
	"sync"

	"github.com/exoplay/exoplay/results"
)

// settledCells holds what a step's finished cells left that is not kept
// per cell: their attempts, summed, and one shared cell per status and
// reason for the cells that left nothing else. A foreach over a large
// register then keeps one pointer per item once its cells are done, not a
// cell each (issue 13 item 5).
type settledCells struct {
	mu       sync.Mutex
	attempts results.Attempts
	shared   map[settledKey]*cell
}

type settledKey struct {
	status results.Status
	reason string
}

// store puts a finished (or stopped) cell in its slot: the cell itself
// while anything in it is still needed (its error, warnings, would_run,
// objects or data range), else a shared cell of its status and reason, its
// attempts added to the step's sum. Each cell is stored by the one
// goroutine that ran it, once it is journaled; aggregate reads the slots
// after every goroutine is done.
func (s *stepRun) store(c *cell) {
	if c.index < 0 {
		s.cells[0] = c
		return
	}
	if !c.onlyStatus() {
		s.cells[c.index] = c
		return
	}
	k := settledKey{c.status, c.reason}
	s.settled.mu.Lock()
	defer s.settled.mu.Unlock()
	s.settled.attempts.Add(c.attempts)
	sc := s.settled.shared[k]
	if sc == nil {
		if s.settled.shared == nil {
			s.settled.shared = map[settledKey]*cell{}
		}
		sc = &cell{index: -1, status: k.status, reason: k.reason}
		s.settled.shared[k] = sc
	}
	s.cells[c.index] = sc
}

// onlyStatus reports whether all that aggregate and writeOutput would read
// from the finished cell, besides its attempts, is its status and reason.
// A cell field they come to read must be added here.
func (c *cell) onlyStatus() bool {
	return c.err == nil && len(c.warnings) == 0 && c.wouldRun == nil && c.diff == nil &&
		c.objects == nil && (c.rng == nil || c.rng.Objects == 0)
}
