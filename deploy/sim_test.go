package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"

	"github.com/exoplay/exoplay/internal/connect"
	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/results"
)

const simSecretEnv = "EXOPLAY_SIM_SECRET"

// simSteps list each organization's mailboxes, then read each one: enough
// calls in flight per organization to hit its cap of 3.
const simSteps = `steps:
  - name: CAS mailboxes
    id: cas
    cmdlet: Get-CASMailbox
    parameters: {ResultSize: Unlimited}
    select: [Identity, PopEnabled]
    register: cas
  - name: Each mailbox
    id: each
    cmdlet: Get-CASMailbox
    foreach: ${{ cas }}
    parameters: {Identity: "${{ item.Identity }}"}
    select: [Identity, PopEnabled]
`

// startEmulator starts an emulator for the test and writes its CA into dir.
func startEmulator(t *testing.T, opts emulator.Options, dir string) (*emulator.Emulator, string) {
	t.Helper()
	emu, err := emulator.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	ca, err := emu.WriteCAFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	return emu, ca
}

// TestIndexedJobSimulation plays the Job controller over the manifests of
// overlays/sharded: one process of the real exoplay binary per completion
// index, with the Indexed Job's own arguments and environment, against one
// emulator; one shard is killed mid-run and started again with the same
// arguments, as the Job's backoff would; then the merge Job's arguments.
// It checks that every tenant is in the merged run exactly once, that no
// organization ever had more than 3 requests in flight (two tenant entries
// of one organization must land in one shard), and that the retried shard
// resumed instead of starting over.
func TestIndexedJobSimulation(t *testing.T) {
	if testing.Short() {
		t.Skip("builds exoplay and runs it as separate processes")
	}
	objs := manifests(t)
	job := only[*batchv1.Job](t, objs, "kubernetes/overlays/sharded/indexed-job.yaml")
	mergeJob := only[*batchv1.Job](t, objs, "kubernetes/overlays/sharded/merge-job.yaml")
	shards := int(*job.Spec.Completions)

	work := t.TempDir()
	bin := filepath.Join(work, "exoplay")
	build := exec.Command("go", "build", "-o", bin, "./cmd/exoplay")
	build.Dir = ".."
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	const orgs, mailboxes = 10, 40
	specs := make([]emulator.TenantSpec, orgs)
	for i := range specs {
		specs[i] = emulator.TenantSpec{Domain: fmt.Sprintf("org%02d.onmicrosoft.com", i), Mailboxes: mailboxes}
	}
	emu, ca := startEmulator(t, emulator.Options{Tenants: specs, Latency: emulator.LatencySpec{Fixed: 40 * time.Millisecond}, Seed: 7}, work)

	// The playbook at the path the manifests name, with production host
	// names: the processes reach the emulator by dialling (--connect-to).
	// Three organizations have a second tenant entry.
	var pb strings.Builder
	fmt.Fprintf(&pb, "version: 1\nname: fleet-audit\nauth:\n  app:\n    method: client_secret\n    client_id: %s\n    client_secret: ${{ env.%s }}\ntenants:\n", emu.DemoClientID, simSecretEnv)
	var entries []string
	for i, tn := range emu.Tenants() {
		name := strings.SplitN(tn.Domain, ".", 2)[0]
		fmt.Fprintf(&pb, "  - {name: %s, organization: %s, auth: app}\n", name, tn.Domain)
		entries = append(entries, name)
		if i < 3 {
			fmt.Fprintf(&pb, "  - {name: %s-second, organization: %s, auth: app}\n", name, strings.ToUpper(tn.Domain))
			entries = append(entries, name+"-second")
		}
	}
	pb.WriteString(simSteps)
	etc, state := filepath.Join(work, "etc", "exoplay"), filepath.Join(work, "var", "lib", "exoplay")
	if err := os.MkdirAll(etc, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(etc, "playbook.yaml"), []byte(pb.String()), 0o640); err != nil {
		t.Fatal(err)
	}
	// The pod's paths, mapped into the test's folder.
	local := func(args []string) []string {
		out := make([]string, len(args))
		for i, a := range args {
			a = strings.ReplaceAll(a, "/etc/exoplay", etc)
			out[i] = strings.ReplaceAll(a, "/var/lib/exoplay", state)
		}
		return out
	}
	baseEnv := append(os.Environ(), simSecretEnv+"="+emu.DemoSecret, connect.ConnectToEnv+"="+emu.ConnectTo, connect.CAFileEnv+"="+ca)
	container := job.Spec.Template.Spec.Containers[0]
	pod := func(index int) *exec.Cmd {
		// The kubelet expands $(VAR) in args from the container's env; the
		// Job controller adds JOB_COMPLETION_INDEX to it.
		env := map[string]string{"JOB_COMPLETION_INDEX": fmt.Sprint(index)}
		for _, e := range container.Env {
			env[e.Name] = e.Value
		}
		args := local(container.Args)
		for i := range args {
			for k, v := range env {
				args[i] = strings.ReplaceAll(args[i], "$("+k+")", v)
			}
		}
		cmd := exec.Command(bin, args...)
		cmd.Env = slices.Clone(baseEnv)
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		return cmd
	}
	runDir := func(index int) string {
		args := local(container.Args)
		d := args[slices.Index(args, "--run-dir")+1]
		return strings.ReplaceAll(d, "$(JOB_COMPLETION_INDEX)", fmt.Sprint(index))
	}

	// All shards start at once; the victim is killed once its journal
	// shows progress.
	const victim = 1
	var stderrs []*bytes.Buffer
	var procs []*exec.Cmd
	for i := range shards {
		cmd := pod(i)
		var eb bytes.Buffer
		cmd.Stderr, cmd.Stdout = &eb, &eb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs, stderrs = append(procs, cmd), append(stderrs, &eb)
	}
	journaled := waitForCells(t, filepath.Join(runDir(victim), results.EventsFile), 8)
	if err := procs[victim].Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for i, p := range procs {
		err := p.Wait()
		if i == victim {
			continue
		}
		if code := exitCode(err); code != 0 && code != 3 {
			t.Fatalf("shard %d: exit %d\n%s", i, code, stderrs[i])
		}
	}
	journaled = countCells(t, filepath.Join(runDir(victim), results.EventsFile))
	before := callsByOrg(emu)

	// The Job's backoff starts the index again: same arguments.
	retry := pod(victim)
	out, err := retry.CombinedOutput()
	if code := exitCode(err); code != 0 && code != 3 {
		t.Fatalf("retried shard %d: exit %d\n%s", victim, code, out)
	}
	if !strings.Contains(string(out), "resuming it") {
		t.Fatalf("the retried shard did not resume its run directory:\n%s", out)
	}
	victimOrgs := shardOrgs(t, runDir(victim))
	needed, again := 0, 0
	after := callsByOrg(emu)
	for org, n := range victimOrgs {
		needed += n * (1 + mailboxes)
		again += after[org] - before[org]
	}
	if journaled == 0 || again > needed-journaled || again >= needed {
		t.Fatalf("the retry sent %d calls; the shard needs %d and %d were journaled before the kill: it did not resume", again, needed, journaled)
	}
	t.Logf("shard %d killed after %d journaled calls; the retry sent %d of the %d it needs", victim, journaled, again, needed)

	// The merge Job, with its own arguments (its --wait ends at once: every
	// shard has finished).
	mc := exec.Command(bin, append(local(mergeJob.Spec.Template.Spec.Containers[0].Args), "--format", "json")...)
	mc.Env = baseEnv
	var mout, merr bytes.Buffer
	mc.Stdout, mc.Stderr = &mout, &merr
	if code := exitCode(mc.Run()); code != 0 && code != 3 {
		t.Fatalf("merge: exit %d\n%s", code, merr.String())
	}
	var res results.Results
	if err := json.Unmarshal(mout.Bytes(), &res); err != nil {
		t.Fatalf("merge output: %v\n%s", err, mout.String())
	}
	var got []string
	for _, tn := range res.Tenants {
		got = append(got, tn.Name)
		if !tn.Status.Final() {
			t.Errorf("tenant %s is %s in the merged run", tn.Name, tn.Status)
		}
	}
	if !slices.Equal(got, entries) {
		t.Fatalf("merged tenants %v, want each of %v once, in playbook order", got, entries)
	}
	if m := res.Run.Merged; m == nil || m.Count != shards || len(m.Incomplete()) != 0 {
		t.Fatalf("run.merged %+v", res.Run.Merged)
	}
	if res.Run.Resumes != 1 {
		t.Errorf("merged run counts %d resumes, want the victim's 1", res.Run.Resumes)
	}
	c := emu.Counters()
	for _, tc := range c.Tenants {
		if tc.MaxInFlight > 3 {
			t.Errorf("%s had %d requests in flight at once: the per-organization cap of 3 broke across shards", tc.Domain, tc.MaxInFlight)
		}
		if tc.MaxInFlight < 2 {
			t.Errorf("%s never had 2 requests in flight: the test would not see a broken cap", tc.Domain)
		}
	}
	if c.Throttled != 0 {
		t.Errorf("the emulator sent %d 429s: some organization went over its cap", c.Throttled)
	}
}

