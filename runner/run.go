package runner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/exoplay/exoplay/internal/wait"
	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
)

// run is the state of one Run call.
type run struct {
	opts    Options
	plan    *Plan
	pb      *playbook.Playbook
	clock   clock
	obs     Observer
	journal *results.Journal
	prior   *journalState // nil unless resuming
	runVars map[string]any

	limMu    sync.Mutex
	limiters map[string]*orgLimiter
	ahead    *signAhead // the running group's sign-ins ahead (signahead.go)

	seen sync.Map // firstOf's keys

	interrupted atomic.Bool
	// jstop is closed when the journal failed (jerr): the run stops.
	jstop    chan struct{}
	jerrOnce sync.Once
	jerr     error
	failed   atomic.Int64
	stopMu   sync.Mutex
	stop     string   // why no new tenant starts ("" = go on)
	refused  []string // resume: why it cannot go on (under stopMu)
	// refusedHint says what to do about refused ("" = the default hint).
	refusedHint string
}

// Run runs opts.Plan (its selected steps over its tenants) and returns the results,
// also written to opts.Dir. The error is for problems of the run itself
// (the run directory cannot be written); failures of tenants and steps are
// in the results, with the exit code in Summary.ExitCode.
func Run(ctx context.Context, opts Options) (*results.Results, error) {
	if opts.Plan == nil || opts.Dir == nil || opts.Connector == nil {
		return nil, errors.New("runner: Plan, Dir and Connector are required")
	}
	r := &run{
		opts:     opts,
		plan:     opts.Plan,
		pb:       opts.Plan.Playbook,
		clock:    clock{now: opts.Now, sleep: opts.Sleep},
		obs:      opts.Observer,
		journal:  opts.Dir.Journal(),
		limiters: map[string]*orgLimiter{},
		jstop:    make(chan struct{}),
	}
	if r.clock.now == nil {
		r.clock.now = time.Now
	}
	if r.clock.sleep == nil {
		r.clock.sleep = wait.Sleep
	}
	if r.obs == nil {
		r.obs = NopObserver{}
	}
	r.journal.SetClock(r.clock.now)
	mode := "run"
	if opts.Check {
		mode = "check"
	}
	r.runVars = map[string]any{"id": opts.Dir.ID(), "mode": mode, "check": opts.Check, "playbook": r.pb.Name}

	started := r.clock.now().UTC()
	info := results.Run{
		ID:          opts.Dir.ID(),
		Dir:         opts.Dir.Path(),
		Playbook:    results.Playbook{Name: r.pb.Name, Path: r.pb.Path, SHA256: r.pb.SHA256},
		ToolVersion: opts.Version,
		Started:     started,
		Mode:        mode,
		Argv:        results.RedactArgv(opts.Argv),
		Shard:       opts.Plan.Selection.Shard.String(), // for exoplay merge
		FailOn:      opts.FailOn,
	}
	fresh := !opts.Resume
	if opts.Resume {
		var err error
		if fresh, err = r.openPrior(mode); err != nil {
			return nil, err
		}
	}
	if !fresh {
		info.Started = r.prior.started // checked non-zero by openPrior
		info.Resumes = r.prior.resumes + 1
		if err := r.journal.Record(results.Event{Type: results.EventRunResumed, Run: &info}); err != nil {
			return nil, err
		}
	} else if err := r.journal.Record(results.Event{Type: results.EventRunStarted, Run: &info, Inputs: r.plan.Inputs()}); err != nil {
		return nil, err
	}
	log := opts.Logger.With().Str("run", info.ID).Logger()
	log.Info().Str("mode", mode).Int("tenants", len(r.plan.Tenants)).Bool("resume", opts.Resume).Msg("run started")
	if len(r.plan.Tenants) == 0 {
		// Not an error (an Indexed Job may have more shards than
		// organizations, and merge needs every shard's run), but never
		// an ok run that looks as if it checked something.
		where := "the selection"
		if info.Shard != "" {
			where = "shard " + info.Shard
		}
		log.Warn().Msg(where + " holds no tenant: nothing to run")
	}
	selected := 0
	for _, ps := range r.plan.Steps {
		if ps.Selected {
			selected++
		}
	}
	r.obs.RunStarted(RunInfo{Tenants: len(r.plan.Tenants), Steps: selected})

	out := make([]*results.Tenant, len(r.plan.Tenants))
	runOne := func(i int) {
		t := r.plan.Tenants[i]
		res := r.runTenantSafe(ctx, t)
		out[i] = res
		// A tenant an earlier run finished counts in no fail_fast or
		// max_fail_percentage decision (as in rollout waves): its failure
		// already stopped that run, and counting it again would stop every
		// resume before it starts a tenant.
		if p := r.prior.tenant(t.Name); p == nil || p.done == nil {
			r.tenantFinished(res)
		}
		// Also for tenants that did not start or finished in an
		// earlier run, so progress counts every tenant.
		r.obs.TenantDone(res)
	}
	if len(r.plan.Waves) > 0 {
		r.runWaves(ctx, out, runOne) // waves.go
	} else {
		r.runGroup(ctx, indexes(len(out)), runOne)
	}

	info.Finished = r.clock.now().UTC()
	res := &results.Results{SchemaVersion: results.SchemaVersion, Run: info, Tenants: out}
	res.Waivers = waiverUse(r.pb, out, info.Finished) // expect.go
	res.Summarize(r.interrupted.Load())
	r.obs.RunFinished(res.Summary) // before any early return: the display ends either way
	if len(r.refused) > 0 {
		// A tenant's token named another organization than the journal's:
		// that tenant sent nothing; the resume as a whole is refused.
		res.Summary.ExitCode = results.ExitInvalid
		if err := opts.Dir.WriteResults(res); err != nil {
			log.Error().Err(err).Msg("writing " + results.ResultsFile)
		}
		return res, &ResumeError{Dir: opts.Dir.Path(), Reasons: r.refused, Hint: r.refusedHint}
	}
	if jerr := r.journalError(); jerr != nil {
		// Not a clean interrupt: the run could not go on. Results are
		// still written, for what finished.
		res.Summary.ExitCode = results.ExitStepFailed
		if err := opts.Dir.WriteResults(res); err != nil {
			log.Error().Err(err).Msg("writing " + results.ResultsFile)
		}
		return res, jerr
	}
	if err := r.record(results.Event{Type: results.EventRunFinished, Status: runStatus(res), Message: fmt.Sprintf("exit code %d", res.Summary.ExitCode)}); err != nil {
		return res, r.journalError()
	}
	if err := opts.Dir.WriteResults(res); err != nil {
		return res, fmt.Errorf("writing %s: %w", results.ResultsFile, err)
	}
	log.Info().Int("exit_code", res.Summary.ExitCode).Float64("seconds", res.Summary.DurationSeconds).Msg("run finished")
	return res, nil
}

