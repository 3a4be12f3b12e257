package runner

import (
	"time"

	"github.com/exoplay/exoplay/results"
)

// journalState is what an earlier run of the same directory finished,
// rebuilt from events.jsonl.
type journalState struct {
	started time.Time
	mode    string // run | check, of the first invocation
	sha256  string // of the playbook the run started with
	resumes int
	tenants map[string]*tenantState
}

type tenantState struct {
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
			}
		case results.EventRunResumed:
			js.resumes++
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
