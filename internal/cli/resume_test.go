package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/results"
)

// inventoryPlaybook writes a playbook whose tenants come from a CSV
// inventory (name -> organization, one row each), with a register step and
// a tagged foreach write whose value is a var.
func inventoryPlaybook(t *testing.T, emu *emulator.Emulator, rows map[string]string) (pb, csv string) {
	t.Helper()
	dir := t.TempDir()
	csv = filepath.Join(dir, "tenants.csv")
	writeInventory(t, csv, rows)
	pb = filepath.Join(dir, "inv.yaml")
	err := os.WriteFile(pb, []byte(fmt.Sprintf(`version: 1
name: remote
vars: {pop: false}
auth:
  app:
    method: client_secret
    client_id: %s
    client_secret: ${{ env.%s }}
inventory: [tenants.csv]
steps:
  - name: CAS mailboxes
    id: cas
    cmdlet: Get-CASMailbox
    parameters: {ResultSize: Unlimited}
    select: [Identity, PopEnabled]
    register: cas
    tags: [always]
  - name: Disable POP
    id: disable-pop
    cmdlet: Set-CASMailbox
    foreach: ${{ filter(cas, .PopEnabled) }}
    parameters: {Identity: "${{ item.Identity }}", PopEnabled: "${{ pop }}"}
    tags: [remediate]
`, emu.DemoClientID, secretEnv)), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	return pb, csv
}

func writeInventory(t *testing.T, path string, rows map[string]string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("name,organization,auth\n")
	for _, name := range []string{"c1", "c2", "c3"} {
		if org, ok := rows[name]; ok {
			fmt.Fprintf(&b, "%s,%s,app\n", name, org)
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// interruptedRun starts `exoplay run args...` in a child process, sends
// SIGINT once some writes landed, and returns the run directory (exit 130).
func interruptedRun(t *testing.T, emu *emulator.Emulator, out string, args ...string) string {
	t.Helper()
	cmd, log := child(t, append(args, "--out", out, "--progress", "none")...)
	waitFor(t, "some writes", 60*time.Second, func() bool { n, _ := writesApplied(emu); return n >= 5 })
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != ExitInterrupted {
		t.Fatalf("want exit 130 after SIGINT, got %v\n%s", err, log)
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "*-remote"))
	if len(dirs) != 1 {
		t.Fatalf("run directories: %v", dirs)
	}
	return dirs[0]
}

func resumeEmulator(t *testing.T) (*emulator.Emulator, string) {
	return startEmulator(t, emulator.Options{
		Tenants: []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com", Mailboxes: 120},
			{Domain: "fabrikam.onmicrosoft.com", Mailboxes: 120}, {Domain: "northwind.onmicrosoft.com", Mailboxes: 120}},
		Latency: emulator.LatencySpec{Fixed: 20 * time.Millisecond},
	})
}

func tenantWrites(emu *emulator.Emulator, domain string) int {
	return len(emu.Counters().Tenant(domain).Writes)
}

// Issue 10: the inventory changed between the interrupt and the resume
// (one tenant's organization now names another customer): the resume is
// refused with exit 2 naming what changed, and nothing is sent to the other
// organization.
func TestResumeRefusesAChangedInventory(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	emu, ca := resumeEmulator(t)
	pb, csv := inventoryPlaybook(t, emu, map[string]string{"c1": "contoso.onmicrosoft.com", "c2": "fabrikam.onmicrosoft.com"})
	dir := interruptedRun(t, emu, t.TempDir(), "run", pb, "--ca-file", ca)
	before, _ := os.ReadFile(filepath.Join(dir, "results.json"))

	writeInventory(t, csv, map[string]string{"c1": "contoso.onmicrosoft.com", "c2": "northwind.onmicrosoft.com"})
	code, _, stderr := runMain(t, "run", pb, "--resume", dir, "--ca-file", ca, "--progress", "none")
	if code != ExitInvalid {
		t.Fatalf("resume over a changed inventory: exit %d, want 2\n%s", code, stderr)
	}
	for _, want := range []string{"inventory file", "tenants.csv changed", `tenant c2: organization was "fabrikam.onmicrosoft.com", now "northwind.onmicrosoft.com"`, "start a new run"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the refusal does not say %q:\n%s", want, stderr)
		}
	}
	if n := tenantWrites(emu, "northwind.onmicrosoft.com"); n != 0 {
		t.Fatalf("%d writes sent to northwind, the organization the inventory now names", n)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "results.json")); !bytes.Equal(before, after) {
		t.Error("a refused resume rewrote results.json")
	}

	// A row added to the inventory does not silently join the run either.
	writeInventory(t, csv, map[string]string{"c1": "contoso.onmicrosoft.com", "c2": "fabrikam.onmicrosoft.com", "c3": "northwind.onmicrosoft.com"})
	code, _, stderr = runMain(t, "run", pb, "--resume", dir, "--ca-file", ca, "--progress", "none")
	if code != ExitInvalid || !strings.Contains(stderr, "tenant c3 was not part of the run") {
		t.Fatalf("resume with an added inventory row: exit %d\n%s", code, stderr)
	}
	// Back as it was: the resume completes the run.
	writeInventory(t, csv, map[string]string{"c1": "contoso.onmicrosoft.com", "c2": "fabrikam.onmicrosoft.com"})
	if code, _, stderr := runMain(t, "run", pb, "--resume", dir, "--ca-file", ca, "--progress", "none"); code != ExitOK {
		t.Fatalf("resume over the original inventory: exit %d\n%s", code, stderr)
	}
	if n := tenantWrites(emu, "northwind.onmicrosoft.com"); n != 0 {
		t.Fatalf("%d writes sent to northwind", n)
	}
}

