package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/internal/emulator/exchange"
	"github.com/exoplay/exoplay/playbook"
)

// The generated playbooks must pass exoplay's own loader (schema and rules):
// a harness whose playbook is refused measures nothing.
func TestGeneratedPlaybooksLoad(t *testing.T) {
	t.Setenv("BENCH_SECRET", "not-a-real-secret")
	tgt := target{ClientID: "0e0e0e0e-de30-4a99-8c1e-00000000a001", Domains: []string{"bench-000.onmicrosoft.com", "bench-001.onmicrosoft.com"}}
	for _, p := range []playbookSpec{
		{Name: "bench-sched", Settings: map[string]int{"max_parallel_tenants": 2, "max_sessions_per_org": 2}, Steps: readWriteSteps},
		{Name: "bench-export", Steps: exportSteps},
		{Name: "bench-cold", Steps: firstCallSteps},
	} {
		pb, err := playbook.Parse(p.Name+".yaml", []byte(p.yaml(tgt)), playbook.LoadOptions{})
		if err != nil {
			t.Fatalf("%s: %v\n%s", p.Name, err, p.yaml(tgt))
		}
		if len(pb.Tenants) != 2 || len(pb.Steps) == 0 {
			t.Fatalf("%s: %d tenants, %d steps", p.Name, len(pb.Tenants), len(pb.Steps))
		}
	}
}

