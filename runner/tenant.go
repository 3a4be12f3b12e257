package runner

import (
	"context"
	"fmt"
	"maps"

	"github.com/rs/zerolog"

	"github.com/exoplay/exoplay/internal/category"
	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
)

// tenantRun runs the steps of one tenant, in order.
type tenantRun struct {
	r     *run
	t     *playbook.Tenant
	sess  Session
	lim   *orgLimiter
	scope playbook.Scope // grows a name per register
	prior *tenantState
	log   zerolog.Logger
	lost  bool        // a register of an earlier run could not be reloaded: nothing more runs
	lists []*diskList // registers kept on disk, closed when the tenant is done
}

func (r *run) runTenant(ctx context.Context, t *playbook.Tenant) *results.Tenant {
	prior := r.prior.tenant(t.Name)
	if prior != nil && prior.done != nil {
		return prior.done // finished before the interruption
	}
	if reason := r.stopReason(ctx); reason != "" {
		return r.priorResult(t, prior, reason) // what earlier runs finished stays in the results
	}
	log := r.opts.Logger.With().Str("tenant", t.Name).Logger()
	started := r.clock.now().UTC()
	res := &results.Tenant{Name: t.Name, Organization: organization(t), TenantID: t.TenantID, Groups: t.Groups, Started: &started}
	if r.record(results.Event{Type: results.EventTenantStarted, Tenant: t.Name}) != nil {
		return r.notStarted(t, "not started: the run journal cannot be written")
	}
	r.obs.TenantStarted(t.Name)
	defer func() {
		finished := r.clock.now().UTC()
		res.Finished = &finished
		if res.Status != results.StatusIncomplete {
			tr := *res
			_ = r.record(results.Event{Type: results.EventTenantDone, Tenant: t.Name, Status: res.Status, TenantResult: &tr}) // an error stops the run
		}
		log.Info().Str("status", string(res.Status)).Msg("tenant done")
	}()

	if reason, ok := r.opts.Blocked[t.Name]; ok {
		blocked := &results.Error{Category: category.Auth, Code: "preflight_blocked", Message: reason}
		if prior != nil {
			// A resume: keep what earlier runs finished, and leave the
			// tenant unfinished so a later resume runs it once ready.
			*res = *r.priorResult(t, prior, "not run: "+reason)
			res.Error, res.Status = blocked, results.StatusIncomplete
			return res
		}
		res.Status, res.Error = results.StatusFailed, blocked
		for _, st := range r.pb.Steps {
			res.Steps = append(res.Steps, undecided(st, stepResult(st, results.StatusSkipped, "not run: "+reason)))
		}
		log.Warn().Str("reason", reason).Msg("tenant blocked")
		return res
	}
	sess, err := r.connect(ctx, t) // signed in ahead if it could be (signahead.go)
	if err != nil {
		if ctx.Err() != nil {
			r.interrupted.Store(true)
			res.Status = results.StatusIncomplete
			for _, st := range r.pb.Steps {
				res.Steps = append(res.Steps, stepResult(st, results.StatusIncomplete, "not run: the run was interrupted during sign-in"))
			}
			return res
		}
		e := classify(err)
		e.Category = category.Auth // whatever went wrong, this tenant could not sign in
		res.Status, res.Error = results.StatusFailed, e
		for _, st := range r.pb.Steps {
			res.Steps = append(res.Steps, undecided(st, stepResult(st, results.StatusSkipped, "not run: sign-in failed")))
		}
		// Identical refusals of many tenants (one wrong shared secret) are
		// one warning; the rest go to the debug level.
		lvl := log.Debug()
		if r.firstOf("sign-in", e.Code, sameError(e.Message, t)) {
			lvl = log.Warn()
		}
		lvl.Str("error", e.Message).Msg("sign-in failed")
		return res
	}
	if reason := r.checkTenantID(t, prior, sess.TenantID()); reason != "" {
		log.Error().Msg(reason)
		pr := r.priorResult(t, prior, "not run: "+reason)
		pr.Error = &results.Error{Category: category.Auth, Code: "tenant_id_changed", Message: reason}
		*res = *pr
		res.Status = results.StatusIncomplete // whatever failed before: it is unfinished
		return res
	}
	res.TenantID, res.AuthMethod = sess.TenantID(), sess.AuthMethod()
	_ = r.record(results.Event{Type: results.EventSignedIn, Tenant: t.Name, Message: res.TenantID}) // an error stops the run: the steps see it as drained
	key := sess.TenantID()
	if key == "" {
		key = organization(t)
	}
	tr := &tenantRun{
		r: r, t: t, sess: sess, lim: r.limiter(key), prior: prior, log: log,
		scope: r.plan.Scope(t),
	}
	defer tr.closeLists()
	tr.scope["run"] = r.runVars

	stopped := ""
	incomplete := false
	for _, ps := range r.plan.Steps {
		st := ps.Step
		var sr *results.Step
		var reg any
		switch {
		case !ps.Selected:
			sr = stepResult(st, results.StatusSkipped, "not selected by --tags/--skip-tags")
		case tr.lost:
			incomplete = true
			sr = stepResult(st, results.StatusIncomplete, "not run: the resume was refused (a registered output could not be reloaded)")
		case incomplete || r.drained(ctx):
			// Nothing after an unfinished step is decided: its when or
			// foreach could read a partial register. Resume runs it.
			incomplete = true
			r.interrupted.Store(true)
			sr = stepResult(st, results.StatusIncomplete, "not run: the run was interrupted")
		case stopped != "":
			sr = undecided(st, stepResult(st, results.StatusSkipped, fmt.Sprintf("not run: step %s failed", stopped)))
		default:
			sr, reg = tr.runStep(ctx, st)
		}
		if st.Register != "" {
			if l, ok := reg.([]any); reg == nil || ok && l == nil {
				reg = []any{}
			}
			tr.scope[st.Register] = reg
		}
		if sr.Status == results.StatusFailed && !st.ContinueOnError && stopped == "" {
			stopped = st.ID
		}
		if sr.Status == results.StatusIncomplete {
			incomplete = true
		}
		res.Steps = append(res.Steps, sr)
	}
	res.Status = results.TenantStatus(res.Steps)
	return res
}

// with is the tenant's scope plus item (foreach) or result.
func (tr *tenantRun) with(name string, v any) playbook.Scope {
	s := maps.Clone(tr.scope)
	s[name] = v
	return s
}

func (tr *tenantRun) closeLists() {
	for _, l := range tr.lists {
		_ = l.Close() // read-only
	}
}