// Issue 10: selection flags on a resume. One that differs from the run's
// (--limit, --tags, --var, --check) is refused with exit 2 and leaves the
// results as they were; a bare --resume continues with the run's own
// selection (its --limit and --var included) and never widens or shrinks it.
func TestResumeKeepsTheRunsSelection(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	emu, ca := resumeEmulator(t)
	pb, _ := inventoryPlaybook(t, emu, map[string]string{"c1": "contoso.onmicrosoft.com", "c2": "fabrikam.onmicrosoft.com", "c3": "northwind.onmicrosoft.com"})
	dir := interruptedRun(t, emu, t.TempDir(), "run", pb, "--ca-file", ca, "--limit", "c1,c2", "--var", "pop=false")
	results := filepath.Join(dir, "results.json")
	before, _ := os.ReadFile(results)

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--limit", "c1"}, `--limit was "c1,c2", now "c1"`},
		{[]string{"--tags", "remediate"}, `--tags was "", now "remediate"`},
		{[]string{"--var", "pop=true"}, "--var pop was false, now true"},
		{[]string{"--check"}, "run-mode run"},
	} {
		args := append([]string{"run", pb, "--resume", dir, "--ca-file", ca, "--progress", "none"}, c.args...)
		code, _, stderr := runMain(t, args...)
		if code != ExitInvalid || !strings.Contains(stderr, c.want) {
			t.Errorf("resume %v: exit %d, want 2 saying %q\n%s", c.args, code, c.want, stderr)
		}
		if after, _ := os.ReadFile(results); !bytes.Equal(before, after) {
			t.Fatalf("resume %v rewrote results.json", c.args)
		}
	}
	// The same flags as the run's are accepted; so is none.
	code, _, stderr := runMain(t, "run", pb, "--resume", dir, "--ca-file", ca, "--progress", "none", "--limit", "c1,c2")
	if code != ExitOK {
		t.Fatalf("resume with the run's own --limit: exit %d\n%s", code, stderr)
	}
	if n := tenantWrites(emu, "northwind.onmicrosoft.com"); n != 0 {
		t.Fatalf("the resume widened the run: %d writes to c3", n)
	}
	if left := popEnabled(t, emu); left[emu.Tenants()[0].ID] != 0 || left[emu.Tenants()[1].ID] != 0 {
		t.Fatalf("POP still on after the resume: %v", left)
	}
	raw, _ := os.ReadFile(results)
	if n := strings.Count(string(raw), `"organization"`); n != 2 {
		t.Fatalf("results.json lists %d tenants after the resume, want the run's 2", n)
	}
}

