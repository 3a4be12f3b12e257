package runner_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/results"
	"github.com/exoplay/exoplay/runner"
)

const semanticsYAML = `version: 1
name: semantics
vars: {desired: true, threshold: 1000}
tenants:
  - {name: contoso, organization: contoso.onmicrosoft.com, environment: Emulator, vars: {threshold: 0}}
  - {name: fabrikam, organization: fabrikam.onmicrosoft.com, environment: Emulator}
steps:
  - name: Org
    id: org
    cmdlet: Get-OrganizationConfig
    select: [name, "OAuth*"]
    register: org
  - name: Only when desired
    id: when-desired
    cmdlet: Get-AcceptedDomain
    when: ${{ desired }}
  - name: Only at threshold zero
    id: when-zero
    cmdlet: Get-AcceptedDomain
    when: ${{ threshold == 0 && len(org) == 1 }}
  - name: Domains
    id: domains
    cmdlet: Get-AcceptedDomain
    failed_when: ${{ len(result) > threshold }}
    continue_on_error: true
  - name: Tagged
    id: tagged
    cmdlet: Get-AcceptedDomain
    tags: [remediate]
  - name: Some mailboxes
    id: some
    cmdlet: Get-CASMailbox
    parameters: {ResultSize: 12}
    select: [Identity]
    register: some
  - name: Batched
    id: batched
    cmdlet: Get-CASMailbox
    foreach: ${{ some }}
    batch: 5
    parameters: {Identity: "${{ item.Identity }}"}
    select: [Identity, PopEnabled]
  - name: Missing
    id: missing
    cmdlet: Get-CASMailbox
    foreach: ${{ ["nobody-at-all", some[0].Identity] }}
    parameters: {Identity: "${{ item }}"}
    continue_on_error: true
  - name: Per-item when
    id: per-item
    cmdlet: Get-CASMailbox
    foreach: ${{ some }}
    when: ${{ item.Identity == some[0].Identity }}
    parameters: {Identity: "${{ item.Identity }}"}
  - name: Slow
    id: slow
    cmdlet: Get-RemoteDomain
    timeout: 150ms
    retries: 0
    continue_on_error: true
  - name: DLP
    id: dlp
    cmdlet: Get-DlpCompliancePolicy
    service: compliance
  - name: Verify
    id: verify
    cmdlet: Get-OrganizationConfig
    assert:
      - {id: A-PASS, that: "${{ len(result) == 1 }}", message: one organization config}
      - {id: A-FAIL, that: "${{ len(result) == 2 }}", message: never true, severity: low}
  - name: After a failure
    id: after
    cmdlet: Get-AcceptedDomain
    failed_when: ${{ true }}
  - name: Never reached
    id: never-reached
    cmdlet: Get-AcceptedDomain
`

