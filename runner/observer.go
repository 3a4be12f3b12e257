package runner

import (
	"time"

	"github.com/exoplay/exoplay/results"
)

// Observer is told what the run is doing, for progress displays. Calls come
// from many goroutines at once; implementations must be safe for that and
// must not block.
//
// The unit of progress is the cell: one step of one tenant, or one item of
// a foreach step. A display plans RunInfo.Steps cells per tenant and learns
// a step's real count from StepCells when its foreach list is known.
type Observer interface {
	RunStarted(run RunInfo)
	// WaveStarted: the rollout's wave n of count (1-based) starts.
	WaveStarted(name string, n, count, tenants int)
	TenantStarted(tenant string)
	StepStarted(tenant, step string)
	// StepCells: the step has cells cells, of which done were finished by
	// an earlier run (resume). Not called for a step decided before any
	// cell (when false, empty foreach, an expression error).
	StepCells(tenant, step string, cells, done int)
	// CellDone: a cell reached a final status; err is set when it failed.
	CellDone(tenant, step string, status results.Status, err *results.Error)
	StepDone(tenant, step string, status results.Status)
	// TenantDone is called for every tenant, also one that did not start
	// (interrupted, stopped) or finished in an earlier run.
	TenantDone(tenant *results.Tenant)
	// CallDone is called once per cmdlet call (a foreach item, a $batch
	// entry); err is context.Canceled for a call the run cancelled or
	// stopped before it left (its cell is incomplete, not failed).
	CallDone(tenant, step string, stats CallStats, err error)
	// Throttled is called when the service made an organization wait.
	Throttled(org string, wait time.Duration)
	// RunFinished is called once, whatever the run's end.
	RunFinished(summary results.Summary)
}

// RunInfo is what a display knows before the first tenant starts.
type RunInfo struct {
	Tenants int
	Steps   int // selected steps per tenant
}

// NopObserver ignores everything; embed it to implement only some methods.
type NopObserver struct{}

func (NopObserver) RunStarted(RunInfo)                                      {}
func (NopObserver) WaveStarted(string, int, int, int)                       {}
func (NopObserver) TenantStarted(string)                                    {}
func (NopObserver) StepStarted(string, string)                              {}
func (NopObserver) StepCells(string, string, int, int)                      {}
func (NopObserver) CellDone(string, string, results.Status, *results.Error) {}
func (NopObserver) StepDone(string, string, results.Status)                 {}
func (NopObserver) TenantDone(*results.Tenant)                              {}
func (NopObserver) CallDone(string, string, CallStats, error)               {}
func (NopObserver) Throttled(string, time.Duration)                         {}
func (NopObserver) RunFinished(results.Summary)                             {}
