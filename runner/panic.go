package runner

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/exoplay/exoplay/internal/category"
	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
)

// A panic is a bug of exoplay, but it must cost only the tenant (or the
// foreach item) it happened in: the other tenants go on, results.json is
// written, and the run exits 1. The stack goes to the log (exoplay.log).

// panicError logs a recovered panic with its stack and describes it.
func (r *run) panicError(p any, tenant, step string) *results.Error {
	r.opts.Logger.Error().Str("tenant", tenant).Str("step", step).Str("panic", fmt.Sprint(p)).
		Str("stack", string(debug.Stack())).Msg("internal error (panic) recovered")
	where := "tenant " + tenant
	if step != "" {
		where += ", step " + step
	}
	return &results.Error{Category: category.Internal, Code: "panic",
		Message: fmt.Sprintf("exoplay failed internally in %s: %v (a bug: the stack is in %s; please report it)", where, p, results.LogFileName)}
}

// runTenantSafe is runTenant with a panic turned into that tenant's failure.
func (r *run) runTenantSafe(ctx context.Context, t *playbook.Tenant) (res *results.Tenant) {
	defer func() {
		if p := recover(); p != nil {
			res = r.priorResult(t, r.prior.tenant(t.Name), "not run: exoplay failed internally in this tenant")
			res.Status, res.Error = results.StatusFailed, r.panicError(p, t.Name, "")
		}
	}()
	return r.runTenant(ctx, t)
}

// safeCell runs f for one cell (or one $batch of cells) in a foreach
// goroutine; a panic fails those cells, not the process.
func (s *stepRun) safeCell(f func(), cells ...*cell) {
	defer func() {
		if p := recover(); p != nil {
			e := s.tr.r.panicError(p, s.tr.t.Name, s.st.ID)
			for _, c := range cells {
				if c.status.Final() {
					continue // finished and journaled before the panic
				}
				if c.x().stream != nil {
					c.x().stream.Abort()
					c.x().stream = nil
				}
				c.objects = nil
				c.status, c.err = results.StatusFailed, e
				s.cellDone(c)
			}
		}
	}()
	f()
}