// An invalid resume is invalid input: exit 2. A journal left empty by a
// kill in the first moments (nothing was sent) is resumable: the run starts
// afresh in that directory.
func TestResumeOfAnInvalidOrEmptyJournal(t *testing.T) {
	emu, ca := resumeEmulator(t)
	pb, _ := inventoryPlaybook(t, emu, map[string]string{"c1": "contoso.onmicrosoft.com"})
	dir := t.TempDir()
	journal := filepath.Join(dir, "events.jsonl")
	if err := os.WriteFile(journal, []byte(`{"t":"2026-11-22T07:00:00Z","type":"tenant_started","tenant":"c1"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runMain(t, "run", pb, "--resume", dir, "--ca-file", ca, "--progress", "none")
	if code != ExitInvalid || !strings.Contains(stderr, "cannot resume") {
		t.Fatalf("a journal without run_started: exit %d\n%s", code, stderr)
	}
	if err := os.WriteFile(journal, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runMain(t, "run", pb, "--resume", dir, "--ca-file", ca, "--progress", "none")
	if code != ExitOK {
		t.Fatalf("an empty journal: exit %d, want the run to start afresh\n%s", code, stderr)
	}
	if tenantWrites(emu, "contoso.onmicrosoft.com") == 0 {
		t.Fatal("the fresh run sent no write")
	}
}

// Issue 14: a second process on a run directory that is in use (a resume
// while the run still goes on) is refused, naming the holder's pid, and
// sends nothing.
func TestSecondProcessOnARunDirIsRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	emu, ca := resumeEmulator(t)
	pb, _ := inventoryPlaybook(t, emu, map[string]string{"c1": "contoso.onmicrosoft.com"})
	out := t.TempDir()
	cmd, log := child(t, "run", pb, "--out", out, "--ca-file", ca, "--progress", "none")
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	waitFor(t, "some writes", 60*time.Second, func() bool { n, _ := writesApplied(emu); return n >= 3 })
	dirs, _ := filepath.Glob(filepath.Join(out, "*-remote"))
	if len(dirs) != 1 {
		t.Fatalf("run directories: %v\n%s", dirs, log)
	}
	code, _, stderr := runMain(t, "run", pb, "--resume", dirs[0], "--ca-file", ca, "--progress", "none")
	want := fmt.Sprintf("in use by exoplay process %d", cmd.Process.Pid)
	if code != ExitInvalid || !strings.Contains(stderr, want) {
		t.Fatalf("second process: exit %d, want 2 saying %q\n%s", code, want, stderr)
	}
}

// Issue 14, as reported: a Set-Mailbox foreach with one failing item and
// items not yet sent when SIGINT arrives exits 130 with the step
// incomplete (not failed), and the resume sends every item left.
func TestInterruptedForeachWithAFailureResumesTheRest(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	emu, ca := startEmulator(t, emulator.Options{
		Tenants: []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com", Mailboxes: 10}},
		Latency: emulator.LatencySpec{Fixed: 300 * time.Millisecond},
	})
	pb := remotePlaybook(t, emu, `  - name: Hide
    id: hide
    cmdlet: Set-Mailbox
    foreach: ${{ ["no-such-mailbox", "admin", "info", "sales", "support", "boardroom"] }}
    parameters: {Identity: "${{ item }}", HiddenFromAddressListsEnabled: true}
settings: {max_sessions_per_org: 1}
`)
	calls := func() int { return emu.Counters().Tenant("contoso.onmicrosoft.com").Calls("Set-Mailbox") }
	out := t.TempDir()
	cmd, log := child(t, "run", pb, "--out", out, "--ca-file", ca, "--progress", "none")
	waitFor(t, "two items sent", 60*time.Second, func() bool { return calls() >= 2 })
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != ExitInterrupted {
		t.Fatalf("want exit 130 after SIGINT with a failed item, got %v\n%s", err, log)
	}
	dir := onlyRunDir(t, out)
	raw, _ := os.ReadFile(filepath.Join(dir, "results.json"))
	if !strings.Contains(string(raw), `"interrupted": true`) || !strings.Contains(string(raw), `"status": "incomplete"`) {
		t.Fatalf("results.json after SIGINT hides the unfinished items:\n%s", raw)
	}
	if calls() >= 6 {
		t.Fatalf("every item was sent before the interrupt; the test proves nothing")
	}
	code, stdout, stderr := runMain(t, "run", pb, "--resume", dir, "--ca-file", ca, "--progress", "none", "--format", "json")
	if code != ExitStepFailed {
		t.Fatalf("resume: exit %d, want 1 (no-such-mailbox fails)\n%s", code, stderr)
	}
	if !strings.Contains(stdout, `"changed": 5`) || !strings.Contains(stdout, `"failed": 1`) {
		t.Fatalf("after the resume, want 5 items changed and 1 failed:\n%s", stdout)
	}
	if n := calls(); n < 6 {
		t.Fatalf("%d of 6 items ever sent", n)
	}
}

// A run killed between making its directory and creating its journal left
// an empty directory: --resume starts the run afresh in it and says why,
// rather than refusing a directory the tool itself made.
func TestResumeOfAnEmptyRunDirStartsAfresh(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "20260101T000000Z-quickstart")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runMain(t, "run", "../../examples/quickstart.yaml", "--resume", dir, "--progress", "none")
	if code != ExitOK || !strings.Contains(stderr, "was empty: its run stopped before it recorded anything, so nothing was sent") {
		t.Fatalf("exit %d, want 0 with the fresh start said:\n%s", code, stderr)
	}
	if _, err := results.ReadRunDir(dir); err != nil {
		t.Fatalf("the resumed run left no run: %v", err)
	}
}
