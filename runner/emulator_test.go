package runner_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/results"
	"github.com/exoplay/exoplay/runner"
)

const tenantsYAML = `tenants:
  - {name: contoso, organization: contoso.onmicrosoft.com, environment: Emulator}
  - {name: fabrikam, organization: fabrikam.onmicrosoft.com, environment: Emulator}
`

// popYAML finds mailboxes with POP on, turns POP off on each (a foreach
// write), and verifies with an assertion.
const popYAML = `version: 1
name: disable-pop
` + tenantsYAML + `steps:
  - name: Find POP
    id: find-pop
    cmdlet: Get-CASMailbox
    parameters: {ResultSize: Unlimited, Filter: "PopEnabled -eq $true"}
    select: [Identity, PopEnabled]
    register: pop
  - name: Disable POP
    id: disable-pop
    cmdlet: Set-CASMailbox
    foreach: ${{ pop }}
    parameters: {Identity: "${{ item.Identity }}", PopEnabled: false}
  - name: Verify
    id: verify
    cmdlet: Get-CASMailbox
    parameters: {ResultSize: Unlimited}
    select: [Identity, PopEnabled]
    assert:
      - id: POP-OFF
        that: ${{ none(result, .PopEnabled) }}
        message: POP must be off on every mailbox
        severity: high
`

func popOn(t *testing.T, e *env, tenant string) []string {
	t.Helper()
	var ids []string
	res, rd := e.run(context.Background(), runner.Options{Check: true}, "")
	for _, o := range dataObjects(t, rd, stepOf(t, tenantOf(t, res, tenant), "find-pop")) {
		ids = append(ids, fmt.Sprint(o["Identity"]))
	}
	return ids
}

// writtenIDs lists the Identity of every write the emulator applied.
func writtenIDs(e *env, domain string) []string {
	var ids []string
	for _, w := range e.emu.Counters().Tenant(domain).Writes {
		ids = append(ids, fmt.Sprint(w.Params["Identity"]))
	}
	return ids
}

func TestCapHoldsAndIsUsedAcrossForeachItemsAndTenantEntries(t *testing.T) {
	t.Parallel()
	e := startEnv(t, emulator.Options{
		Tenants: []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com", Mailboxes: 300}, {Domain: "fabrikam.onmicrosoft.com", Mailboxes: 300}},
		Latency: emulator.LatencySpec{Fixed: 2 * time.Millisecond},
	}, `version: 1
name: cap
tenants:
  - {name: contoso, organization: contoso.onmicrosoft.com, environment: Emulator}
  - {name: contoso-again, organization: contoso.onmicrosoft.com, environment: Emulator}
  - {name: fabrikam, organization: fabrikam.onmicrosoft.com, environment: Emulator}
steps:
  - {name: List, id: list, cmdlet: Get-CASMailbox, parameters: {ResultSize: Unlimited}, select: [Identity], register: mbx}
  - name: Each
    id: each
    cmdlet: Get-CASMailbox
    foreach: ${{ mbx }}
    parameters: {Identity: "${{ item.Identity }}"}
    select: [Identity, PopEnabled]
`)
	res, rd := e.run(context.Background(), runner.Options{}, "")
	if res.Summary.ExitCode != 0 {
		t.Fatalf("exit %d: %+v", res.Summary.ExitCode, res.Summary)
	}
	c := e.emu.Counters()
	for _, domain := range []string{"contoso.onmicrosoft.com", "fabrikam.onmicrosoft.com"} {
		tc := c.Tenant(domain)
		if tc.MaxInFlight != 3 {
			t.Errorf("%s: the emulator saw at most %d requests in flight, want exactly 3 (the cap, and used)", domain, tc.MaxInFlight)
		}
		if tc.Throttled != 0 {
			t.Errorf("%s: %d requests throttled under the cap", domain, tc.Throttled)
		}
	}
	if n := c.Tenant("contoso.onmicrosoft.com").Calls("Get-CASMailbox"); n != 2*301 {
		t.Errorf("contoso: %d Get-CASMailbox calls, want 602 (two tenant entries)", n)
	}
	// foreach output is in input order, whatever order the items finished in.
	for _, name := range []string{"contoso", "contoso-again", "fabrikam"} {
		tr := tenantOf(t, res, name)
		list := dataObjects(t, rd, stepOf(t, tr, "list"))
		each := stepOf(t, tr, "each")
		if each.Items == nil || each.Items.OK != 300 || each.Attempts.Calls != 300 {
			t.Fatalf("%s: each = %+v", name, each)
		}
		got := dataObjects(t, rd, each)
		if len(got) != len(list) {
			t.Fatalf("%s: %d objects, want %d", name, len(got), len(list))
		}
		for i := range list {
			if got[i]["Identity"] != list[i]["Identity"] {
				t.Fatalf("%s: object %d is %v, want %v (input order)", name, i, got[i]["Identity"], list[i]["Identity"])
			}
			if _, extra := got[i]["Name"]; extra || len(got[i]) != 2 {
				t.Fatalf("%s: select not applied: %v", name, got[i])
			}
		}
	}
}

