package runner_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/results"
	"github.com/exoplay/exoplay/runner"
)

// interruptAfter runs the env's playbook and drains it after n calls.
func interruptAfter(t *testing.T, e *env, n int) (*results.Results, *results.RunDir) {
	t.Helper()
	drain := make(chan struct{})
	obs := &callObserver{n: n, fn: func() { close(drain) }}
	res, rd := e.run(context.Background(), runner.Options{Observer: obs, Drain: drain}, "")
	if res.Summary.ExitCode != results.ExitInterrupted {
		t.Fatalf("interrupted run: exit %d, want 130", res.Summary.ExitCode)
	}
	rd.Close()
	return res, rd
}

// Issue 14: a register whose data file is missing (or short) when a run is
// resumed is an error of the resume naming the file, never an empty list
// that would skip the writes and erase the ones already applied.
func TestResumeRefusesALostRegister(t *testing.T) {
	t.Parallel()
	e := startEnv(t, emulator.Options{
		Tenants: []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com", Mailboxes: 120}, {Domain: "fabrikam.onmicrosoft.com", Mailboxes: 120}},
		Latency: emulator.LatencySpec{Fixed: 2 * time.Millisecond},
	}, popYAML)
	_, rd := interruptAfter(t, e, 12)
	before := len(e.emu.Counters().Tenant("contoso.onmicrosoft.com").Writes)
	for _, c := range []struct {
		name string
		hurt func(path string) error
		want string
	}{
		{"missing", os.Remove, "cannot be read"},
		{"short", func(p string) error {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(p, b[:bytes.IndexByte(b, '\n')+1], 0o640) // one whole object left
		}, "holds 1 objects"},
	} {
		path := filepath.Join(rd.Path(), "data", "contoso", "find-pop.jsonl")
		orig, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.hurt(path); err != nil {
			t.Fatal(err)
		}
		rd2, err := results.Open(rd.Path())
		if err != nil {
			t.Fatal(err)
		}
		res, err := runner.Run(context.Background(), runner.Options{Plan: e.plan(runner.Selection{}), Dir: rd2, Resume: true,
			Connector: e.connector(), Logger: zerolog.Nop()})
		rd2.Close()
		var re *runner.ResumeError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "data/contoso/find-pop.jsonl") || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("%s data file: err = %v, want a resume error naming it", c.name, err)
		}
		if after := len(e.emu.Counters().Tenant("contoso.onmicrosoft.com").Writes); after != before {
			t.Fatalf("%s data file: %d writes sent to contoso", c.name, after-before)
		}
		dis := stepOf(t, tenantOf(t, res, "contoso"), "disable-pop")
		if dis.Status != results.StatusIncomplete {
			t.Fatalf("%s data file: disable-pop is %s, want incomplete (not an empty foreach)", c.name, dis.Status)
		}
		if err := os.WriteFile(path, orig, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	res, _ := e.run(context.Background(), runner.Options{}, rd.Path())
	if res.Summary.ExitCode != results.ExitOK {
		t.Fatalf("resume with the data file back: exit %d", res.Summary.ExitCode)
	}
}

// Issue 14: a foreach with a failed item and items that never ran is
// incomplete, not failed: it is not journaled done, the interrupted run
// exits 130, and the resume runs the items left.
func TestFailedItemDoesNotHideUnfinishedOnes(t *testing.T) {
	t.Parallel()
	e := startEnv(t, emulator.Options{
		Tenants: []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com", Mailboxes: 10}},
		Latency: emulator.LatencySpec{Fixed: 100 * time.Millisecond},
	}, `version: 1
name: failed-and-unfinished
tenants:
  - {name: contoso, organization: contoso.onmicrosoft.com, environment: Emulator}
settings: {max_sessions_per_org: 1}
steps:
  - name: Hide
    id: hide
    cmdlet: Set-Mailbox
    foreach: ${{ ["no-such-mailbox", "admin", "info", "sales", "support", "boardroom"] }}
    parameters: {Identity: "${{ item }}", HiddenFromAddressListsEnabled: true}
    continue_on_error: true
`)
	res, rd := interruptAfter(t, e, 2)
	hide := stepOf(t, tenantOf(t, res, "contoso"), "hide")
	if hide.Status != results.StatusIncomplete || !res.Summary.Interrupted || tenantOf(t, res, "contoso").Status != results.StatusIncomplete {
		t.Fatalf("interrupted: step %s, tenant %s, interrupted %v; want incomplete, incomplete, true", hide.Status, tenantOf(t, res, "contoso").Status, res.Summary.Interrupted)
	}
	res, _ = e.run(context.Background(), runner.Options{}, rd.Path())
	hide = stepOf(t, tenantOf(t, res, "contoso"), "hide")
	if hide.Items == nil || hide.Items.Failed != 1 || hide.Items.Changed != 5 {
		t.Fatalf("after resume: %+v, want 1 failed and 5 changed", hide.Items)
	}
	if n := e.emu.Counters().Tenant("contoso.onmicrosoft.com").Calls("Set-Mailbox"); n < 6 {
		t.Fatalf("%d Set-Mailbox calls in all: some items were never sent", n)
	}
}

// Issue 10: a tenant whose token, on resume, names another tenant id than
// the one the run signed in to before (the organization name now reaches
// another directory) sends nothing, and the resume is refused.
func TestResumeRefusesATenantWhoseTokenNamesAnotherTenantID(t *testing.T) {
	t.Parallel()
	spec := func(id string) emulator.Options {
		return emulator.Options{
			Tenants: []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com", ID: id, Mailboxes: 120}, {Domain: "fabrikam.onmicrosoft.com", Mailboxes: 120}},
			Latency: emulator.LatencySpec{Fixed: 2 * time.Millisecond},
		}
	}
	e := startEnv(t, spec("11111111-1111-4111-8111-111111111111"), popYAML)
	_, rd := interruptAfter(t, e, 12)
	// The same names, but contoso.onmicrosoft.com is now another directory.
	other := startEnv(t, spec("22222222-2222-4222-8222-222222222222"), popYAML)
	rd2, err := results.Open(rd.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer rd2.Close()
	_, err = runner.Run(context.Background(), runner.Options{Plan: e.plan(runner.Selection{}), Dir: rd2, Resume: true,
		Connector: other.connector(), Logger: zerolog.Nop()})
	var re *runner.ResumeError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "tenant contoso: its token names tenant id 22222222-2222-4222-8222-222222222222, but the run signed in to 11111111-1111-4111-8111-111111111111 before") {
		t.Fatalf("err = %v, want a resume error naming both tenant ids", err)
	}
	if n := len(other.emu.Counters().Tenant("contoso.onmicrosoft.com").Writes); n != 0 {
		t.Fatalf("%d writes sent to the other directory", n)
	}
}
