package runner

import (
	"time"

	"github.com/exoplay/exoplay/results"
)

// Observer is told what the run is doing, for progress displays. Calls come
// from many goroutines at once; implementations must be safe for that and
// must not block.
type Observer interface {
	RunStarted(tenants int)
	TenantStarted(tenant string)
	TenantDone(tenant string, status results.Status)
	// CallDone is called once per cmdlet call (a foreach item, a $batch entry).
	CallDone(tenant, step string, stats CallStats, err error)
	// Throttled is called when the service made an organization wait.
	Throttled(org string, wait time.Duration)
	RunFinished(summary results.Summary)
}

// NopObserver ignores everything; embed it to implement only some methods.
type NopObserver struct{}

func (NopObserver) RunStarted(int)                            {}
func (NopObserver) TenantStarted(string)                      {}
func (NopObserver) TenantDone(string, results.Status)         {}
func (NopObserver) CallDone(string, string, CallStats, error) {}
func (NopObserver) Throttled(string, time.Duration)           {}
func (NopObserver) RunFinished(results.Summary)               {}
