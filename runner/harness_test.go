package runner_test

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/exoplay/exoplay/auth"
	"github.com/exoplay/exoplay/cloud"
	"github.com/exoplay/exoplay/internal/connect"
	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
	"github.com/exoplay/exoplay/runner"
	"github.com/exoplay/exoplay/transport"
)

// env is a running emulator and a playbook pointed at it, wired the way
// `exoplay run` wires them: real MSAL sign-in, real transport, TLS.
type env struct {
	t   testing.TB
	emu *emulator.Emulator
	pb  *playbook.Playbook
	out string // folder of run directories
}

func startEnv(t testing.TB, eo emulator.Options, yaml string) *env {
	t.Helper()
	emu, err := emulator.Start(eo)
	if err != nil {
		t.Fatalf("starting the emulator: %v", err)
	}
	t.Cleanup(func() { emu.Close() })
	dir := t.TempDir()
	path := filepath.Join(dir, "playbook.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	pb, err := playbook.Load(path, playbook.LoadOptions{})
	if err != nil {
		t.Fatalf("loading the playbook: %v", err)
	}
	return &env{t: t, emu: emu, pb: pb, out: filepath.Join(dir, "runs")}
}

// connector builds a fresh Connector (new token cache, new transport), as a
// new process would.
func (e *env) connector() runner.Connector {
	e.t.Helper()
	// Reached as `exoplay run` reaches an Emulator tenant: the service's
	// names dialled to the emulator, its CA trusted. Enough idle
	// connections for every tenant's sessions (50 × 3 in the benchmark):
	// fewer means a TLS handshake per call.
	hc, err := connect.Network{ConnectTo: []string{e.emu.ConnectTo}, CAs: [][]byte{e.emu.CACertPEM}, NoSystemRoots: true,
		InFlight: 256, Getenv: func(string) string { return "" }}.Client()
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(hc.CloseIdleConnections)
	am := auth.NewManager(auth.Options{HTTPClient: hc, CacheDir: e.t.TempDir(), Stderr: io.Discard, Logger: zerolog.Nop()})
	e.t.Cleanup(func() { am.Close() })
	return connect.New(connect.Options{
		Playbook: e.pb,
		Auth:     am,
		Transport: transport.New(transport.Options{
			HTTPClient: hc, PageSize: e.pb.Settings.PageSize, MaxRetries: e.pb.Settings.Retries,
			BackoffBase: 10 * time.Millisecond, BackoffMax: 200 * time.Millisecond,
		}),
		// The Emulator environment stands in for O365Default; tenants
		// without auth sign in with the emulator's demo app.
		Environment: func(t *playbook.Tenant) string {
			if t.Environment == cloud.Emulator {
				return cloud.Default
			}
			return t.Environment
		},
		DefaultApp: &connect.App{Name: "emulator-demo-app", ClientID: e.emu.DemoClientID, Secret: e.emu.DemoSecret},
	})
}

// run runs the playbook in a new run directory (or resumes dir).
func (e *env) run(ctx context.Context, o runner.Options, resume string) (*results.Results, *results.RunDir) {
	e.t.Helper()
	var rd *results.RunDir
	var err error
	if resume != "" {
		rd, err = results.Open(resume)
	} else {
		rd, err = results.Create(e.out, e.pb.Name, time.Now())
	}
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { rd.Close() })
	o.Dir, o.Resume = rd, resume != ""
	if o.Plan == nil {
		o.Plan = e.plan(runner.Selection{})
	}
	if o.Connector == nil {
		o.Connector = e.connector()
	}
	o.Logger = zerolog.New(rd.LogFile())
	res, err := runner.Run(ctx, o)
	if err != nil {
		e.t.Fatalf("Run: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(rd.Path(), results.ResultsFile))
	if err != nil {
		e.t.Fatal(err)
	}
	if err := results.Validate(b); err != nil {
		e.t.Fatalf("results.json does not match results/results.schema.json: %v", err)
	}
	return res, rd
}

// plan applies sel to the env's playbook.
func (e *env) plan(sel runner.Selection) *runner.Plan {
	e.t.Helper()
	p, err := runner.NewPlan(e.pb, sel)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func tenantOf(t *testing.T, res *results.Results, name string) *results.Tenant {
	t.Helper()
	for _, tr := range res.Tenants {
		if tr.Name == name {
			return tr
		}
	}
	t.Fatalf("no tenant %s in results", name)
	return nil
}

func stepOf(t *testing.T, tr *results.Tenant, id string) *results.Step {
	t.Helper()
	for _, s := range tr.Steps {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("tenant %s has no step %s", tr.Name, id)
	return nil
}

// dataObjects reads a step's data file.
func dataObjects(t *testing.T, rd *results.RunDir, s *results.Step) []map[string]any {
	t.Helper()
	if s.Output == nil || s.Output.Path == "" {
		return nil
	}
	var out []map[string]any
	err := rd.ReadData(s.Output.Path, func(obj json.RawMessage) error {
		var m map[string]any
		if err := json.Unmarshal(obj, &m); err != nil {
			return err
		}
		out = append(out, m)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// callObserver runs fn once, after the n-th call finished.
type callObserver struct {
	runner.NopObserver
	mu    sync.Mutex
	n, k  int
	fired bool
	fn    func()
}

func (o *callObserver) CallDone(string, string, runner.CallStats, error) {
	o.mu.Lock()
	o.k++
	fire := !o.fired && o.k >= o.n
	o.fired = o.fired || fire
	o.mu.Unlock()
	if fire {
		o.fn()
	}
}
