package runner

import (
	"context"
	"fmt"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
)

// Wave is one step of a rollout: the tenants that run together, after the
// waves before it finished.
type Wave struct {
	Name    string             // "canary", "wave 2", …
	Size    string             // as the playbook says: "1", "10%", or "canary"
	Tenants []*playbook.Tenant // in plan order within the wave
}

// waves splits the selected tenants into the rollout's waves (nil without
// a rollout): the canary tenants first, then the others, cut at each
// wave's cumulative size.
func waves(pb *playbook.Playbook, tenants []*playbook.Tenant) ([]Wave, error) {
	ro := pb.Settings.Rollout
	if ro == nil || len(tenants) == 0 {
		return nil, nil
	}
	ordered := tenants
	ncanary := 0
	if ro.Canary != "" {
		matched, err := pb.SelectTenants(ro.Canary, playbook.Shard{})
		if err != nil {
			return nil, fmt.Errorf("settings.rollout.canary: %v", err)
		}
		var canary, rest []*playbook.Tenant
		for _, t := range tenants {
			if slices.Contains(matched, t) {
				canary = append(canary, t)
			} else {
				rest = append(rest, t)
			}
		}
		if len(canary) == 0 {
			return nil, fmt.Errorf("settings.rollout.canary %q matches none of the %d selected tenants (after --limit and --shard): the run would have no canary; change --limit or the pattern (with --shard, each shard needs canary tenants of its own, or run the canary first as its own run)", ro.Canary, len(tenants))
		}
		ordered, ncanary = append(canary, rest...), len(canary)
	}
	var out []Wave
	done := 0
	if len(ro.Waves) == 0 { // canary alone: it, then everyone else
		out = append(out, Wave{Name: "canary", Size: "canary", Tenants: ordered[:ncanary]})
		done = ncanary
		if done < len(ordered) {
			out = append(out, Wave{Name: "wave 2", Size: "100%", Tenants: ordered[done:]})
		}
		return out, nil
	}
	for i, ws := range ro.Waves {
		upto := max(ws.Upto(len(ordered)), done+1)
		if i == len(ro.Waves)-1 {
			upto = len(ordered) // the last wave runs every tenant left
		}
		upto = min(upto, len(ordered))
		name := fmt.Sprintf("wave %d", len(out)+1)
		if len(out) == 0 && ncanary > 0 && upto <= ncanary {
			name = "canary"
		}
		out = append(out, Wave{Name: name, Size: ws.String(), Tenants: ordered[done:upto]})
		if done = upto; done == len(ordered) {
			break
		}
	}
	return out, nil
}

// runWaves runs the plan's waves one after the other; after each, a wave
// whose failed/started ratio passes max_fail_ratio stops the run: the
// tenants of later waves do not start (incomplete, resumable). Tenants an
// earlier run finished count in no ratio, so a resume goes on.
func (r *run) runWaves(ctx context.Context, out []*results.Tenant, runOne func(i int)) {
	index := map[*playbook.Tenant]int{}
	for i, t := range r.plan.Tenants {
		index[t] = i
	}
	ro := r.pb.Settings.Rollout
	for wi, w := range r.plan.Waves {
		if wi > 0 && ro.Pause > 0 && r.stopReason(ctx) == "" {
			_ = r.clock.sleep(ctx, ro.Pause) // an interrupt ends the pause; the next wave then does not start
		}
		var idx []int
		before := map[int]bool{}
		for _, t := range w.Tenants {
			i := index[t]
			idx = append(idx, i)
			if p := r.prior.tenant(t.Name); p != nil && p.done != nil {
				before[i] = true
			}
		}
		r.opts.Logger.Info().Str("wave", w.Name).Int("tenants", len(idx)).Msg("wave started")
		r.obs.WaveStarted(w.Name, wi+1, len(r.plan.Waves), len(idx))
		r.runGroup(ctx, idx, runOne)
		started, failed := 0, 0
		for _, i := range idx {
			if res := out[i]; !before[i] && res != nil && res.Started != nil {
				started++
				if res.Status == results.StatusFailed {
					failed++
				}
			}
		}
		if wi < len(r.plan.Waves)-1 && started > 0 && float64(failed)/float64(started) > ro.MaxFailRatio {
			r.stopMu.Lock()
			if r.stop == "" {
				r.stop = fmt.Sprintf("not started: %s failed %d of %d tenants, above max_fail_ratio %g; resume with --resume once fixed", w.Name, failed, started, ro.MaxFailRatio)
			}
			r.stopMu.Unlock()
		}
	}
}

// runGroup runs the tenants at the given plan indexes, at most
// max_parallel_tenants at once.
func (r *run) runGroup(ctx context.Context, idx []int, runOne func(i int)) {
	var g errgroup.Group
	limit := max(1, r.pb.Settings.MaxParallelTenants)
	g.SetLimit(limit)
	tenants := make([]*playbook.Tenant, len(idx))
	for k, i := range idx {
		tenants[k] = r.plan.Tenants[i]
	}
	r.ahead = r.startSignAhead(ctx, tenants, limit) // signahead.go
	for k, i := range idx {
		g.Go(func() error {
			defer r.ahead.drop(tenants[k])
			runOne(i)
			return nil
		})
	}
	_ = g.Wait() // tenant goroutines report through out, never through errors
	r.ahead.stop()
	r.ahead = nil
}
