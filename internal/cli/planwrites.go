package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/exoplay/exoplay/results"
	"github.com/exoplay/exoplay/runner"
)

// plannedWrite is one write a reviewed plan lists (plan --check-reads):
// what the tenant would receive, from live reads. run --plan sends a
// write only if it matches one (plannedKey).
type plannedWrite struct {
	Tenant     string         `json:"tenant"`
	Step       string         `json:"step"`
	Cmdlet     string         `json:"cmdlet"`
	Item       *int           `json:"item,omitempty"`     // the foreach index at plan time (not matched)
	Identity   string         `json:"identity,omitempty"` // the Identity or Name parameter, for review
	Parameters map[string]any `json:"parameters"`         // resolved, secrets redacted and scrubbed
}

// plannedKey is what run --plan compares: tenant, step, cmdlet and the
// canonical JSON (sorted keys) of the redacted, scrubbed parameters.
func plannedKey(sec *results.Secrets, tenant, step, cmdlet string, params map[string]any) string {
	b, err := json.Marshal(params) // maps marshal with sorted keys
	if err != nil {
		b = []byte(fmt.Sprintf("unencodable: %v", err)) // matches no plan entry
	}
	return tenant + "\x00" + step + "\x00" + cmdlet + "\x00" + string(sec.Scrub(b))
}

// checkReads runs the playbook's reads exactly as `run --check` does (the
// same runRun and runner path, into a run directory under a temporary
// folder) and returns the writes check mode recorded as would_run.
func checkReads(ctx context.Context, opts *planOptions) ([]plannedWrite, error) {
	tmp, err := os.MkdirTemp("", "exoplay-check-reads-")
	if err != nil {
		return nil, exitf(ExitStepFailed, "--check-reads: %v", err)
	}
	var res *results.Results
	var runDir string
	ro := &runOptions{
		IO: opts.IO, playbook: opts.playbook, sel: opts.sel, check: true, out: tmp, format: "json",
		progress: "none", logLevel: "warn", logFormat: "console", network: opts.network,
		argv: []string{"exoplay", "plan", "--check-reads"},
		print: func(_ io.Writer, _ string, r *results.Results, dir string) error {
			res, runDir = r, dir
			return nil
		},
	}
	err = runRun(ctx, ro)
	if res == nil { // the check did not run (bad input, sign-in set-up)
		if err == nil {
			err = exitf(ExitStepFailed, "--check-reads: the check run gave no results")
		}
		return nil, err
	}
	// A failing assertion (exit 3) is expected of a check run whose writes
	// are not sent; a read, sign-in or write that could not be resolved
	// leaves the list of writes incomplete: no plan then.
	var bad []string
	for _, t := range res.Tenants {
		if t.Error != nil {
			bad = append(bad, fmt.Sprintf("%s: %s", t.Name, t.Error.Message))
		}
		for _, st := range t.Steps {
			if st.Status == results.StatusFailed || st.Status == results.StatusIncomplete {
				bad = append(bad, fmt.Sprintf("%s: step %s is %s", t.Name, st.ID, st.Status))
			}
		}
	}
	if len(bad) > 0 {
		return nil, exitf(ExitStepFailed, "--check-reads: the writes cannot be known, the check run did not finish cleanly (its run directory: %s):\n  %s", runDir, strings.Join(bad, "\n  "))
	}
	defer os.RemoveAll(tmp)
	writes := []plannedWrite{}
	for _, t := range res.Tenants {
		for _, st := range t.Steps {
			for _, w := range st.WouldRun {
				writes = append(writes, plannedWrite{Tenant: t.Name, Step: st.ID, Cmdlet: st.Cmdlet, Item: w.Item, Identity: identityOf(w.Parameters), Parameters: w.Parameters})
			}
		}
	}
	return writes, nil
}

func identityOf(p map[string]any) string {
	for _, k := range []string{"Identity", "Name"} {
		if v, ok := p[k]; ok && v != nil {
			return fmt.Sprint(v)
		}
	}
	return ""
}

// writePlannedWrites lists the writes for review (plan text output).
func writePlannedWrites(w io.Writer, writes []plannedWrite) error {
	fmt.Fprintf(w, "\nwrites from live reads (%d), the only ones run --plan will send:\n", len(writes))
	for _, pw := range writes {
		b, _ := json.Marshal(pw.Parameters)
		if _, err := fmt.Fprintf(w, "  %s  %s  %s  %s\n", pw.Tenant, pw.Step, pw.Cmdlet, b); err != nil {
			return err
		}
	}
	return nil
}

// writeGate enforces a reviewed plan's writes during run --plan: each
// write cell must match a planned write still unused (a multiset: the plan
// lists each write once per item).
type writeGate struct {
	mu      sync.Mutex
	planned []plannedWrite
	left    map[string][]int // plannedKey -> indexes into planned not yet used
}

func newWriteGate(writes []plannedWrite) *writeGate {
	return &writeGate{planned: writes}
}

// allow is runner.Options.AllowWrite: nil without a reviewed plan of
// checked writes; with one that lists none, it blocks every write.
func (g *writeGate) allow(sec *results.Secrets) func(runner.PlannedWrite) error {
	if g == nil {
		return nil
	}
	g.left = map[string][]int{}
	for i, pw := range g.planned {
		k := plannedKey(sec, pw.Tenant, pw.Step, pw.Cmdlet, pw.Parameters)
		g.left[k] = append(g.left[k], i)
	}
	return func(w runner.PlannedWrite) error {
		k := plannedKey(sec, w.Tenant, w.Step, w.Cmdlet, w.Parameters)
		g.mu.Lock()
		defer g.mu.Unlock()
		if idx := g.left[k]; len(idx) > 0 {
			g.left[k] = idx[1:]
			return nil
		}
		return fmt.Errorf("blocked, not sent: the reviewed plan does not list this write (%s in %s, step %s, with these parameters); review a new plan (exoplay plan --out --check-reads)", w.Cmdlet, w.Tenant, w.Step)
	}
}

// unused reports the planned writes the run did not make: on stderr and as
// a warning of their step in res, written again to the run's results.json
// (before the manifest seals it). Not an error for the run: the state may
// have changed to need fewer writes.
func (g *writeGate) unused(stderr io.Writer, res *results.Results, dir *results.RunDir) error {
	if g == nil || g.left == nil {
		return nil
	}
	var idx []int
	for _, l := range g.left {
		idx = append(idx, l...)
	}
	sort.Ints(idx)
	for _, i := range idx {
		pw := g.planned[i]
		b, _ := json.Marshal(pw.Parameters)
		msg := fmt.Sprintf("planned write not made: %s %s", pw.Cmdlet, b)
		fmt.Fprintf(stderr, "exoplay: %s: step %s: %s\n", pw.Tenant, pw.Step, msg)
		for _, t := range res.Tenants {
			if t.Name != pw.Tenant {
				continue
			}
			for _, st := range t.Steps {
				if st.ID == pw.Step {
					st.Warnings = append(st.Warnings, msg)
				}
			}
		}
	}
	if len(idx) == 0 {
		return nil
	}
	if err := dir.WriteResults(res); err != nil {
		return exitf(ExitStepFailed, "writing %s: %v", results.ResultsFile, err)
	}
	return nil
}
