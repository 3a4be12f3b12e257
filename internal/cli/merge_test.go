package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/results"
)

// auditSteps read and assert, never write: the sharded and the unsharded
// run can then go to one emulator and must see the same data.
const auditSteps = `  - name: Organization config
    id: org
    cmdlet: Get-OrganizationConfig
    select: [Name, OAuth2ClientProfileEnabled]
    assert:
      - id: EXO-AUTH-1
        that: ${{ all(result, .OAuth2ClientProfileEnabled) }}
        message: Modern authentication must be enabled
  - name: CAS mailboxes
    id: cas
    cmdlet: Get-CASMailbox
    parameters: {ResultSize: Unlimited}
    select: [Identity, PopEnabled, ImapEnabled]
`

func fleetEmulator(t *testing.T, n int) (*emulator.Emulator, string) {
	t.Helper()
	specs := make([]emulator.TenantSpec, n)
	for i := range specs {
		// Numbered downwards: the playbook's order is not the names' order.
		specs[i] = emulator.TenantSpec{Domain: fmt.Sprintf("tenant%03d.onmicrosoft.com", n-i), Mailboxes: 5 + i%7}
	}
	return startEmulator(t, emulator.Options{Tenants: specs, Seed: 13})
}

// runShard runs one shard (or the whole run with shard "") into its own
// --out folder and returns the run directory.
func runShard(t *testing.T, pb, ca, shard string) (dir string, code int) {
	t.Helper()
	out := t.TempDir()
	args := []string{"run", pb, "--out", out, "--ca-file", ca, "--progress", "none"}
	if shard != "" {
		args = append(args, "--shard", shard)
	}
	code, _, stderr := runMain(t, args...)
	if code != ExitOK && code != ExitNonCompliant {
		t.Fatalf("run %s: exit %d\n%s", shard, code, stderr)
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "*"))
	if len(dirs) != 1 {
		t.Fatalf("run %s: %d run directories", shard, len(dirs))
	}
	return dirs[0], code
}

// comparable is results.json without what differs between any two runs:
// times, durations, run ids, directories, command lines, shard records.
func comparable(t *testing.T, dir string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, results.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := results.Validate(b); err != nil {
		t.Fatalf("%s/results.json does not match results.schema.json: %v", dir, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	run := doc["run"].(map[string]any)
	for _, k := range []string{"id", "dir", "started", "finished", "argv", "shard", "merged", "resumes"} {
		delete(run, k)
	}
	delete(doc["summary"].(map[string]any), "duration_seconds")
	for _, tn := range doc["tenants"].([]any) {
		tm := tn.(map[string]any)
		delete(tm, "started")
		delete(tm, "finished")
		for _, st := range tm["steps"].([]any) {
			delete(st.(map[string]any), "duration_seconds")
		}
	}
	return doc
}

// dataFiles maps each file under data/ to its content.
func dataFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	root := filepath.Join(dir, results.DataDir)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMergeOfShardsEqualsOneRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 16 tenants five times")
	}
	// 16 tenants in CI; EXOPLAY_MERGE_TENANTS=300 is the figure.
	n := 16
	if v := os.Getenv("EXOPLAY_MERGE_TENANTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			t.Fatalf("EXOPLAY_MERGE_TENANTS=%q", v)
		}
	}
	emu, ca := fleetEmulator(t, n)
	pb := remotePlaybook(t, emu, auditSteps)

	whole, wholeCode := runShard(t, pb, ca, "")
	var shards []string
	for i := 1; i <= 4; i++ {
		d, _ := runShard(t, pb, ca, fmt.Sprintf("%d/4", i))
		shards = append(shards, d)
	}
	merged := filepath.Join(t.TempDir(), "merged")
	code, stdout, stderr := runMain(t, append(append([]string{"merge"}, shards...), "--out", merged)...)
	if code != wholeCode {
		t.Fatalf("merge: exit %d, the unsharded run exited %d\n%s%s", code, wholeCode, stdout, stderr)
	}
	got, want := comparable(t, merged), comparable(t, whole)
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Fatalf("merged results.json differs from the unsharded run's:\n--- merged\n%.3000s\n--- unsharded\n%.3000s", g, w)
	}
	if got := len(want["tenants"].([]any)); got != n {
		t.Fatalf("the unsharded run has %d tenants, want %d", got, n)
	}
	if g, w := dataFiles(t, merged), dataFiles(t, whole); !reflect.DeepEqual(g, w) || len(w) == 0 {
		t.Fatalf("merged data/ (%d files) differs from the unsharded run's (%d files)", len(g), len(w))
	}
	// The merged directory reads as a run: its journal parses, and it
	// names every shard as complete.
	d, err := results.Open(merged)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	events, err := d.Events()
	if err != nil || len(events) == 0 {
		t.Fatalf("merged events.jsonl: %d events, %v", len(events), err)
	}
	res, err := d.ReadResults()
	if err != nil {
		t.Fatal(err)
	}
	if m := res.Run.Merged; m == nil || m.Count != 4 || len(m.Incomplete()) != 0 {
		t.Fatalf("run.merged = %+v, want 4 complete shards", m)
	}
	if !strings.Contains(stdout, merged) {
		t.Errorf("the summary does not name the merged run directory:\n%s", stdout)
	}
	if code, out, errs := runMain(t, "verify", merged); code != ExitOK {
		t.Errorf("exoplay verify of the merged run: exit %d\n%s%s", code, out, errs)
	}
}

