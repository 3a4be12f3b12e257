package results

import "github.com/exoplay/exoplay/internal/category"

// Exit codes (DESIGN.md §3): the one list; the CLI maps errors to them.
const (
	ExitOK           = 0
	ExitStepFailed   = 1
	ExitInvalid      = 2 // invalid invocation, playbook or resume
	ExitNonCompliant = 3
	ExitAuthFailed   = 4
	ExitInterrupted  = 130
)

// TenantStatus applies the tenant rule of DESIGN.md §4 to its steps:
// incomplete if one did not finish (unfinished work is never hidden behind a
// failure: the tenant is resumable), else failed if a step failed, else
// changed if one wrote, else ok; skipped only when every step was skipped.
func TenantStatus(steps []*Step) Status {
	var c Counts
	for _, s := range steps {
		c.Add(s.Status)
	}
	switch {
	case c.Incomplete > 0:
		return StatusIncomplete
	case c.Failed > 0:
		return StatusFailed
	case c.Changed > 0:
		return StatusChanged
	case c.Total > 0 && c.Skipped == c.Total:
		return StatusSkipped
	default:
		return StatusOK
	}
}

// Summarize fills r.Summary from the tenants: counts, assertion outcomes and
// the exit code. interrupted means the run stopped before every cell
// finished (a signal, or its context was cancelled).
func (r *Results) Summarize(interrupted bool) {
	s := Summary{Interrupted: interrupted}
	authFailed, gatingFails, assertErrors := 0, 0, 0
	for _, t := range r.Tenants {
		s.Tenants.Add(t.Status)
		if t.Error != nil && t.Error.Category == category.Auth {
			authFailed++
		}
		for _, st := range t.Steps {
			addWrites(&s, st)
			s.Steps.Add(st.Status)
			s.Calls += st.Attempts.Calls
			s.ThrottledWaits += st.Attempts.ThrottledWaits
			for i := range st.Assertions {
				fail, isErr := s.Assertions.count(&st.Assertions[i], r.Run.FailOn)
				if fail {
					gatingFails++
				}
				if isErr {
					assertErrors++
				}
			}
		}
	}
	if !r.Run.Finished.IsZero() && !r.Run.Started.IsZero() {
		s.DurationSeconds = r.Run.Finished.Sub(r.Run.Started).Seconds()
	}
	switch {
	case interrupted:
		s.ExitCode = ExitInterrupted
	case len(r.Tenants) > 0 && authFailed == len(r.Tenants):
		s.ExitCode = ExitAuthFailed
	case s.Tenants.Failed > 0 || s.Steps.Failed > 0 || assertErrors > 0:
		// An assertion that could not be decided is work not done, not a finding.
		s.ExitCode = ExitStepFailed
	case s.Tenants.Incomplete > 0:
		// Left unfinished without an interrupt (a resume that preflight
		// blocked a tenant of): partial results, to resume, never 0 or 3.
		s.ExitCode = ExitInterrupted
	case gatingFails > 0:
		s.ExitCode = ExitNonCompliant
	default:
		s.ExitCode = ExitOK
	}
	r.Summary = s
}

// addWrites counts a write step's calls by ledger outcome: changed is
// confirmed, ok is unchanged (the service said nothing was modified),
// failed is failed, or unknown when its outcome could not be known. Calls
// that never went out (an expression error, check mode) are not writes.
func addWrites(s *Summary, st *Step) {
	if !st.Write {
		return
	}
	var c WriteCounts
	failed := func(e *Error) {
		switch {
		case e == nil || e.Code == "expression":
		case e.Code == "outcome_unknown":
			c.Unknown++
		case e.Code == CodeNotInPlan:
			c.Blocked++
		default:
			c.Failed++
		}
	}
	if st.Items != nil {
		c.Confirmed, c.Unchanged = st.Items.Changed, st.Items.OK
		for _, ie := range st.ItemErrors {
			failed(ie.Error)
		}
	} else {
		switch st.Status {
		case StatusChanged:
			c.Confirmed++
		case StatusOK:
			c.Unchanged++
		case StatusFailed:
			failed(st.Error)
		}
	}
	if c == (WriteCounts{}) {
		return
	}
	if s.Writes == nil {
		s.Writes = &WriteCounts{}
	}
	s.Writes.Confirmed += c.Confirmed
	s.Writes.Unchanged += c.Unchanged
	s.Writes.Blocked += c.Blocked
	s.Writes.Failed += c.Failed
	s.Writes.Unknown += c.Unknown
}
