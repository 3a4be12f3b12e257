package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/exoplay/exoplay/internal/connect"
	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/internal/emulator/directory"
)

// secretEnv holds the emulator's demo secret for the playbooks of these tests.
const secretEnv = "EXOPLAY_TEST_SECRET"

// remotePlaybook writes a production playbook (environment O365Default,
// client-secret auth from the environment) whose tenants are emu's: the run
// reaches them by dialling the service's names to it (EXOPLAY_CONNECT_TO,
// set by startEmulator) and trusting its CA (--ca-file).
func remotePlaybook(t *testing.T, emu *emulator.Emulator, steps string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, `version: 1
name: remote
auth:
  app:
    method: client_secret
    client_id: %s
    client_secret: ${{ env.%s }}
tenants:
`, emu.DemoClientID, secretEnv)
	for _, tn := range emu.Tenants() {
		fmt.Fprintf(&b, "  - name: %s\n    organization: %s\n    auth: app\n",
			strings.SplitN(tn.Domain, ".", 2)[0], tn.Domain)
	}
	b.WriteString("steps:\n" + steps)
	path := filepath.Join(t.TempDir(), "remote.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const popSteps = `  - name: CAS mailboxes
    id: cas
    cmdlet: Get-CASMailbox
    parameters: {ResultSize: Unlimited}
    select: [Identity, PopEnabled]
    register: cas
  - name: Disable POP
    id: disable-pop
    cmdlet: Set-CASMailbox
    foreach: ${{ filter(cas, .PopEnabled) }}
    parameters: {Identity: "${{ item.Identity }}", PopEnabled: false}
`

func startEmulator(t *testing.T, opts emulator.Options) (*emulator.Emulator, string) {
	t.Helper()
	emu, err := emulator.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	ca, err := emu.WriteCAFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(secretEnv, emu.DemoSecret)
	t.Setenv(connect.ConnectToEnv, emu.ConnectTo)
	return emu, ca
}

// popEnabled counts the mailboxes with POP on, straight from the emulator's data.
func popEnabled(t *testing.T, emu *emulator.Emulator) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, tn := range emu.Tenants() {
		ten, ok := emu.Directory().Tenant(tn.ID)
		if !ok {
			t.Fatalf("tenant %s missing", tn.Domain)
		}
		res, err := ten.Invoke(context.Background(), directory.Exchange, "Get-CASMailbox", map[string]any{"ResultSize": "Unlimited"})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < res.Len; i++ {
			for _, p := range res.Object(i) {
				if p.Name == "PopEnabled" && p.Value == true {
					out[tn.ID]++
				}
			}
		}
	}
	return out
}

// runMain runs exoplay in-process with empty stdin and captured output.
func runMain(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// writeTestFile writes body to dir/name and returns its path.
func writeTestFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunCheckModeSendsNoWrite(t *testing.T) {
	emu, ca := startEmulator(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com", Mailboxes: 40}}})
	pb := remotePlaybook(t, emu, popSteps)
	want := popEnabled(t, emu)
	code, stdout, stderr := runMain(t, "run", pb, "--check", "--out", t.TempDir(), "--ca-file", ca, "--progress", "none", "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, tc := range emu.Counters().Tenants {
		if len(tc.Writes) != 0 {
			t.Fatalf("check mode applied %d writes", len(tc.Writes))
		}
		if tc.ByCmdlet["Set-CASMailbox"] != 0 {
			t.Fatalf("check mode sent Set-CASMailbox %d times", tc.ByCmdlet["Set-CASMailbox"])
		}
	}
	var res struct {
		Tenants []struct {
			Steps []struct {
				ID       string `json:"id"`
				Status   string `json:"status"`
				WouldRun []any  `json:"would_run"`
			} `json:"steps"`
		} `json:"tenants"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("stdout is not results JSON: %v\n%s", err, stdout)
	}
	var total int
	for _, n := range want {
		total += n
	}
	if total == 0 {
		t.Fatal("seeded data has no POP-enabled mailbox; the test proves nothing")
	}
	step := res.Tenants[0].Steps[1]
	if step.ID != "disable-pop" || step.Status != "skipped" || len(step.WouldRun) != total {
		t.Fatalf("check-mode write step = %+v, want skipped with %d would_run entries", step, total)
	}
	if strings.Contains(stdout+stderr, emu.DemoSecret) {
		t.Fatal("the client secret appears in the output")
	}
}

// child starts the test binary as `exoplay args...`.
func child(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	raw, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childArgsEnv+"="+string(raw))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &out
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func writesApplied(emu *emulator.Emulator) (n int, dup string) {
	seen := map[string]bool{}
	for id, tc := range emu.Counters().Tenants {
		for _, w := range tc.Writes {
			key := id + "/" + fmt.Sprint(w.Params["Identity"])
			if seen[key] {
				dup = key
			}
			seen[key] = true
			n++
		}
	}
	return n, dup
}