func TestStepSemantics(t *testing.T) {
	t.Parallel()
	e := startEnv(t, emulator.Options{
		Faults: emulator.FaultSpec{Rules: []emulator.FaultRule{{Kind: "slow", Probability: 1, Cmdlet: "Get-RemoteDomain", Delay: 600 * time.Millisecond}}},
	}, semanticsYAML)
	res, rd := e.run(context.Background(), runner.Options{Plan: e.plan(runner.Selection{Vars: map[string]any{"desired": false}, SkipTags: []string{"remediate"}})}, "")
	for _, tn := range []string{"contoso", "fabrikam"} {
		tr := tenantOf(t, res, tn)
		status := func(id string) results.Status { return stepOf(t, tr, id).Status }

		org := stepOf(t, tr, "org")
		if org.Output == nil || len(org.Output.Inline) != 1 {
			t.Fatalf("%s: org output %+v", tn, org.Output)
		}
		for _, o := range dataObjects(t, rd, org) {
			for k := range o {
				if k != "Name" && !strings.HasPrefix(k, "OAuth") {
					t.Errorf("%s: select [name, OAuth*] kept %s", tn, k)
				}
			}
			if _, ok := o["Name"]; !ok {
				t.Errorf("%s: select is not case-insensitive: %v", tn, o)
			}
		}
		if s := stepOf(t, tr, "when-desired"); s.Status != results.StatusSkipped || !strings.Contains(s.Reason, "when is false") {
			t.Errorf("%s: --var desired=false did not override the playbook: %s %q", tn, s.Status, s.Reason)
		}
		if s := stepOf(t, tr, "tagged"); s.Status != results.StatusSkipped || !strings.Contains(s.Reason, "--tags") {
			t.Errorf("%s: --skip-tags remediate: tagged is %s", tn, s.Status)
		}
		b := stepOf(t, tr, "batched")
		if b.Status != results.StatusOK || b.Items.OK != 12 || b.Output.Objects != 12 || b.Attempts.Calls != 12 {
			t.Errorf("%s: batched %s items %+v output %+v calls %d", tn, b.Status, b.Items, b.Output, b.Attempts.Calls)
		}
		some, got := dataObjects(t, rd, stepOf(t, tr, "some")), dataObjects(t, rd, b)
		for i := range some {
			if i < len(got) && got[i]["Identity"] != some[i]["Identity"] {
				t.Errorf("%s: batched output not in input order at %d", tn, i)
			}
		}
		// Small output is inline too, the same objects in the same order.
		if len(b.Output.Inline) != len(got) {
			t.Errorf("%s: batched: %d inline objects, want %d", tn, len(b.Output.Inline), len(got))
		}
		for i, raw := range b.Output.Inline {
			var m map[string]any
			if err := json.Unmarshal(raw, &m); err != nil || i >= len(got) || m["Identity"] != got[i]["Identity"] || len(m) != len(got[i]) {
				t.Errorf("%s: batched inline object %d is %s, want %v (%v)", tn, i, raw, got[min(i, len(got)-1)], err)
			}
		}
		m := stepOf(t, tr, "missing")
		if m.Status != results.StatusFailed || m.Items.Failed != 1 || m.Items.OK != 1 || len(m.ItemErrors) != 1 ||
			m.ItemErrors[0].Index != 0 || m.ItemErrors[0].Error.Category != "not_found" {
			t.Errorf("%s: missing: %s %+v %+v", tn, m.Status, m.Items, m.ItemErrors)
		}
		if p := stepOf(t, tr, "per-item"); p.Status != results.StatusOK || p.Items.OK != 1 || p.Items.Skipped != 11 {
			t.Errorf("%s: per-item when: %s %+v", tn, p.Status, p.Items)
		}
		if s := stepOf(t, tr, "slow"); s.Status != results.StatusFailed || s.Error == nil || s.Error.Category != "timeout" {
			t.Errorf("%s: slow step: %s %+v, want failed with a timeout", tn, s.Status, s.Error)
		}
		if s := status("dlp"); s != results.StatusOK {
			t.Errorf("%s: compliance step %s: %+v", tn, s, stepOf(t, tr, "dlp").Error)
		}
		v := stepOf(t, tr, "verify")
		if v.Status != results.StatusOK || len(v.Assertions) != 2 || !v.Assertions[0].Passed || v.Assertions[1].Passed || v.Assertions[1].ID != "A-FAIL" {
			t.Errorf("%s: verify %s %+v", tn, v.Status, v.Assertions)
		}
		if s := stepOf(t, tr, "after"); s.Status != results.StatusFailed || s.Error.Code != "failed_when" {
			t.Errorf("%s: after: %s %+v", tn, s.Status, s.Error)
		}
		if s := stepOf(t, tr, "never-reached"); s.Status != results.StatusSkipped || !strings.Contains(s.Reason, "step after failed") {
			t.Errorf("%s: a step after a failure without continue_on_error: %s %q", tn, s.Status, s.Reason)
		}
		if tr.Status != results.StatusFailed {
			t.Errorf("%s: tenant %s, want failed (continue_on_error still counts the failure)", tn, tr.Status)
		}
	}
	con, fab := tenantOf(t, res, "contoso"), tenantOf(t, res, "fabrikam")
	if s := stepOf(t, con, "when-zero").Status; s != results.StatusOK {
		t.Errorf("contoso: tenant var threshold=0 not seen: when-zero %s", s)
	}
	if s := stepOf(t, fab, "when-zero").Status; s != results.StatusSkipped {
		t.Errorf("fabrikam: when-zero %s, want skipped", s)
	}
	if s := stepOf(t, con, "domains"); s.Status != results.StatusFailed || s.Error.Code != "failed_when" {
		t.Errorf("contoso: failed_when over result: %s %+v", s.Status, s.Error)
	}
	if s := stepOf(t, fab, "domains").Status; s != results.StatusOK {
		t.Errorf("fabrikam: domains %s", s)
	}
	if res.Summary.ExitCode != results.ExitStepFailed || res.Summary.Assertions.Failed != 2 || res.Summary.Assertions.Passed != 2 {
		t.Errorf("summary %+v", res.Summary)
	}
}

