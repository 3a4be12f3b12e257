package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/internal/emulator/directory"
)

// The chaos loop (issue 14 item 11). EXOPLAY_CHAOS_SEED replays a run of
// it; EXOPLAY_CHAOS_ITERATIONS runs more iterations than CI's few.
const (
	chaosSeedEnv       = "EXOPLAY_CHAOS_SEED"
	chaosIterationsEnv = "EXOPLAY_CHAOS_ITERATIONS"
	chaosCIIterations  = 10
)

// TestChaosKillAndResume runs the real exoplay binary, as separate
// processes, over New-, Add-, Remove- and Set- writes in two tenants of an
// emulator with latency, and disrupts it at random moments: SIGKILL, SIGINT
// or a double SIGINT, of the first run and of its resumes, until one
// resume is left to finish. Then it checks, against the emulator's write
// counters and objects:
//   - no write that is not safe to repeat was applied twice;
//   - no write was lost: every cell was applied or reported
//     outcome_unknown, and an outcome_unknown write that was not applied
//     must at least have reached the service (the count of those that never
//     did is 0: a write is journaled as sent only once it holds its slot);
//   - the run dir resumed to completion: the last resume exits 0, or 1
//     when (and only when) some cells are outcome_unknown.
func TestChaosKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	seed := time.Now().UnixNano()
	if v := os.Getenv(chaosSeedEnv); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", chaosSeedEnv, v, err)
		}
		seed = n
	}
	iterations := chaosCIIterations
	if v := os.Getenv(chaosIterationsEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number", chaosIterationsEnv, v)
		}
		iterations = n
	}
	t.Logf("chaos seed %d (replay with %s=%d)", seed, chaosSeedEnv, seed)
	bin := buildExoplay(t)
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6368616f73))
	var tot chaosTotals
	for i := range iterations {
		chaosIteration(t, bin, rng, i, &tot)
		if t.Failed() {
			t.Fatalf("iteration %d failed (seed %d)", i, seed)
		}
	}
	t.Logf("chaos: %d iterations, %d processes, %d disruptions (%d SIGKILL, %d SIGINT, %d double SIGINT; %d landed after the process had finished), "+
		"%d cells: %d Set- (replayable; POP off on each at the end) and %d New-/Add-/Remove- (not replayable), %d of those applied, %d outcome_unknown (%d of them applied, %d reached the service but were not applied, %d never reached it, %d of those journaled as sent less than %v before a signal), 0 applied twice",
		iterations, tot.processes, tot.kill+tot.interrupt+tot.double, tot.kill, tot.interrupt, tot.double, tot.late,
		tot.planned+tot.setCells, tot.setCells, tot.planned, tot.applied, tot.unknown, tot.unknownApplied, tot.unknownReached, tot.unknownNeverSent, tot.unknownInWindow, sendWindow)
}

type chaosTotals struct {
	processes, kill, interrupt, double, late, setCells                                           int
	planned, applied, unknown, unknownApplied, unknownReached, unknownNeverSent, unknownInWindow int
}

// chaosTenant is one tenant's part of an iteration: the objects its writes
// name, prepared in the emulator before the run.
type chaosTenant struct {
	name, id, domain string
	group            string   // the distribution group members are added to and removed from
	add, remove      []string // mailboxes Add- and Remove-DistributionGroupMember name
	rules, oldRules  []string // transport rules New- creates and Remove- deletes
	pop              []string // mailboxes Set-CASMailbox turns POP off on
}

// The steps, in order; the non-replayable ones are checked cell by cell.
var chaosSteps = []struct{ id, cmdlet string }{
	{"new-rules", "New-TransportRule"},
	{"add-members", "Add-DistributionGroupMember"},
	{"pop-off", "Set-CASMailbox"},
	{"remove-members", "Remove-DistributionGroupMember"},
	{"remove-rules", "Remove-TransportRule"},
}

const chaosPlaybookSteps = `  - id: new-rules
    cmdlet: New-TransportRule
    continue_on_error: true # an outcome_unknown cell fails its step; the rest still run
    foreach: ${{ rules }}
    parameters: {Name: "${{ item }}", SentToScope: NotInOrganization, SetSCL: 9}
  - id: add-members
    cmdlet: Add-DistributionGroupMember
    continue_on_error: true # an outcome_unknown cell fails its step; the rest still run
    foreach: ${{ add }}
    parameters: {Identity: "${{ group }}", Member: "${{ item }}"}
  - id: pop-off
    cmdlet: Set-CASMailbox
    continue_on_error: true # an outcome_unknown cell fails its step; the rest still run
    foreach: ${{ pop }}
    parameters: {Identity: "${{ item }}", PopEnabled: false}
  - id: remove-members
    cmdlet: Remove-DistributionGroupMember
    continue_on_error: true # an outcome_unknown cell fails its step; the rest still run
    foreach: ${{ remove }}
    parameters: {Identity: "${{ group }}", Member: "${{ item }}"}
  - id: remove-rules
    cmdlet: Remove-TransportRule
    continue_on_error: true # an outcome_unknown cell fails its step; the rest still run
    foreach: ${{ old_rules }}
    parameters: {Identity: "${{ item }}"}
`

