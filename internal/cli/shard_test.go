package cli

import (
	"strings"
	"testing"

	"github.com/exoplay/exoplay/playbook"
)

func TestResolveShard(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	ok := []struct {
		shard string
		count int
		env   map[string]string
		want  playbook.Shard
	}{
		{"", 0, nil, playbook.Shard{}},
		{"2/4", 0, map[string]string{envCompletionIndex: "0"}, playbook.Shard{Index: 2, Count: 4}},
		{"auto", 4, map[string]string{envCompletionIndex: "0"}, playbook.Shard{Index: 1, Count: 4}},
		{"AUTO", 0, map[string]string{envCompletionIndex: "3", envShardCount: "4"}, playbook.Shard{Index: 4, Count: 4}},
		{"auto", 8, map[string]string{envCompletionIndex: "5", envShardCount: "4"}, playbook.Shard{Index: 6, Count: 8}}, // the flag wins
	}
	for _, c := range ok {
		s := selectionFlags{shard: c.shard, shardCount: c.count}
		got, err := s.resolveShard(env(c.env))
		if err != nil || got != c.want {
			t.Errorf("--shard %q --shard-count %d %v = %v, %v; want %v", c.shard, c.count, c.env, got, err, c.want)
		}
	}
	bad := []struct {
		shard string
		count int
		env   map[string]string
		want  string
	}{
		{"auto", 0, map[string]string{envCompletionIndex: "0"}, "EXOPLAY_SHARD_COUNT"},
		{"auto", 4, nil, "JOB_COMPLETION_INDEX is not set"},
		{"auto", 4, map[string]string{envCompletionIndex: "4"}, "not an index from 0 to 3"},
		{"auto", 4, map[string]string{envCompletionIndex: "-1"}, "not an index"},
		{"auto", 0, map[string]string{envCompletionIndex: "0", envShardCount: "four"}, "not a number"},
		{"auto", -2, map[string]string{envCompletionIndex: "0"}, "at least 1"},
		{"1/4", 4, nil, "--shard-count goes with --shard auto"},
		{"5/4", 0, nil, "want I/N"},
	}
	for _, c := range bad {
		s := selectionFlags{shard: c.shard, shardCount: c.count}
		if _, err := s.resolveShard(env(c.env)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("--shard %q --shard-count %d %v: %v, want %q", c.shard, c.count, c.env, err, c.want)
		}
	}
}

// TestPlanShardAuto drives the CLI as a pod of an Indexed Job would: the
// index from the environment, no shell.
func TestPlanShardAuto(t *testing.T) {
	t.Setenv(envCompletionIndex, "1")
	t.Setenv(envShardCount, "3")
	code, stdout, stderr := runMain(t, "plan", "../../examples/msp-disable-legacy-protocols.yaml", "--shard", "auto", "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, `"shard": "2/3"`) {
		t.Fatalf("plan does not say shard 2/3:\n%.800s", stdout)
	}
	t.Setenv(envCompletionIndex, "")
	if code, _, stderr := runMain(t, "plan", "../../examples/msp-disable-legacy-protocols.yaml", "--shard", "auto"); code != ExitInvalid || !strings.Contains(stderr, "JOB_COMPLETION_INDEX") {
		t.Fatalf("without JOB_COMPLETION_INDEX: exit %d\n%s", code, stderr)
	}
}

// TestRunDirCreatesThenResumes runs the same command twice, as a Job's
// retried pod does: the second continues the first's run directory.
func TestRunDirCreatesThenResumes(t *testing.T) {
	emu, ca := fleetEmulator(t, 2)
	pb := remotePlaybook(t, emu, auditSteps)
	dir := t.TempDir() + "/jobs/audit-1/shard-0"
	args := []string{"run", pb, "--run-dir", dir, "--ca-file", ca, "--progress", "none", "--format", "json"}
	code, first, stderr := runMain(t, args...)
	if code != ExitOK && code != ExitNonCompliant {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	code2, second, stderr := runMain(t, args...)
	if code2 != code || !strings.Contains(stderr, "resuming it") {
		t.Fatalf("second run: exit %d (first %d), want a resume\n%s", code2, code, stderr)
	}
	if !strings.Contains(second, `"resumes": 1`) || !strings.Contains(first, `"id": "shard-0"`) {
		t.Fatalf("second run is not a resume of the first:\n%.600s", second)
	}
	if code, _, stderr := runMain(t, "run", pb, "--run-dir", t.TempDir()+"/x", "--resume", dir); code != ExitInvalid || !strings.Contains(stderr, "give one") {
		t.Fatalf("--run-dir with --resume: exit %d\n%s", code, stderr)
	}
}