func TestOnlyAssertionsFailedIsExit3(t *testing.T) {
	t.Parallel()
	e := startEnv(t, emulator.Options{}, `version: 1
name: audit
`+tenantsYAML+`steps:
  - name: Domains
    cmdlet: Get-AcceptedDomain
    assert:
      - {id: AUDIT-1, that: "${{ len(result) > 100 }}", message: too few domains, severity: medium}
`)
	res, _ := e.run(context.Background(), runner.Options{}, "")
	if res.Summary.ExitCode != results.ExitNonCompliant {
		t.Fatalf("exit %d, want 3", res.Summary.ExitCode)
	}
	for _, tr := range res.Tenants {
		if tr.Status != results.StatusOK {
			t.Errorf("%s: %s; a failed assertion marks the step, not the tenant", tr.Name, tr.Status)
		}
	}
}

func TestFailFastStopsStartingTenants(t *testing.T) {
	t.Parallel()
	e := startEnv(t, emulator.Options{
		Tenants: []emulator.TenantSpec{{Domain: "a.onmicrosoft.com"}, {Domain: "b.onmicrosoft.com"}, {Domain: "c.onmicrosoft.com"}, {Domain: "d.onmicrosoft.com"}},
	}, `version: 1
name: failfast
tenants:
  - {name: a, organization: a.onmicrosoft.com, environment: Emulator}
  - {name: b, organization: b.onmicrosoft.com, environment: Emulator}
  - {name: c, organization: c.onmicrosoft.com, environment: Emulator}
  - {name: d, organization: d.onmicrosoft.com, environment: Emulator}
settings: {fail_fast: true, max_parallel_tenants: 1}
steps:
  - {name: Fail, cmdlet: Get-AcceptedDomain, failed_when: "${{ tenant.name == 'b' }}"}
`)
	res, rd := e.run(context.Background(), runner.Options{}, "")
	want := map[string]results.Status{"a": results.StatusOK, "b": results.StatusFailed, "c": results.StatusIncomplete, "d": results.StatusIncomplete}
	for name, st := range want {
		if got := tenantOf(t, res, name); got.Status != st {
			t.Errorf("%s: %s, want %s", name, got.Status, st)
		}
	}
	if n := e.emu.Counters().Tenant("c.onmicrosoft.com").Requests; n != 0 {
		t.Errorf("c was called %d times after fail_fast", n)
	}
	if res.Summary.ExitCode != results.ExitStepFailed || res.Summary.Interrupted {
		t.Errorf("summary %+v", res.Summary)
	}

	// A resume continues the tenants fail_fast left: b's failure belongs to
	// the earlier run and does not stop this one again.
	dir := rd.Path()
	rd.Close()
	res2, _ := e.run(context.Background(), runner.Options{}, dir)
	want = map[string]results.Status{"a": results.StatusOK, "b": results.StatusFailed, "c": results.StatusOK, "d": results.StatusOK}
	for name, st := range want {
		if got := tenantOf(t, res2, name); got.Status != st {
			t.Errorf("after resume %s: %s, want %s", name, got.Status, st)
		}
	}
	if n := e.emu.Counters().Tenant("c.onmicrosoft.com").Requests; n == 0 {
		t.Error("the resume did not run c")
	}
}

func TestMaxFailPercentageStopsStartingTenants(t *testing.T) {
	t.Parallel()
	e := startEnv(t, emulator.Options{
		Tenants: []emulator.TenantSpec{{Domain: "a.onmicrosoft.com"}, {Domain: "b.onmicrosoft.com"}, {Domain: "c.onmicrosoft.com"}, {Domain: "d.onmicrosoft.com"}},
	}, `version: 1
name: maxfail
tenants:
  - {name: a, organization: a.onmicrosoft.com, environment: Emulator}
  - {name: b, organization: b.onmicrosoft.com, environment: Emulator}
  - {name: c, organization: c.onmicrosoft.com, environment: Emulator}
  - {name: d, organization: d.onmicrosoft.com, environment: Emulator}
settings: {max_fail_percentage: 30, max_parallel_tenants: 1}
steps:
  - {name: Fail, cmdlet: Get-AcceptedDomain, failed_when: "${{ tenant.name in ['a', 'b'] }}"}
`)
	res, _ := e.run(context.Background(), runner.Options{}, "")
	// a fails (25%: go on), b fails (50% > 30%: stop).
	want := map[string]results.Status{"a": results.StatusFailed, "b": results.StatusFailed, "c": results.StatusIncomplete, "d": results.StatusIncomplete}
	for name, st := range want {
		if got := tenantOf(t, res, name); got.Status != st {
			t.Errorf("%s: %s, want %s", name, got.Status, st)
		}
	}
	if r := stepOf(t, tenantOf(t, res, "c"), "fail").Reason; !strings.Contains(r, "max_fail_percentage") {
		t.Errorf("reason %q does not say why", r)
	}
}

