package runner_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/exoplay/exoplay/internal/category"
	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
	"github.com/exoplay/exoplay/runner"
)

// panicky wraps the real connector to inject a bug: sign-in to contoso
// panics, and so does fabrikam's first Set-CASMailbox call.
type panicky struct {
	runner.Connector
	fired atomic.Bool
}

func (p *panicky) Connect(ctx context.Context, t *playbook.Tenant) (runner.Session, error) {
	if t.Name == "contoso" {
		panic("injected: sign-in")
	}
	s, err := p.Connector.Connect(ctx, t)
	return &panickySession{Session: s, p: p}, err
}

type panickySession struct {
	runner.Session
	p *panicky
}

func (s *panickySession) Invoke(ctx context.Context, c runner.Call, lim runner.Limiter, emit func(json.RawMessage) error) (runner.CallStats, error) {
	if c.Cmdlet == "Set-CASMailbox" && s.p.fired.CompareAndSwap(false, true) {
		panic("injected: foreach item")
	}
	return s.Session.Invoke(ctx, c, lim, emit)
}

// Issue 14: a panic fails only the tenant (or foreach item) it happened in,
// with category internal and the stack in exoplay.log; the run goes on,
// results.json is written and the exit code is 1.
func TestPanicFailsOnlyItsTenantOrItem(t *testing.T) {
	t.Parallel()
	e := startEnv(t, emulator.Options{
		Tenants: []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com", Mailboxes: 30}, {Domain: "fabrikam.onmicrosoft.com", Mailboxes: 30}},
	}, popYAML)
	res, rd := e.run(context.Background(), runner.Options{Connector: &panicky{Connector: e.connector()}}, "")
	if res.Summary.ExitCode != results.ExitStepFailed {
		t.Fatalf("exit %d, want 1", res.Summary.ExitCode)
	}
	con := tenantOf(t, res, "contoso")
	if con.Status != results.StatusFailed || con.Error == nil || con.Error.Category != category.Internal {
		t.Fatalf("contoso: %s %+v, want failed with category internal", con.Status, con.Error)
	}
	dis := stepOf(t, tenantOf(t, res, "fabrikam"), "disable-pop")
	if dis.Items == nil || dis.Items.Failed != 1 || dis.Items.Changed != dis.Items.Total-1 || len(dis.ItemErrors) != 1 || dis.ItemErrors[0].Error.Category != category.Internal {
		t.Fatalf("fabrikam disable-pop: %+v %+v, want one internal failure and the rest changed", dis.Items, dis.ItemErrors)
	}
	log, err := os.ReadFile(filepath.Join(rd.Path(), results.LogFileName))
	if err != nil || !strings.Contains(string(log), "injected: sign-in") || !strings.Contains(string(log), "runtime/debug.Stack") {
		t.Fatalf("the stack is not in exoplay.log (%v)", err)
	}
}