func TestQuickShrinksOnlyUnsetSizes(t *testing.T) {
	c, err := parseConfig([]string{"-quick", "-tenants", "7"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.tenants != 7 || c.mailboxes != 120 || c.coldReps != 3 || c.rssSizes[1] != 20000 {
		t.Fatalf("quick config = %+v", c)
	}
	full, err := parseConfig(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if full.tenants != 50 || full.mailboxes != 600 || full.latency != 10*time.Millisecond || full.rssSizes[1] != 200000 || full.registerSizes[1] != 200000 || full.registerMiB != -1 || len(full.only) != 6 || full.fleetTenants != 200 || len(full.fleetParallel) != 3 {
		t.Fatalf("default config = %+v", full)
	}
}

func TestConfigRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-only", "sched,nope"}, {"-cap", "4"}, {"-rss-sizes", "10,x"}, {"-register-sizes", "x"}, {"-register-writes", "1,,"}, {"-fleet-parallel", "x"}, {"-latency", "0s"}, {"-cold-reps", "0"}, {"extra"},
	} {
		if _, err := parseConfig(args, io.Discard); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
}

func TestHelpers(t *testing.T) {
	if got := thousands(200000); got != "200,000" {
		t.Errorf("thousands = %s", got)
	}
	if got := thousands(999); got != "999" {
		t.Errorf("thousands = %s", got)
	}
	ds := []time.Duration{5, 1, 3, 2}
	if got := medianD(ds); got != 2 { // (2+3)/2 in integer nanoseconds
		t.Errorf("median = %v", got)
	}
	if got := medianD([]time.Duration{9, 1, 4}); got != 4 {
		t.Errorf("median = %v", got)
	}
	if got := per10k(time.Second, 20000); got != 0.5 {
		t.Errorf("per10k = %v", got)
	}
	var b strings.Builder
	printTable(&b, []Figure{{Name: "x", Shown: "1", Aim: "≤ 2", Met: boolPtr(true), Command: "go run ./bench -only x"}})
	if !strings.Contains(b.String(), "yes") || !strings.Contains(b.String(), "go run ./bench -only x") {
		t.Errorf("table:\n%s", b.String())
	}
}

func TestMarkdownEscapesPipes(t *testing.T) {
	var b strings.Builder
	printMarkdown(&b, []Figure{{Name: "a | b", Shown: "1% | 2%", Command: "go run ./bench"}})
	row := strings.Split(strings.TrimSpace(b.String()), "\n")[2]
	if got := strings.Count(row, "|") - strings.Count(row, `\|`); got != 6 {
		t.Errorf("row has %d column separators, want 6: %s", got, row)
	}
}

// The makespan counts from the first write applied to the last, plus the
// first write's own latency; a missing write is an error, not a figure.
func TestMakespanFromWriteTimestamps(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	at := func(ms int) exchange.WriteRecord {
		return exchange.WriteRecord{At: t0.Add(time.Duration(ms) * time.Millisecond)}
	}
	c := emulator.Counters{Counters: exchange.Counters{Tenants: map[string]exchange.TenantCounters{
		"a": {Requests: 3, MaxInFlight: 3, Writes: []exchange.WriteRecord{at(10), at(20)}},
		"b": {Requests: 3, MaxInFlight: 2, Throttled: 1, Writes: []exchange.WriteRecord{at(15), at(40)}},
	}}}
	r := &schedRun{tenants: 2, mailboxes: 2, latency: 10 * time.Millisecond, cap: 3, ideal: 10 * time.Millisecond}
	if err := r.fromCounters(c); err != nil {
		t.Fatal(err)
	}
	if r.makespan != 40*time.Millisecond || r.tenantWorst != 35*time.Millisecond {
		t.Errorf("makespan %v, slowest tenant %v; want 40ms (10→40 + 10), 35ms", r.makespan, r.tenantWorst)
	}
	if r.minIn != 2 || r.maxIn != 3 || r.throttled != 1 || r.calls != 6 {
		t.Errorf("in flight %d..%d, throttled %d, calls %d", r.minIn, r.maxIn, r.throttled, r.calls)
	}
	short := &schedRun{tenants: 2, mailboxes: 3, latency: 10 * time.Millisecond}
	if err := short.fromCounters(c); err == nil {
		t.Error("4 writes for 2 × 3 mailboxes accepted")
	}
	reads := &schedRun{tenants: 2, mailboxes: 2, reads: true}
	if err := reads.fromCounters(c); err == nil {
		t.Error("writes in a read-only run accepted")
	}
}

// The floor client signs in and applies one real write per mailbox.
func TestFloorClientWritesEveryMailbox(t *testing.T) {
	emu, err := emulator.Start(emulator.Options{Tenants: benchTenants(2, 4), Seed: 1, ConcurrencyCap: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	dir := t.TempDir()
	ca, err := emu.WriteCAFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	spec := floorSpec{Addr: emu.Addr, CAFile: ca, ClientID: emu.DemoClientID, Cap: 2}
	want := 0
	for _, tn := range emu.Tenants() {
		ids, err := mailboxIDs(context.Background(), emu, tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		want += len(ids)
		spec.Tenants = append(spec.Tenants, floorTenant{ID: tn.ID, Identities: ids})
	}
	b, _ := json.Marshal(spec)
	specFile := filepath.Join(dir, "spec.json")
	if err := os.WriteFile(specFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := runFloorClient(context.Background(), specFile, emu.DemoSecret); err != nil {
		t.Fatal(err)
	}
	r := &schedRun{tenants: 2, mailboxes: want / 2, latency: time.Millisecond, cap: 2}
	if err := r.fromCounters(emu.Counters()); err != nil {
		t.Fatal(err)
	}
	if r.maxIn > 2 || r.throttled != 0 {
		t.Errorf("floor client exceeded the cap: max in flight %d, %d × 429", r.maxIn, r.throttled)
	}
	if err := runFloorClient(context.Background(), specFile, "wrong-secret"); err == nil {
		t.Error("a wrong secret signed in")
	}
}

func TestQuietestKeepsTheLeastDisturbedRun(t *testing.T) {
	h := &harness{maxOthers: 10, retries: 2, log: func(string, ...any) {}}
	shares := []float64{40, 15, 30} // % of the machine others used in each attempt
	n := 0
	got, err := quietest(h, "x", func(c *childResult) *childResult { return c }, func() (*childResult, error) {
		c := &childResult{Wall: time.Second, OthersCPU: time.Duration(shares[n] / 100 * float64(runtime.NumCPU()) * float64(time.Second))}
		n++
		return c, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 || othersShare(got) < 14 || othersShare(got) > 16 {
		t.Errorf("%d attempts, kept a run with %.0f%% others; want 3 attempts and the 15%% one", n, othersShare(got))
	}
	n, shares = 0, []float64{5, 50, 50}
	if _, err := quietest(h, "x", func(c *childResult) *childResult { return c }, func() (*childResult, error) {
		c := &childResult{Wall: time.Second, OthersCPU: time.Duration(shares[n] / 100 * float64(runtime.NumCPU()) * float64(time.Second))}
		n++
		return c, nil
	}); err != nil || n != 1 {
		t.Errorf("a quiet first run was measured %d times (err %v)", n, err)
	}
}