func chaosIteration(t *testing.T, bin string, rng *rand.Rand, iter int, tot *chaosTotals) {
	emu, err := emulator.Start(emulator.Options{
		Tenants: []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com", Mailboxes: 60}, {Domain: "fabrikam.onmicrosoft.com", Mailboxes: 60}},
		Seed:    rng.Int64(),
		// Calls last long enough for kills to land in the middle of them.
		Latency: emulator.LatencySpec{Min: 5 * time.Millisecond, Max: 60 * time.Millisecond},
		// No cap: a killed process's requests still in flight would
		// otherwise make the resume's writes wait for 429s.
		ConcurrencyCap: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	work := t.TempDir()
	ca, err := emu.WriteCAFile(work)
	if err != nil {
		t.Fatal(err)
	}
	tenants := make([]*chaosTenant, 0, 2)
	for _, tn := range emu.Tenants() {
		tenants = append(tenants, prepareChaosTenant(t, emu, tn, rng, iter))
	}
	pb := chaosPlaybook(t, emu, work, tenants)
	out := filepath.Join(work, "runs")

	// Disrupt up to 4 processes, the first one nearly always, then let one
	// run to its end.
	var final int
	var log string
	var history []string // what happened to each process, for the failure message
	var signals []time.Time
	for attempt := 0; ; attempt++ {
		args := []string{"run", pb, "--progress", "none", "--ca-file", ca, "--connect-to", emu.ConnectTo}
		if dir := chaosRunDir(t, out); dir != "" {
			args = append(args, "--resume", dir)
		} else {
			args = append(args, "--out", out) // killed before the run dir existed
		}
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), secretEnv+"="+emu.DemoSecret)
		var buf strings.Builder
		cmd.Stdout, cmd.Stderr = &buf, &buf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		tot.processes++
		started := time.Now()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		disrupt := attempt < 4 && rng.Float64() < []float64{0.95, 0.6, 0.5, 0.4}[attempt]
		if !disrupt {
			final, log = exitCode(t, <-done), buf.String()
			history = append(history, fmt.Sprintf("#%d ran to its end (exit %d) in %v", attempt, final, time.Since(started).Round(time.Millisecond)))
			break
		}
		// A first run takes ~0.6 s here, a resume less: most signals land
		// while writes are in flight, some before sign-in or after the end.
		delay := time.Duration(rng.Int64N(int64(650 * time.Millisecond)))
		if attempt > 0 {
			delay = delay * 2 / 5
		}
		how := rng.IntN(10)
		select {
		case err := <-done:
			tot.late++
			history = append(history, fmt.Sprintf("#%d finished (exit %d) in %v, before its signal", attempt, exitCode(t, err), time.Since(started).Round(time.Millisecond)))
			code := exitCode(t, err)
			if code != ExitOK && code != ExitStepFailed {
				t.Fatalf("iteration %d attempt %d: exit %d before any signal\n%s", iter, attempt, code, &buf)
			}
			continue
		case <-time.After(delay):
		}
		sigAt := time.Now()
		signals = append(signals, sigAt)
		switch {
		case how < 6:
			tot.kill++
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-done
			history = append(history, fmt.Sprintf("#%d SIGKILL at %s, %v after its start", attempt, sigAt.UTC().Format("15:04:05.000000"), delay.Round(time.Millisecond)))
			continue
		case how < 9:
			tot.interrupt++
			_ = cmd.Process.Signal(os.Interrupt)
		default:
			tot.double++
			_ = cmd.Process.Signal(os.Interrupt)
			time.Sleep(time.Duration(rng.Int64N(int64(50 * time.Millisecond))))
			_ = cmd.Process.Signal(os.Interrupt)
			signals = append(signals, time.Now())
		}
		// An interrupted run stops cleanly: 130, or its own end if it was
		// (nearly) finished.
		select {
		case err := <-done:
			history = append(history, fmt.Sprintf("#%d SIGINT (%s) at %s, %v after its start: exit %d", attempt, map[bool]string{true: "twice", false: "once"}[how == 9], sigAt.UTC().Format("15:04:05.000000"), delay.Round(time.Millisecond), exitCode(t, err)))
			// -1: the signal came before the process had set up its
			// handler (its first milliseconds), and killed it like SIGKILL.
			if code := exitCode(t, err); code != ExitInterrupted && code != ExitOK && code != ExitStepFailed && code != -1 {
				t.Fatalf("iteration %d attempt %d: exit %d after SIGINT (after %v)\n%s", iter, attempt, code, delay, &buf)
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatalf("iteration %d attempt %d: still running 30 s after SIGINT\n%s", iter, attempt, &buf)
		}
	}
	checkChaosIteration(t, emu, iter, chaosRunDir(t, out), tenants, signals, final, strings.Join(history, "\n")+"\n"+log, tot)
}

func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		return ee.ExitCode()
	case errors.As(err, &ee):
		return -1 // killed by a signal
	}
	t.Fatal(err)
	return 0
}

