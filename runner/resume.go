package runner

import (
	"fmt"
	"strings"
	"time"

	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
)

// openPrior reads the journal of the run being resumed and refuses
// (ResumeError) when the run cannot be continued as it started: another
// playbook, mode, inventory, tenant set or selection. Cells are keyed by
// tenant name, step id and foreach index: continuing them over other inputs
// would skip or repeat the wrong ones, or send one tenant's writes to
// another.
//
// An empty journal is a run killed before it recorded anything (run_started
// is synced before any network call, so nothing was sent): it starts afresh
// in the same directory (fresh true).
func (r *run) openPrior(mode string) (fresh bool, err error) {
	dir := r.opts.Dir.Path()
	events, err := r.opts.Dir.Events()
	if err != nil {
		return false, &ResumeError{Dir: dir, Reasons: []string{fmt.Sprintf("its journal cannot be read: %v", err)}}
	}
	if len(events) == 0 {
		return true, nil
	}
	r.prior = loadJournal(events)
	if r.prior.started.IsZero() {
		return false, &ResumeError{Dir: dir, Reasons: []string{"its journal has no run_started event"}}
	}
	var reasons []string
	if r.prior.mode != "" && r.prior.mode != mode {
		reasons = append(reasons, fmt.Sprintf("it is a %s-mode run (resume it with the same --check choice)", r.prior.mode))
	}
	if r.prior.sha256 != "" && r.pb.SHA256 != "" && r.prior.sha256 != r.pb.SHA256 {
		reasons = append(reasons, fmt.Sprintf("the playbook changed (sha256 %.12s…, now %.12s…)", r.prior.sha256, r.pb.SHA256))
	}
	if r.prior.inputs != nil {
		reasons = append(reasons, DiffInputs(r.prior.inputs, r.plan.Inputs())...)
	}
	if len(reasons) > 0 {
		return false, &ResumeError{Dir: dir, Reasons: reasons}
	}
	return false, nil
}

// checkTenantID refuses to go on with a tenant whose token names another
// organization than the one the run signed in to before: its journaled
// cells (and registered outputs) belong to that other organization.
func (r *run) checkTenantID(t *playbook.Tenant, prior *tenantState, tid string) string {
	if prior == nil || prior.tid == "" || strings.EqualFold(prior.tid, tid) {
		return ""
	}
	reason := fmt.Sprintf("tenant %s: its token names tenant id %s, but the run signed in to %s before", t.Name, tid, prior.tid)
	r.refuse(reason, "")
	return reason
}

// refuse records why the resume cannot go on: no new tenant starts, and
// Run returns a ResumeError (exit 2) once the tenants running finish.
func (r *run) refuse(reason, hint string) {
	r.opts.Logger.Error().Msg("resume refused: " + reason)
	r.stopMu.Lock()
	defer r.stopMu.Unlock()
	r.refused = append(r.refused, reason)
	if hint != "" {
		r.refusedHint = hint
	}
	if r.stop == "" {
		r.stop = "not started: the resume was refused (" + reason + ")"
	}
}

// priorResult is what a tenant that does not run now has from earlier runs:
// its finished steps as they were, the others incomplete with reason.
func (r *run) priorResult(t *playbook.Tenant, prior *tenantState, reason string) *results.Tenant {
	res := r.notStarted(t, reason)
	for i, st := range res.Steps {
		if done := prior.step(st.ID); done != nil && done.done != nil {
			res.Steps[i] = done.done
		}
	}
	res.Status = results.TenantStatus(res.Steps)
	return res
}

// journalState is what an earlier run of the same directory finished,
// rebuilt from events.jsonl.
type journalState struct {
	started time.Time
	mode    string          // run | check, of the first invocation
	sha256  string          // of the playbook the run started with
	inputs  *results.Inputs // inventory, tenants and selection it started with (nil: an older journal)
	resumes int
	tenants map[string]*tenantState
}

type tenantState struct {
	tid   string          // tenant id its token named (signed_in)
	done  *results.Tenant // tenant_done: nothing left to run
	steps map[string]*stepState
}

type stepState struct {
	done  *results.Step // step_done
	cells map[int]*cellState
}

// cellState is one call: key -1 for a step without foreach.
type cellState struct {
	sent bool           // a write was sent
	done *results.Event // its cell_done event
}

func cellKey(item *int) int {
	if item == nil {
		return -1
	}
	return *item
}

func loadJournal(events []results.Event) *journalState {
	js := &journalState{tenants: map[string]*tenantState{}}
	tenant := func(name string) *tenantState {
		ts := js.tenants[name]
		if ts == nil {
			ts = &tenantState{steps: map[string]*stepState{}}
			js.tenants[name] = ts
		}
		return ts
	}
	step := func(t, s string) *stepState {
		ts := tenant(t)
		ss := ts.steps[s]
		if ss == nil {
			ss = &stepState{cells: map[int]*cellState{}}
			ts.steps[s] = ss
		}
		return ss
	}
	cell := func(ev *results.Event) *cellState {
		ss := step(ev.Tenant, ev.Step)
		k := cellKey(ev.Item)
		cs := ss.cells[k]
		if cs == nil {
			cs = &cellState{}
			ss.cells[k] = cs
		}
		return cs
	}
	for i := range events {
		ev := &events[i]
		switch ev.Type {
		case results.EventRunStarted:
			if js.started.IsZero() {
				js.started = ev.Time
				if ev.Run != nil {
					if !ev.Run.Started.IsZero() {
						js.started = ev.Run.Started
					}
					js.mode, js.sha256 = ev.Run.Mode, ev.Run.Playbook.SHA256
				}
				js.inputs = ev.Inputs
			}
		case results.EventRunResumed:
			js.resumes++
		case results.EventSignedIn:
			if ev.Message != "" {
				tenant(ev.Tenant).tid = ev.Message
			}
		case results.EventCellSent:
			cell(ev).sent = true
		case results.EventCellUnsent:
			cell(ev).sent = false
		case results.EventCellDone:
			cell(ev).done = ev
		case results.EventStepDone:
			step(ev.Tenant, ev.Step).done = ev.StepResult
		case results.EventTenantDone:
			tenant(ev.Tenant).done = ev.TenantResult
		}
	}
	return js
}

func (js *journalState) tenant(name string) *tenantState {
	if js == nil {
		return nil
	}
	return js.tenants[name]
}

func (ts *tenantState) step(id string) *stepState {
	if ts == nil {
		return nil
	}
	return ts.steps[id]
}

func (ss *stepState) cell(k int) *cellState {
	if ss == nil {
		return nil
	}
	return ss.cells[k]
}