func TestResumeRefusesAnotherMode(t *testing.T) {
	t.Parallel()
	e := startEnv(t, emulator.Options{}, popYAML)
	_, rd := e.run(context.Background(), runner.Options{Check: true}, "")
	rd.Close()
	rd2, err := results.Open(rd.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer rd2.Close()
	_, err = runner.Run(context.Background(), runner.Options{Plan: e.plan(runner.Selection{}), Dir: rd2, Resume: true, Connector: e.connector()})
	if err == nil || !strings.Contains(err.Error(), "check-mode run") {
		t.Fatalf("resuming a check run without --check: err = %v", err)
	}
	if n := len(e.emu.Counters().Tenant("contoso.onmicrosoft.com").Writes); n != 0 {
		t.Fatalf("%d writes applied", n)
	}
}

func TestBatchSendsItemsInBatchCalls(t *testing.T) {
	t.Parallel()
	e := startEnv(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com"}}}, `version: 1
name: batch
tenants:
  - {name: contoso, organization: contoso.onmicrosoft.com, environment: Emulator}
steps:
  - {name: Some, id: some, cmdlet: Get-CASMailbox, parameters: {ResultSize: 12}, select: [Identity], register: some}
  - name: Disable IMAP
    id: imap
    cmdlet: Set-CASMailbox
    foreach: ${{ some }}
    batch: 5
    parameters: {Identity: "${{ item.Identity }}", ImapEnabled: false}
`)
	res, _ := e.run(context.Background(), runner.Options{}, "")
	s := stepOf(t, tenantOf(t, res, "contoso"), "imap")
	if s.Status != results.StatusChanged || s.Items.Changed != 12 {
		t.Fatalf("imap: %s %+v %+v", s.Status, s.Items, s.ItemErrors)
	}
	c := e.emu.Counters()
	// One list call, then 12 items as $batch calls of 5, 5 and 2.
	if c.Requests != 4 || c.Tenant("contoso.onmicrosoft.com").Calls("Set-CASMailbox") != 12 {
		t.Fatalf("%d HTTP requests (want 4), %d Set-CASMailbox", c.Requests, c.Tenant("contoso.onmicrosoft.com").Calls("Set-CASMailbox"))
	}
}

// A write that was journaled as sent but never confirmed is not repeated on
// resume unless its verb is idempotent.
func TestResumeDoesNotRepeatAnUnconfirmedNonIdempotentWrite(t *testing.T) {
	t.Parallel()
	e := startEnv(t, emulator.Options{}, `version: 1
name: unconfirmed
`+tenantsYAML+`steps:
  - name: New rule
    id: new-rule
    cmdlet: New-TransportRule
    parameters: {Name: "exoplay test rule", SentToScope: NotInOrganization, SetSCL: 9}
`)
	drain := make(chan struct{})
	close(drain) // interrupted before anything started
	res, rd := e.run(context.Background(), runner.Options{Drain: drain}, "")
	if res.Summary.ExitCode != results.ExitInterrupted {
		t.Fatalf("exit %d", res.Summary.ExitCode)
	}
	// The process died after journaling contoso's write as sent.
	if err := rd.Journal().Record(results.Event{Type: results.EventCellSent, Tenant: "contoso", Step: "new-rule"}); err != nil {
		t.Fatal(err)
	}
	rd.Close()
	res, _ = e.run(context.Background(), runner.Options{}, rd.Path())
	// The write ledger records the unknown outcome, and fabrikam's write.
	ledger, err := os.ReadFile(filepath.Join(rd.Path(), results.WritesFile))
	if err != nil || !strings.Contains(string(ledger), `"tenant":"contoso"`) || !strings.Contains(string(ledger), `"outcome":"unknown"`) || !strings.Contains(string(ledger), `"outcome":"confirmed"`) {
		t.Errorf("writes.jsonl (%v):\n%s", err, ledger)
	}
	con := stepOf(t, tenantOf(t, res, "contoso"), "new-rule")
	if con.Status != results.StatusFailed || con.Error == nil || con.Error.Code != "outcome_unknown" {
		t.Fatalf("contoso: %s %+v, want failed with outcome_unknown", con.Status, con.Error)
	}
	if fab := stepOf(t, tenantOf(t, res, "fabrikam"), "new-rule"); fab.Status != results.StatusChanged {
		t.Fatalf("fabrikam: %s %+v", fab.Status, fab.Error)
	}
	c := e.emu.Counters()
	if n := c.Tenant("contoso.onmicrosoft.com").Calls("New-TransportRule"); n != 0 {
		t.Errorf("contoso: New-TransportRule sent %d times on resume", n)
	}
	if n := len(c.Tenant("fabrikam.onmicrosoft.com").Writes); n != 1 {
		t.Errorf("fabrikam: %d writes, want 1", n)
	}
}
