package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/exoplay/exoplay/internal/emulator"
)

// fileSizeEnv caps the size of every file the child process writes
// (RLIMIT_FSIZE): the journal then fails mid-run the way a full disk makes
// it fail.
const fileSizeEnv = "EXOPLAY_TEST_FSIZE"

func limitFileSize() {
	n, err := strconv.ParseUint(os.Getenv(fileSizeEnv), 10, 64)
	if err != nil || n == 0 {
		return
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
		panic(err)
	}
}

// journaledSent lists the cells events.jsonl journaled as sent and not
// taken back as unsent (tenant/step/item).
func journaledSent(t *testing.T, dir string) map[string]bool {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev struct {
			Type, Tenant, Step string
			Item               *int
		}
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			continue // a torn last line
		}
		item := -1
		if ev.Item != nil {
			item = *ev.Item
		}
		key := fmt.Sprintf("%s/%s/%d", ev.Tenant, ev.Step, item)
		switch ev.Type {
		case "cell_sent":
			out[key] = true
		case "cell_unsent": // journaled sent, then never left
			delete(out, key)
		}
	}
	return out
}

// TestRunStopsWhenTheJournalCannotBeWritten fills the "disk" under a run's
// journal: the run stops with exit 1 and a message naming the journal, and
// no write reached the service without being journaled as sent first.
func TestRunStopsWhenTheJournalCannotBeWritten(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	emu, ca := startEmulator(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com", Mailboxes: 150}}})
	pb := remotePlaybook(t, emu, popSteps)
	want := sum(popEnabled(t, emu))
	out := t.TempDir()
	raw, _ := json.Marshal([]string{"run", pb, "--out", out, "--ca-file", ca, "--progress", "none"})
	c := exec.Command(os.Args[0], "-test.run=^$")
	c.Env = append(os.Environ(), childArgsEnv+"="+string(raw), fileSizeEnv+"=16384")
	var log bytes.Buffer
	c.Stdout, c.Stderr = &log, &log
	err := c.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != ExitStepFailed {
		t.Fatalf("want exit 1 when the journal cannot be written, got %v\n%s", err, &log)
	}
	if !strings.Contains(log.String(), "the run journal cannot be written") || !strings.Contains(log.String(), "the run stopped and sent nothing more") {
		t.Fatalf("the error does not name the journal:\n%s", &log)
	}
	applied, _ := writesApplied(emu)
	if applied == 0 || applied >= want {
		t.Fatalf("%d of %d writes applied: the limit should stop the run midway", applied, want)
	}
	sent := journaledSent(t, onlyRunDir(t, out))
	if len(sent) < applied {
		t.Fatalf("%d writes reached the service but only %d were journaled as sent", applied, len(sent))
	}
}

// TestKilledWhileWaitingForASlotLeavesNoUnknownWrite kills a run whose
// New-TransportRule foreach waits for the organization's one connection
// slot: a write is journaled as sent only once it holds the slot, so the
// resume reports no outcome_unknown for a rule that never reached the
// service, and creates every rule exactly once.
func TestKilledWhileWaitingForASlotLeavesNoUnknownWrite(t *testing.T) {
	slotWaitScenario(t, func(cmd *exec.Cmd) {
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
	})
}

// The same after a double Ctrl-C: the run cancels the calls in flight,
// journals the writes that never left as not sent, writes its results and
// exits 130.
func TestDoubleInterruptLeavesNoUnknownWrite(t *testing.T) {
	slotWaitScenario(t, func(cmd *exec.Cmd) {
		for range 2 {
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		err := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != ExitInterrupted {
			t.Fatalf("after a double Ctrl-C: %v, want exit 130", err)
		}
	})
}

func slotWaitScenario(t *testing.T, stop func(*exec.Cmd)) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	emu, ca := startEmulator(t, emulator.Options{
		Tenants: []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com", Mailboxes: 5}},
		Latency: emulator.LatencySpec{Fixed: 300 * time.Millisecond},
	})
	pb := remotePlaybook(t, emu, `  - name: Rules
    id: rules
    cmdlet: New-TransportRule
    foreach: ${{ ["r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8"] }}
    parameters: {Name: "${{ item }}", SentToScope: NotInOrganization, SetSCL: 9}
settings: {max_sessions_per_org: 1}
`)
	calls := func() int { return emu.Counters().Tenant("contoso.onmicrosoft.com").Calls("New-TransportRule") }
	out := t.TempDir()
	cmd, log := child(t, "run", pb, "--out", out, "--ca-file", ca, "--progress", "none")
	waitFor(t, "two rules sent", 60*time.Second, func() bool { return calls() >= 2 })
	time.Sleep(150 * time.Millisecond) // the second is in flight, the next waits for the slot
	stop(cmd)
	dir := onlyRunDir(t, out)
	sent, received := len(journaledSent(t, dir)), calls()
	if sent > received {
		t.Fatalf("%d writes journaled as sent, %d reached the service: a write was journaled before it held a slot\n%s", sent, received, log)
	}
	cmd, log = child(t, "run", pb, "--resume", dir, "--ca-file", ca, "--progress", "none", "--format", "json")
	_ = cmd.Wait()
	var res struct {
		Tenants []struct {
			Steps []struct {
				ItemErrors []struct {
					Index int
					Error struct{ Code, Message string }
				} `json:"item_errors"`
			}
		}
	}
	if err := json.Unmarshal([]byte(log.String()), &res); err != nil {
		t.Fatalf("resume output: %v\n%s", err, log)
	}
	unknown := 0
	for _, ie := range res.Tenants[0].Steps[0].ItemErrors {
		if ie.Error.Code == "outcome_unknown" {
			unknown++
		}
	}
	names := map[string]int{}
	for _, w := range emu.Counters().Tenant("contoso.onmicrosoft.com").Writes {
		names[fmt.Sprint(w.Params["Name"])]++
	}
	for n, k := range names {
		if k > 1 {
			t.Errorf("rule %s created %d times", n, k)
		}
	}
	// A rule reported outcome_unknown must have reached the service.
	if len(names)+unknown > 8 || len(names) < 8-unknown {
		t.Errorf("%d rules exist, %d cells outcome_unknown: some unknown write never reached the service (or a rule is missing)", len(names), unknown)
	}
	if unknown > 1 {
		t.Errorf("%d writes outcome_unknown; at most the one in flight at the kill can be", unknown)
	}
}