func TestThrottledOrgSlowsDownAndFinishes(t *testing.T) {
	t.Parallel()
	e := startEnv(t, emulator.Options{
		Tenants:        []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com", Mailboxes: 120}, {Domain: "fabrikam.onmicrosoft.com", Mailboxes: 120}},
		Latency:        emulator.LatencySpec{Fixed: 3 * time.Millisecond},
		ConcurrencyCap: 2, // the client's cap is 3
		RetryAfter:     100 * time.Millisecond,
	}, popYAML)
	want := map[string][]string{}
	for _, tn := range []string{"contoso", "fabrikam"} {
		want[tn] = popOn(t, e, tn)
	}
	res, _ := e.run(context.Background(), runner.Options{}, "")
	if res.Summary.ExitCode != 0 {
		t.Fatalf("exit %d: %+v", res.Summary.ExitCode, res.Summary)
	}
	c := e.emu.Counters()
	for _, tn := range []string{"contoso", "fabrikam"} {
		domain := tn + ".onmicrosoft.com"
		tc := c.Tenant(domain)
		got := writtenIDs(e, domain)
		slices.Sort(got)
		slices.Sort(want[tn])
		if !slices.Equal(got, want[tn]) {
			t.Errorf("%s: writes applied %d, want %d (each POP mailbox once)", tn, len(got), len(want[tn]))
		}
		if tc.Throttled == 0 {
			t.Errorf("%s: never throttled: the test does not test throttling", tn)
		}
		// Without slowing down, about one request in three would be
		// refused for the whole run.
		t.Logf("%s: %d of %d requests throttled", tn, tc.Throttled, tc.Requests)
		if tc.Throttled*10 > tc.Requests {
			t.Errorf("%s: %d of %d requests throttled: the organization did not slow down", tn, tc.Throttled, tc.Requests)
		}
	}
	if res.Summary.ThrottledWaits == 0 {
		t.Errorf("summary shows no throttled waits: %+v", res.Summary)
	}
}

func TestThrottlingOneOrgLeavesOthersAlone(t *testing.T) {
	t.Parallel()
	// Deterministic: a probability left ~10 % of runs without a single 429
	// (about 20 requests at p = 0.1), and the test then proved nothing.
	faults, err := emulator.ParseFaults("429:first4@contoso.onmicrosoft.com")
	if err != nil {
		t.Fatal(err)
	}
	for i := range faults.Rules {
		faults.Rules[i].RetryAfter = "0.05"
	}
	e := startEnv(t, emulator.Options{
		Tenants: []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com", Mailboxes: 60}, {Domain: "fabrikam.onmicrosoft.com", Mailboxes: 60}},
		Latency: emulator.LatencySpec{Fixed: 2 * time.Millisecond},
		Faults:  faults,
	}, popYAML)
	res, _ := e.run(context.Background(), runner.Options{}, "")
	if res.Summary.ExitCode != 0 {
		t.Fatalf("exit %d: %+v", res.Summary.ExitCode, res.Summary)
	}
	c := e.emu.Counters()
	if c.Tenant("contoso.onmicrosoft.com").Throttled == 0 {
		t.Fatal("contoso was never throttled")
	}
	fab := c.Tenant("fabrikam.onmicrosoft.com")
	if fab.Throttled != 0 || fab.MaxInFlight != 3 {
		t.Errorf("fabrikam: throttled %d, max in flight %d; want 0 and 3 (untouched by contoso's throttling)", fab.Throttled, fab.MaxInFlight)
	}
}