func onlyRunDir(t *testing.T, out string) string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(out, "*-remote"))
	if err != nil || len(dirs) != 1 {
		t.Fatalf("want one run directory in %s, got %v (%v)", out, dirs, err)
	}
	return dirs[0]
}

// TestRunKilledThenResumedAppliesEveryWriteOnce kills `exoplay run` with
// SIGKILL in the middle of its writes, resumes it, and checks on the
// emulator that every write landed exactly once and none was sent again
// after it was confirmed.
func TestRunKilledThenResumedAppliesEveryWriteOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	emu, ca := startEmulator(t, emulator.Options{
		Tenants: []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com", Mailboxes: 150}, {Domain: "fabrikam.onmicrosoft.com", Mailboxes: 150}},
		Latency: emulator.LatencySpec{Fixed: 15 * time.Millisecond},
	})
	pb := remotePlaybook(t, emu, popSteps)
	want := 0
	for _, n := range popEnabled(t, emu) {
		want += n
	}
	if want < 20 {
		t.Fatalf("only %d POP-enabled mailboxes seeded; the test needs more", want)
	}
	out := t.TempDir()
	cmd, log := child(t, "run", pb, "--out", out, "--ca-file", ca, "--progress", "none")
	waitFor(t, "some writes", 60*time.Second, func() bool { n, _ := writesApplied(emu); return n >= want/3 })
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	before, _ := writesApplied(emu)
	if before >= want {
		t.Fatalf("the run finished before it was killed (%d/%d writes); nothing to resume\n%s", before, want, log)
	}
	sentBefore := setRequests(emu)

	dir := onlyRunDir(t, out)
	cmd, log = child(t, "run", pb, "--resume", dir, "--ca-file", ca, "--progress", "none")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("resume failed: %v\n%s", err, log)
	}
	n, dup := writesApplied(emu)
	if dup != "" {
		t.Fatalf("mailbox %s was written twice", dup)
	}
	if n != want {
		t.Fatalf("%d writes applied, want %d", n, want)
	}
	// Confirmed writes are never sent again: the resumed run sends only the
	// writes that were missing plus, at most, those in flight at the kill
	// (3 per organization).
	resent := setRequests(emu) - sentBefore - (want - before)
	if resent < 0 || resent > 3*len(emu.Tenants()) {
		t.Fatalf("resume re-sent %d writes; at most %d could have been unconfirmed", resent, 3*len(emu.Tenants()))
	}
	if left := popEnabled(t, emu); sum(left) != 0 {
		t.Fatalf("POP still enabled on %v", left)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Summary struct {
			ExitCode int `json:"exit_code"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(raw, &res); err != nil || res.Summary.ExitCode != 0 {
		t.Fatalf("results.json after resume: exit_code %d, err %v", res.Summary.ExitCode, err)
	}
}

func setRequests(emu *emulator.Emulator) int {
	n := 0
	for _, tc := range emu.Counters().Tenants {
		n += tc.ByCmdlet["Set-CASMailbox"]
	}
	return n
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// TestRunInterruptedWritesPartialResults sends SIGINT mid-run: the run stops
// starting calls, writes results.json with unfinished cells incomplete and
// exits 130; a resume then completes it.
func TestRunInterruptedWritesPartialResults(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	emu, ca := startEmulator(t, emulator.Options{
		Tenants: []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com", Mailboxes: 150}},
		Latency: emulator.LatencySpec{Fixed: 15 * time.Millisecond},
	})
	pb := remotePlaybook(t, emu, popSteps)
	want := sum(popEnabled(t, emu))
	out := t.TempDir()
	cmd, log := child(t, "run", pb, "--out", out, "--ca-file", ca, "--progress", "none")
	waitFor(t, "some writes", 60*time.Second, func() bool { n, _ := writesApplied(emu); return n >= 5 })
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != ExitInterrupted {
		t.Fatalf("want exit %d after SIGINT, got %v\n%s", ExitInterrupted, err, log)
	}
	dir := onlyRunDir(t, out)
	raw, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatalf("no results.json after interrupt: %v", err)
	}
	if !bytes.Contains(raw, []byte(`"incomplete"`)) {
		t.Fatalf("results.json after interrupt marks nothing incomplete:\n%s", raw)
	}
	cmd, log = child(t, "run", pb, "--resume", dir, "--ca-file", ca, "--progress", "none")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("resume failed: %v\n%s", err, log)
	}
	if n, dup := writesApplied(emu); n != want || dup != "" {
		t.Fatalf("after resume: %d writes (want %d), duplicate %q", n, want, dup)
	}
}
