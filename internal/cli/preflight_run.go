package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/exoplay/exoplay/internal/connect"
	"github.com/exoplay/exoplay/runner"
)

// preflightFlag is run's --preflight: on by default for a run that writes
// to more than one tenant, off by default otherwise; --preflight=false (or
// true) decides.
type preflightFlag struct {
	on  bool
	set bool // given on the command line
}

func (p *preflightFlag) addTo(f *pflag.FlagSet) {
	f.BoolVar(&p.on, "preflight", false, "check every tenant first (as `exoplay preflight`) and send nothing to a tenant that is not ready; default on for a run that writes to more than one tenant, --preflight=false to skip")
}

// enabled says whether the run checks its tenants first.
func (p *preflightFlag) enabled(plan *runner.Plan, check bool) bool {
	if p.set {
		return p.on
	}
	if check || len(plan.Tenants) < 2 {
		return false
	}
	for _, ps := range plan.Steps {
		if ps.Selected && ps.Write {
			return true
		}
	}
	return false
}

// run checks the tenants when enabled, writes the readiness matrix to
// stderr (stdout carries the run's results), and returns the blocked
// tenants with their reasons. A resume checks again: a tenant ready then
// may not be now.
func (p *preflightFlag) run(ctx context.Context, ios *streams, plan *runner.Plan, check bool, conn *connect.Connector) (map[string]string, error) {
	if !p.enabled(plan, check) {
		return nil, nil
	}
	r := preflight(ctx, plan, conn, time.Now())
	fmt.Fprintln(ios.Err, "Preflight:")
	if err := writeReadiness(ios.Err, r); err != nil {
		return nil, exitf(ExitStepFailed, "writing the readiness matrix: %v", err)
	}
	if ctx.Err() != nil {
		return nil, exitf(ExitInterrupted, "interrupted during preflight")
	}
	return r.blocked(), nil
}