func TestCheckModeSendsNoWrite(t *testing.T) {
	t.Parallel()
	e := startEnv(t, emulator.Options{}, popYAML)
	res, _ := e.run(context.Background(), runner.Options{Check: true, Argv: []string{"exoplay", "run", "--check"}}, "")
	c := e.emu.Counters()
	for _, tn := range []string{"contoso", "fabrikam"} {
		tc := c.Tenant(tn + ".onmicrosoft.com")
		if len(tc.Writes) != 0 || tc.Calls("Set-CASMailbox") != 0 {
			t.Fatalf("%s: check mode sent %d Set-CASMailbox, applied %d writes", tn, tc.Calls("Set-CASMailbox"), len(tc.Writes))
		}
		if tc.Calls("Get-CASMailbox") != 2 {
			t.Errorf("%s: reads did not run in check mode", tn)
		}
		tr := tenantOf(t, res, tn)
		find, dis := stepOf(t, tr, "find-pop"), stepOf(t, tr, "disable-pop")
		if find.Output == nil || find.Output.Objects == 0 {
			t.Fatalf("%s: no POP mailbox in the seed data; the test needs some", tn)
		}
		if dis.Status != results.StatusSkipped || len(dis.WouldRun) != find.Output.Objects {
			t.Fatalf("%s: disable-pop %s with %d would_run, want skipped with %d", tn, dis.Status, len(dis.WouldRun), find.Output.Objects)
		}
		for _, w := range dis.WouldRun {
			if w.Parameters["PopEnabled"] != false || w.Parameters["Identity"] == "" || w.Item == nil {
				t.Fatalf("%s: would_run lacks resolved parameters: %+v", tn, w)
			}
		}
	}
	if res.Run.Mode != "check" || res.Summary.ExitCode != results.ExitNonCompliant {
		t.Errorf("mode %s exit %d, want check and 3 (POP still on, so the assertion fails)", res.Run.Mode, res.Summary.ExitCode)
	}
}