// waitForCells waits until the journal holds at least n cell_done events.
func waitForCells(t *testing.T, path string, n int) int {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if got := countCells(t, path); got >= n {
			return got
		}
		time.Sleep(5 * time.Millisecond) // polling another process's file, not timing an assertion
	}
	t.Fatalf("%s never showed %d finished calls", path, n)
	return 0
}

func countCells(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	evs, err := results.ReadEvents(bytes.NewReader(b))
	if err != nil {
		return 0 // a torn line mid-write: look again
	}
	n := 0
	for _, ev := range evs {
		if ev.Type == results.EventCellDone && ev.Status.Final() {
			n++
		}
	}
	return n
}

// shardOrgs maps each organization of a finished shard (lower-cased) to
// its number of tenant entries, from its results.json.
func shardOrgs(t *testing.T, dir string) map[string]int {
	t.Helper()
	res, err := results.ReadRunDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, tn := range res.Tenants {
		out[strings.ToLower(tn.Organization)]++
	}
	if len(out) == 0 {
		t.Fatalf("%s: the shard has no tenant", dir)
	}
	return out
}

// callsByOrg is the emulator's count of Get-CASMailbox calls by
// organization (lower-cased domain).
func callsByOrg(emu *emulator.Emulator) map[string]int {
	out := map[string]int{}
	for _, tc := range emu.Counters().Tenants {
		out[strings.ToLower(tc.Domain)] += tc.ByCmdlet["Get-CASMailbox"]
	}
	return out
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}