func TestMergeNamesMissingAndRefusesForeignShards(t *testing.T) {
	emu, ca := fleetEmulator(t, 6)
	pb := remotePlaybook(t, emu, auditSteps)
	s1, _ := runShard(t, pb, ca, "1/3")
	s3, _ := runShard(t, pb, ca, "3/3")

	// Shard 2 missing: merged, named, exit 130.
	merged := filepath.Join(t.TempDir(), "merged")
	code, _, stderr := runMain(t, "merge", s1, s3, "--out", merged)
	if code != ExitInterrupted || !strings.Contains(stderr, "shard 2/3 is missing") {
		t.Fatalf("merge without shard 2: exit %d, want %d naming it\n%s", code, ExitInterrupted, stderr)
	}
	var res results.Results
	if b, err := os.ReadFile(filepath.Join(merged, results.ResultsFile)); err != nil || json.Unmarshal(b, &res) != nil {
		t.Fatalf("merged results.json: %v", err)
	}
	if !res.Summary.Interrupted || len(res.Run.Merged.Incomplete()) != 1 {
		t.Fatalf("merged run: interrupted %v, incomplete shards %+v", res.Summary.Interrupted, res.Run.Merged.Incomplete())
	}

	// A shard with no results.json (killed) is incomplete, not a failure to merge.
	// (A killed run writes neither results.json nor manifest.json.)
	s2, _ := runShard(t, pb, ca, "2/3")
	for _, f := range []string{results.ResultsFile, results.ManifestFile} {
		if err := os.Remove(filepath.Join(s2, f)); err != nil {
			t.Fatal(err)
		}
	}
	code, _, stderr = runMain(t, "merge", s1, s2, s3, "--out", merged)
	if code != ExitInterrupted || !strings.Contains(stderr, "shard 2/3 ("+s2+") is incomplete") {
		t.Fatalf("merge with a killed shard 2: exit %d\n%s", code, stderr)
	}
	// Its tenants are in the merged run, incomplete: all 6 are there.
	res = results.Results{}
	if b, err := os.ReadFile(filepath.Join(merged, results.ResultsFile)); err != nil || json.Unmarshal(b, &res) != nil {
		t.Fatalf("merged results.json: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(merged, results.ResultsFile)); results.Validate(b) != nil {
		t.Fatalf("merged results.json does not match results.schema.json: %v", results.Validate(b))
	}
	if len(res.Tenants) != 6 || res.Summary.Tenants.Incomplete == 0 {
		t.Fatalf("merged run with a killed shard: %d tenants, %d incomplete; want all 6, shard 2's incomplete", len(res.Tenants), res.Summary.Tenants.Incomplete)
	}

	other := remotePlaybook(t, emu, strings.Replace(auditSteps, "ImapEnabled", "MapiEnabled", 1))
	foreign, _ := runShard(t, other, ca, "2/3")
	whole, _ := runShard(t, pb, ca, "")
	sixth, _ := runShard(t, pb, ca, "1/6")
	for name, c := range map[string]struct {
		dirs []string
		want string
	}{
		"another playbook": {[]string{s1, foreign}, "ran another playbook"},
		"unsharded":        {[]string{s1, whole}, "is not a shard"},
		"another count":    {[]string{s1, sixth}, "shard counts differ"},
		"twice":            {[]string{s1, s1 + "/"}, "given twice"},
		"not a run":        {[]string{s1, t.TempDir()}, "not an exoplay run directory"},
	} {
		code, _, stderr := runMain(t, append(append([]string{"merge"}, c.dirs...), "--out", filepath.Join(t.TempDir(), "m"))...)
		if code != ExitInvalid || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, want %d with %q\n%s", name, code, ExitInvalid, c.want, stderr)
		}
	}
	// --shard-count that is not the shards' N is refused before anything
	// is written into --out.
	m := filepath.Join(t.TempDir(), "m")
	code, _, stderr = runMain(t, "merge", s1, s3, "--shard-count", "4", "--out", m)
	if code != ExitInvalid || !strings.Contains(stderr, "--shard-count 4, but the shards ran as 3 shards") {
		t.Errorf("merge --shard-count 4 of 3 shards: exit %d\n%s", code, stderr)
	}
	if entries, err := os.ReadDir(m); err == nil && len(entries) > 0 {
		t.Errorf("a refused merge wrote %d entries into --out", len(entries))
	}
	// A shard changed after it ran is refused: a merge must not launder it
	// into a fresh manifest.
	files, _ := filepath.Glob(filepath.Join(s1, "data", "*", "*.jsonl"))
	if len(files) == 0 {
		t.Fatal("shard 1 wrote no data file")
	}
	if err := os.WriteFile(files[0], []byte("{}\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runMain(t, "merge", s1, s3, "--out", filepath.Join(t.TempDir(), "m"))
	if code != ExitInvalid || !strings.Contains(stderr, "differs from its manifest.json") {
		t.Errorf("merge of a changed shard: exit %d\n%s", code, stderr)
	}
	// A folder that is not empty and not an earlier merge is never overwritten.
	code, _, stderr = runMain(t, "merge", s3, "--out", s2)
	if code != ExitInvalid || !strings.Contains(stderr, "holds no earlier merge") {
		t.Errorf("merge into a shard's directory: exit %d\n%s", code, stderr)
	}
}

// TestMergeTakesTheSharedOutFolder passes the folder the shards wrote into,
// as a Job without a shell does.
func TestMergeTakesTheSharedOutFolder(t *testing.T) {
	emu, ca := fleetEmulator(t, 5)
	pb := remotePlaybook(t, emu, auditSteps)
	out := t.TempDir()
	for i := 1; i <= 2; i++ {
		code, _, stderr := runMain(t, "run", pb, "--out", out, "--ca-file", ca, "--progress", "none", "--shard", fmt.Sprintf("%d/2", i))
		if code != ExitOK && code != ExitNonCompliant {
			t.Fatalf("shard %d: exit %d\n%s", i, code, stderr)
		}
	}
	merged := filepath.Join(out, "merged")
	code, stdout, stderr := runMain(t, "merge", out, "--out", merged, "--format", "json")
	if code != ExitOK && code != ExitNonCompliant {
		t.Fatalf("merge: exit %d\n%s", code, stderr)
	}
	var res results.Results
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tn := range res.Tenants {
		names = append(names, tn.Name)
	}
	if len(names) != 5 || !sort.IsSorted(sort.Reverse(sort.StringSlice(names))) {
		t.Fatalf("merged tenants %v, want the playbook's 5 in its order", names)
	}
	// Merging again replaces the earlier merge, and skips it as input.
	if code, _, stderr := runMain(t, "merge", out, "--out", merged); code != ExitOK && code != ExitNonCompliant {
		t.Fatalf("second merge: exit %d\n%s", code, stderr)
	}
}

// TestMergeWaitsForShards plays a merge Job started together with the
// Indexed Job: it waits (on an injected clock) while the shards run one by
// one, then merges; and, when a shard never comes, merges what there is
// once --wait has passed.
func TestMergeWaitsForShards(t *testing.T) {
	emu, ca := fleetEmulator(t, 4)
	pb := remotePlaybook(t, emu, auditSteps)
	out := t.TempDir()
	clock := time.Date(2026, 12, 2, 2, 15, 0, 0, time.UTC)
	var slept []time.Duration
	runNext := func(shards []string) func(context.Context, time.Duration) error {
		return func(_ context.Context, d time.Duration) error {
			slept = append(slept, d)
			clock = clock.Add(d)
			if len(shards) > 0 {
				code, _, stderr := runMain(t, "run", pb, "--run-dir", filepath.Join(out, "shard-"+shards[0]), "--ca-file", ca, "--progress", "none", "--shard", shards[0]+"/3")
				if code != ExitOK && code != ExitNonCompliant {
					t.Fatalf("shard %s: exit %d\n%s", shards[0], code, stderr)
				}
				shards = shards[1:]
			}
			return nil
		}
	}
	merge := func(sleep func(context.Context, time.Duration) error) (int, string) {
		var stdout, stderr bytes.Buffer
		opts := &mergeOptions{dirs: []string{out}, out: filepath.Join(t.TempDir(), "merged"), format: "text",
			wait: time.Hour, poll: 10 * time.Minute, count: 3, now: func() time.Time { return clock }, sleep: sleep}
		opts.IO = &streams{Out: &stdout, Err: &stderr}
		err := runMerge(context.Background(), opts)
		code := ExitOK
		var ee *ExitError
		if errors.As(err, &ee) {
			code = ee.Code
		} else if err != nil {
			t.Fatal(err)
		}
		return code, stderr.String()
	}

	// Shards 1 and 3 come while it waits; shard 2 never does.
	code, stderr := merge(runNext([]string{"1", "3"}))
	if code != ExitInterrupted || !strings.Contains(stderr, "2 of 3 shards finished: merging what there is") || len(slept) != 6 {
		t.Fatalf("exit %d after sleeping %v, want 130 after the hour\n%s", code, slept, stderr)
	}
	// Shard 2 arrives during the next wait: the merge is whole.
	slept = nil
	code, stderr = merge(runNext([]string{"2"}))
	if code != ExitOK && code != ExitNonCompliant || len(slept) != 1 {
		t.Fatalf("exit %d after sleeping %v\n%s", code, slept, stderr)
	}
}