// interruptAndResume stops a run after some writes (through stop), then
// resumes it in the same directory with a fresh connector, and checks on
// the emulator that every write was applied exactly once and reads are
// complete.
func interruptAndResume(t *testing.T, exactSends bool, stop func(cancel context.CancelFunc, drain chan struct{})) {
	e := startEnv(t, emulator.Options{
		Tenants: []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com", Mailboxes: 150}, {Domain: "fabrikam.onmicrosoft.com", Mailboxes: 150}},
		Latency: emulator.LatencySpec{Fixed: 2 * time.Millisecond},
	}, popYAML)
	want := map[string][]string{}
	for _, tn := range []string{"contoso", "fabrikam"} {
		want[tn] = popOn(t, e, tn)
		if len(want[tn]) < 20 {
			t.Fatalf("%s: only %d POP mailboxes; the test needs more", tn, len(want[tn]))
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	drain := make(chan struct{})
	obs := &callObserver{n: 25, fn: func() { stop(cancel, drain) }}
	res1, rd := e.run(ctx, runner.Options{Observer: obs, Drain: drain}, "")
	if res1.Summary.ExitCode != results.ExitInterrupted || !res1.Summary.Interrupted {
		t.Fatalf("interrupted run: exit %d, want 130", res1.Summary.ExitCode)
	}
	if res1.Summary.Steps.Incomplete == 0 {
		t.Fatal("interrupted run has no incomplete step")
	}
	applied := 0
	for _, tn := range []string{"contoso", "fabrikam"} {
		applied += len(writtenIDs(e, tn+".onmicrosoft.com"))
	}
	if applied == 0 || applied >= len(want["contoso"])+len(want["fabrikam"]) {
		t.Fatalf("%d writes before the interruption: the test does not interrupt mid-way", applied)
	}
	t.Logf("%d writes applied before the interruption", applied)
	rd.Close()

	res2, rd2 := e.run(context.Background(), runner.Options{}, rd.Path())
	if res2.Summary.ExitCode != 0 {
		t.Fatalf("resumed run: exit %d: %+v", res2.Summary.ExitCode, res2.Summary)
	}
	if res2.Run.Resumes != 1 || res2.Run.ID != res1.Run.ID || !res2.Run.Started.Equal(res1.Run.Started) {
		t.Errorf("resumed run: %+v", res2.Run)
	}
	for _, tn := range []string{"contoso", "fabrikam"} {
		got := writtenIDs(e, tn+".onmicrosoft.com")
		slices.Sort(got)
		slices.Sort(want[tn])
		if !slices.Equal(got, want[tn]) {
			t.Errorf("%s: %d writes applied in total, want each of the %d POP mailboxes exactly once", tn, len(got), len(want[tn]))
		}
		tr := tenantOf(t, res2, tn)
		dis := stepOf(t, tr, "disable-pop")
		// A write sent again on resume that had landed before the
		// interruption is answered as a no-op: unchanged (ok), not changed.
		if dis.Status != results.StatusChanged || dis.Items.Total != len(want[tn]) || dis.Items.Changed+dis.Items.OK != len(want[tn]) || dis.Items.OK > 3 {
			t.Errorf("%s: disable-pop after resume: %s %+v (cells done before the interruption must be included)", tn, dis.Status, dis.Items)
		}
		// Set-CASMailbox is idempotent, so the emulator would not count a
		// repeated write as applied: count what was sent instead. Only a
		// write whose confirmation the cancellation cut off may go twice.
		sends := 0
		evs, err := rd2.Events()
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if ev.Tenant == tn && ev.Step == "disable-pop" {
				switch ev.Type {
				case results.EventCellSent:
					sends++
				case results.EventCellUnsent:
					sends--
				}
			}
		}
		calls := e.emu.Counters().Tenant(tn + ".onmicrosoft.com").Calls("Set-CASMailbox")
		n := len(want[tn])
		switch {
		case exactSends && (sends != n || calls != n):
			t.Errorf("%s: %d writes journaled as sent, %d received, want exactly %d", tn, sends, calls, n)
		case calls < n || calls > sends || sends > n+2*3: // only cells that got a slot (≤ 2×cap goroutines) may be unconfirmed
			t.Errorf("%s: %d writes sent, %d received for %d mailboxes: a confirmed write was repeated", tn, sends, calls, n)
		}
		verify := stepOf(t, tr, "verify")
		if len(verify.Assertions) != 1 || !verify.Assertions[0].Passed {
			t.Errorf("%s: verify after resume: %+v", tn, verify.Assertions)
		}
		if n := len(dataObjects(t, rd2, verify)); n != 150 {
			t.Errorf("%s: verify read %d mailboxes, want 150", tn, n)
		}
		if n := len(dataObjects(t, rd2, stepOf(t, tr, "find-pop"))); n != len(want[tn]) {
			t.Errorf("%s: find-pop data has %d objects, want %d", tn, n, len(want[tn]))
		}
	}
}

func TestResumeAfterCancelAppliesEveryWriteOnce(t *testing.T) {
	t.Parallel()
	interruptAndResume(t, false, func(cancel context.CancelFunc, _ chan struct{}) { cancel() })
}

func TestDrainFinishesInFlightCallsThenResumes(t *testing.T) {
	t.Parallel()
	interruptAndResume(t, true, func(_ context.CancelFunc, drain chan struct{}) { close(drain) })
}

func TestSignInFailureIsIsolated(t *testing.T) {
	t.Setenv("EXOPLAY_TEST_BAD_SECRET", "definitely-wrong-secret-value")
	e := startEnv(t, emulator.Options{}, `version: 1
name: signin
auth:
  bad:
    method: client_secret
    client_id: 0e0e0e0e-de30-4a99-8c1e-00000000a001
    client_secret: ${{ env.EXOPLAY_TEST_BAD_SECRET }}
tenants:
  - {name: contoso, organization: contoso.onmicrosoft.com, environment: Emulator, auth: bad}
  - {name: fabrikam, organization: fabrikam.onmicrosoft.com, environment: Emulator}
steps:
  - {name: Org, id: org, cmdlet: Get-OrganizationConfig, select: [Name, "OAuth*"]}
`)
	res, _ := e.run(context.Background(), runner.Options{}, "")
	bad, good := tenantOf(t, res, "contoso"), tenantOf(t, res, "fabrikam")
	if bad.Status != results.StatusFailed || bad.Error == nil || bad.Error.Category != "auth" || !strings.Contains(bad.Error.Message, "7000215") {
		t.Fatalf("contoso: %s %+v, want failed with an auth error naming AADSTS7000215", bad.Status, bad.Error)
	}
	if strings.Contains(bad.Error.Message, "definitely-wrong-secret-value") {
		t.Fatal("the sign-in error shows the secret")
	}
	if good.Status != results.StatusOK || stepOf(t, good, "org").Status != results.StatusOK {
		t.Fatalf("fabrikam did not go on: %s", good.Status)
	}
	org := stepOf(t, good, "org")
	if org.Output == nil || len(org.Output.Inline) != 1 {
		t.Fatalf("small output not inline: %+v", org.Output)
	}
	if res.Summary.ExitCode != results.ExitStepFailed {
		t.Errorf("exit %d, want 1", res.Summary.ExitCode)
	}

	// Every tenant failing sign-in is exit 4.
	res, _ = e.run(context.Background(), runner.Options{Plan: e.plan(runner.Selection{Limit: e.pb.Tenants[0].Name})}, "")
	if res.Summary.ExitCode != results.ExitAuthFailed {
		t.Errorf("all sign-ins failed: exit %d, want 4", res.Summary.ExitCode)
	}
}