func chaosRunDir(t *testing.T, out string) string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(out, "*-chaos"))
	if err != nil || len(dirs) > 1 {
		t.Fatalf("run dirs %v (%v): want at most one", dirs, err)
	}
	if len(dirs) == 0 {
		return ""
	}
	return dirs[0]
}

// prepareChaosTenant picks a group and mailboxes and sets the tenant up so
// that every planned write changes something: the Add- members are not in
// the group, the Remove- members are, the old rules exist, POP is on.
func prepareChaosTenant(t *testing.T, emu *emulator.Emulator, tn emulator.TenantInfo, rng *rand.Rand, iter int) *chaosTenant {
	t.Helper()
	ten, ok := emu.Directory().Tenant(tn.ID)
	if !ok {
		t.Fatalf("tenant %s missing", tn.Domain)
	}
	invoke := func(cmdlet string, params map[string]any) []directory.Object {
		t.Helper()
		res, err := ten.Invoke(context.Background(), directory.Exchange, cmdlet, params)
		if err != nil {
			t.Fatalf("%s %s: %v", tn.Domain, cmdlet, err)
		}
		objs := make([]directory.Object, res.Len)
		for i := range objs {
			objs[i] = res.Object(i)
		}
		return objs
	}
	str := func(o directory.Object, name string) string { v, _ := o.Get(name); return fmt.Sprint(v) }
	c := &chaosTenant{name: strings.SplitN(tn.Domain, ".", 2)[0], id: tn.ID, domain: tn.Domain}
	groups := invoke("Get-DistributionGroup", map[string]any{"ResultSize": "Unlimited"})
	if len(groups) == 0 {
		t.Fatalf("%s has no distribution group", tn.Domain)
	}
	c.group = str(groups[rng.IntN(len(groups))], "PrimarySmtpAddress")
	members := map[string]bool{}
	for _, m := range invoke("Get-DistributionGroupMember", map[string]any{"Identity": c.group, "ResultSize": "Unlimited"}) {
		members[strings.ToLower(str(m, "PrimarySmtpAddress"))] = true
	}
	var mailboxes []string
	for _, m := range invoke("Get-Mailbox", map[string]any{"ResultSize": "Unlimited"}) {
		mailboxes = append(mailboxes, str(m, "PrimarySmtpAddress"))
	}
	rng.Shuffle(len(mailboxes), func(i, j int) { mailboxes[i], mailboxes[j] = mailboxes[j], mailboxes[i] })
	n := 4 + rng.IntN(5) // 4..8 cells per step
	if len(mailboxes) < 3*n {
		t.Fatalf("%s: %d mailboxes, not enough for %d adds, removes and POP changes", tn.Domain, len(mailboxes), n)
	}
	for i, m := range mailboxes[:2*n] {
		switch member := members[strings.ToLower(m)]; {
		case i < n && member:
			invoke("Remove-DistributionGroupMember", map[string]any{"Identity": c.group, "Member": m})
		case i >= n && !member:
			invoke("Add-DistributionGroupMember", map[string]any{"Identity": c.group, "Member": m})
		}
	}
	c.add, c.remove = mailboxes[:n], mailboxes[n:2*n]
	for i := range n {
		c.rules = append(c.rules, fmt.Sprintf("chaos-%d-new-%d", iter, i))
		old := fmt.Sprintf("chaos-%d-old-%d", iter, i)
		invoke("New-TransportRule", map[string]any{"Name": old, "SentToScope": "NotInOrganization", "SetSCL": 9})
		c.oldRules = append(c.oldRules, old)
		c.pop = append(c.pop, mailboxes[len(mailboxes)-1-i])
		invoke("Set-CASMailbox", map[string]any{"Identity": c.pop[i], "PopEnabled": true})
	}
	return c
}

func chaosPlaybook(t *testing.T, emu *emulator.Emulator, dir string, tenants []*chaosTenant) string {
	t.Helper()
	list := func(v []string) string { b, _ := json.Marshal(v); return string(b) }
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nname: chaos\nauth:\n  app:\n    method: client_secret\n    client_id: %s\n    client_secret: ${{ env.%s }}\ntenants:\n", emu.DemoClientID, secretEnv)
	for _, c := range tenants {
		fmt.Fprintf(&b, "  - name: %s\n    organization: %s\n    auth: app\n    vars:\n      group: %q\n      rules: %s\n      add: %s\n      pop: %s\n      remove: %s\n      old_rules: %s\n",
			c.name, c.domain, c.group, list(c.rules), list(c.add), list(c.pop), list(c.remove), list(c.oldRules))
	}
	b.WriteString("steps:\n" + chaosPlaybookSteps)
	path := filepath.Join(dir, "chaos.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
