package runner

import (
	"context"
	"time"

	"github.com/rs/zerolog"

	"github.com/exoplay/exoplay/results"
	"github.com/exoplay/exoplay/runner/lease"
)

// Options are the inputs of one run.
type Options struct {
	// Plan is the playbook and selection to run (NewPlan): the same value
	// `exoplay plan` shows.
	Plan *Plan
	// Check sends reads only; each write is recorded as would_run.
	Check     bool
	Connector Connector
	Dir       *results.RunDir
	// Resume continues the run journaled in Dir: only cells that did not
	// finish run.
	Resume   bool
	Observer Observer // nil = none
	Now      func() time.Time
	// Sleep waits d or until ctx ends; nil = a real timer. Tests inject it
	// with Now to drive the limiter's Retry-After and recovery logic.
	Sleep  func(ctx context.Context, d time.Duration) error
	Logger zerolog.Logger
	// Drain is closed on the first SIGINT/SIGTERM: no new call starts,
	// calls in flight finish (bounded by ctx), results are written with
	// the unfinished cells incomplete, and the exit code is 130.
	Drain   <-chan struct{}
	Argv    []string
	Version string
	// FailOn is the lowest severity whose failing assertion sets exit code
	// 3 ("" = every severity); see results.Summarize.
	FailOn string
	// Adaptive tunes how a throttled organization slows down and recovers
	// (zero = defaults).
	Adaptive Adaptive
	// Leases, when set, makes max_sessions_per_org one cap across every
	// process sharing the lease directory (per tenant id); nil = this
	// process only.
	Leases *lease.Dir
	// Blocked names tenants that get no call at all (preflight found them
	// not ready), each with its reason: they are failed, category auth.
	Blocked map[string]string
	// AllowWrite, when set, is asked about each write cell just before it
	// is admitted (a reviewed plan's list of writes, `run --plan`): an
	// error blocks the write, which is not sent and fails with code
	// not_in_plan. Called concurrently; parameters are redacted.
	AllowWrite func(w PlannedWrite) error
}

// PlannedWrite is a write cell as AllowWrite sees it.
type PlannedWrite struct {
	Tenant, Step, Cmdlet string
	Parameters           map[string]any // secret-looking names redacted
}

// Adaptive tunes the per-organization limiter.
type Adaptive struct {
	// DecreaseGap: concurrency drops by at most one per gap, so a burst of
	// 429s from the requests already in flight counts once (default 1s).
	DecreaseGap time.Duration
	// Quiet: no increase until this long after the last throttle (default 5s).
	Quiet time.Duration
	// RecoverAfter: successful releases needed per +1 (default 10).
	RecoverAfter int
}

func (a Adaptive) withDefaults() Adaptive {
	if a.DecreaseGap <= 0 {
		a.DecreaseGap = time.Second
	}
	if a.Quiet <= 0 {
		a.Quiet = 5 * time.Second
	}
	if a.RecoverAfter <= 0 {
		a.RecoverAfter = 10
	}
	return a
}

type clock struct {
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}