func runStatus(res *results.Results) results.Status {
	switch res.Summary.ExitCode {
	case results.ExitInterrupted: // interrupted, or a tenant left unfinished
		return results.StatusIncomplete
	case results.ExitOK, results.ExitNonCompliant:
		return results.StatusOK
	}
	return results.StatusFailed
}

// drained reports whether the first interrupt arrived or ctx ended.
func (r *run) drained(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	select {
	case <-r.jstop:
		return true
	default:
	}
	if r.opts.Drain == nil {
		return false
	}
	select {
	case <-r.opts.Drain:
		return true
	default:
		return false
	}
}

// stopReason says why a new tenant must not start ("" = it may).
func (r *run) stopReason(ctx context.Context) string {
	if r.drained(ctx) {
		r.interrupted.Store(true)
		return "not started: the run was interrupted"
	}
	r.stopMu.Lock()
	defer r.stopMu.Unlock()
	return r.stop
}

func (r *run) tenantFinished(t *results.Tenant) {
	if t.Status != results.StatusFailed {
		return
	}
	failed := r.failed.Add(1)
	s := r.pb.Settings
	total := len(r.plan.Tenants)
	r.stopMu.Lock()
	defer r.stopMu.Unlock()
	if r.stop != "" {
		return
	}
	switch {
	case s.FailFast:
		r.stop = fmt.Sprintf("not started: fail_fast is set and tenant %s failed", t.Name)
	case s.MaxFailPercentage > 0 && float64(failed)*100/float64(total) > s.MaxFailPercentage:
		r.stop = fmt.Sprintf("not started: %d of %d tenants failed, above max_fail_percentage %g", failed, total, s.MaxFailPercentage)
	}
}

// limiter returns the organization's limiter; tenant entries that sign in
// to the same organization share it.
func (r *run) limiter(key string) *orgLimiter {
	key = strings.ToLower(key)
	r.limMu.Lock()
	defer r.limMu.Unlock()
	l := r.limiters[key]
	if l == nil {
		l = newOrgLimiter(r.maxSessions(), r.clock, r.opts.Adaptive, func(wait time.Duration) {
			r.obs.Throttled(key, wait)
		})
		l.leases, l.key = r.opts.Leases, key
		r.limiters[key] = l
	}
	return l
}

// maxSessions is max_sessions_per_org as the loader resolved it (its
// default lives there, not here).
func (r *run) maxSessions() int { return r.pb.Settings.MaxSessionsPerOrg }

// notStarted is the result of a tenant that never ran.
func (r *run) notStarted(t *playbook.Tenant, reason string) *results.Tenant {
	res := &results.Tenant{Name: t.Name, Organization: organization(t), TenantID: t.TenantID, Groups: t.Groups, Status: results.StatusIncomplete}
	for _, st := range r.pb.Steps {
		res.Steps = append(res.Steps, stepResult(st, results.StatusIncomplete, reason))
	}
	return res
}

func organization(t *playbook.Tenant) string {
	if t.Organization != "" {
		return t.Organization
	}
	return t.TenantID
}

func stepResult(st *playbook.Step, status results.Status, reason string) *results.Step {
	return &results.Step{
		ID: st.ID, Name: st.Name, Cmdlet: st.Cmdlet, Service: st.Service,
		Write: st.Write, Status: status, Reason: reason,
	}
}

func indexes(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}
