package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/internal/emulator/directory"
	"github.com/exoplay/exoplay/results"
)

// Issue 12 item 4: a desired-state step reads each object, writes only to
// the ones that differ and only the properties that differ, reports the
// rest unchanged; --check sends no write; a second run sends none at all
// (the emulator's write counter proves both).
func TestEnsureWritesOnlyTheDifference(t *testing.T) {
	const domain = "contoso.onmicrosoft.com"
	emu, ca := startEmulator(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: domain, Mailboxes: 12}}})
	ten, ok := emu.Directory().Tenant(emu.Tenants()[0].ID)
	if !ok {
		t.Fatal("no tenant")
	}
	ctx := context.Background()
	all, err := ten.Invoke(ctx, directory.Exchange, "Get-CASMailbox", map[string]any{"ResultSize": "Unlimited"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := 0; i < all.Len && len(ids) < 6; i++ {
		for _, p := range all.Object(i) {
			if p.Name == "Identity" {
				ids = append(ids, fmt.Sprint(p.Value))
			}
		}
	}
	// Mailbox 0 is already in the desired state, mailbox 1 only half;
	// the others get both properties set on.
	for i, id := range ids {
		state := map[string]any{"Identity": id, "PopEnabled": true, "ImapEnabled": true}
		switch i {
		case 0:
			state["PopEnabled"], state["ImapEnabled"] = false, false
		case 1:
			state["PopEnabled"] = false
		}
		if _, err := ten.Invoke(ctx, directory.Exchange, "Set-CASMailbox", state); err != nil {
			t.Fatal(err)
		}
	}
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = fmt.Sprintf("%q", id)
	}
	pb := remotePlaybook(t, emu, `  - name: POP and IMAP off
    id: pop-off
    ensure:
      cmdlet: Set-CASMailbox
      identity: ${{ item }}
      state: {PopEnabled: false, ImapEnabled: false}
    foreach: [`+strings.Join(quoted, ", ")+`]
`)
	writes := func() []map[string]any {
		var out []map[string]any
		for _, w := range emu.Counters().Tenant(domain).Writes {
			out = append(out, w.Params)
		}
		return out
	}
	type stepOut struct {
		ID     string
		Status string
		Items  struct{ OK, Changed, Skipped, Failed int }
		Diffs  []struct {
			Item       *int
			Identity   string
			Properties []struct {
				Property      string
				Before, After any
			}
		}
		WouldRun []struct{ Parameters map[string]any } `json:"would_run"`
	}
	run := func(args ...string) (stepOut, string) {
		t.Helper()
		out := t.TempDir()
		code, stdout, stderr := runMain(t, append([]string{"run", pb, "--out", out, "--ca-file", ca, "--progress", "none", "--format", "json"}, args...)...)
		if code != ExitOK {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		var res struct{ Tenants []struct{ Steps []stepOut } }
		if err := json.Unmarshal([]byte(stdout), &res); err != nil {
			t.Fatal(err)
		}
		dir := onlyRunDir(t, out)
		b, err := os.ReadFile(filepath.Join(dir, "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := results.Validate(b); err != nil {
			t.Fatalf("results.json with diffs does not match results.schema.json: %v", err)
		}
		return res.Tenants[0].Steps[0], dir
	}

	// --check: the reads go out, no write; the diffs show what would change.
	st, _ := run("--check")
	if n := len(writes()); n != 0 {
		t.Fatalf("--check: the emulator applied %d writes", n)
	}
	if n := emu.Counters().Tenant(domain).ByCmdlet["Set-CASMailbox"]; n != 0 {
		t.Fatalf("--check sent %d Set-CASMailbox calls", n)
	}
	if len(st.Diffs) != 5 || st.Items.OK != 1 || st.Items.Skipped != 5 {
		t.Fatalf("--check: %d diffs, items %+v; want 5 objects differing, 1 unchanged", len(st.Diffs), st.Items)
	}
	for _, d := range st.Diffs {
		if d.Identity == ids[1] && (len(d.Properties) != 1 || d.Properties[0].Property != "ImapEnabled" || d.Properties[0].Before != true || d.Properties[0].After != false) {
			t.Fatalf("--check diff of the half-done mailbox: %+v, want only ImapEnabled true -> false", d)
		}
	}
	for _, w := range st.WouldRun {
		if w.Parameters["Identity"] == ids[1] && len(w.Parameters) != 2 {
			t.Fatalf("would_run of the half-done mailbox: %v, want Identity and ImapEnabled only", w.Parameters)
		}
	}

	// The run: five writes, one per differing mailbox, with only what differs.
	st, dir := run()
	ws := writes()
	if len(ws) != 5 {
		t.Fatalf("the run applied %d writes, want 5 (mailbox 0 was already in the desired state): %v", len(ws), ws)
	}
	for _, w := range ws {
		if w["Identity"] == ids[0] {
			t.Fatalf("a write went to the mailbox already in the desired state: %v", w)
		}
		if w["Identity"] == ids[1] {
			if _, has := w["PopEnabled"]; has || len(w) != 2 {
				t.Fatalf("the half-done mailbox's write: %v, want Identity and ImapEnabled only", w)
			}
		}
	}
	if st.Status != "changed" || st.Items.Changed != 5 || st.Items.OK != 1 || len(st.Diffs) != 5 {
		t.Fatalf("run: status %s items %+v diffs %d; want changed, 5 changed, 1 ok, 5 diffs", st.Status, st.Items, len(st.Diffs))
	}
	ledger, err := os.ReadFile(filepath.Join(dir, "writes.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(ledger), "\n"); lines != 5 || strings.Count(string(ledger), `"diff":[{"property":`) != 5 {
		t.Fatalf("writes.jsonl: %d lines, want 5 each with its diff:\n%s", lines, ledger)
	}

	// Again: everything unchanged, zero writes.
	st, _ = run()
	if n := len(writes()); n != 5 {
		t.Fatalf("the second run sent %d more writes, want none", n-5)
	}
	if st.Status != "ok" || st.Items.OK != 6 || st.Items.Changed != 0 || len(st.Diffs) != 0 {
		t.Fatalf("second run: status %s items %+v diffs %d; want ok, 6 unchanged, no diffs", st.Status, st.Items, len(st.Diffs))
	}
}

// --diff prints each differing property in the text output.
func TestEnsureDiffInTextOutput(t *testing.T) {
	emu, ca := startEmulator(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com", Mailboxes: 3}}})
	pb := remotePlaybook(t, emu, `  - name: CAS
    id: cas
    cmdlet: Get-CASMailbox
    select: [Identity]
    register: mbx
  - name: POP off
    id: pop-off
    ensure:
      cmdlet: Set-CASMailbox
      identity: ${{ item.Identity }}
      state: {PopEnabled: false}
    foreach: ${{ mbx }}
`)
	before := popEnabled(t, emu)[emu.Tenants()[0].ID]
	if before == 0 {
		t.Fatal("the emulator seeded no mailbox with POP on: --diff would have nothing to print, and the test would prove nothing")
	}
	code, stdout, stderr := runMain(t, "run", pb, "--check", "--diff", "--out", t.TempDir(), "--ca-file", ca, "--progress", "none")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if got := strings.Count(stdout, "    - PopEnabled: true\n    + PopEnabled: false\n"); got != before {
		t.Fatalf("--diff printed %d PopEnabled changes, want %d:\n%s", got, before, stdout)
	}
	if code, _, stderr := runMain(t, "run", pb, "--check", "--diff", "--format", "json", "--out", t.TempDir(), "--ca-file", ca); code != ExitInvalid || !strings.Contains(stderr, "--diff") {
		t.Fatalf("--diff with --format json: exit %d %s, want 2", code, stderr)
	}
}

// An object the organization has one of (Set-OrganizationConfig has no
// -Identity) is ensured without identity.
func TestEnsureOrganizationSingleton(t *testing.T) {
	const domain = "contoso.onmicrosoft.com"
	emu, ca := startEmulator(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: domain, Mailboxes: 1}}})
	ten, _ := emu.Directory().Tenant(emu.Tenants()[0].ID)
	if _, err := ten.Invoke(context.Background(), directory.Exchange, "Set-OrganizationConfig", map[string]any{"OAuth2ClientProfileEnabled": false}); err != nil {
		t.Fatal(err)
	}
	pb := remotePlaybook(t, emu, `  - name: Modern auth on
    ensure:
      cmdlet: Set-OrganizationConfig
      state: {OAuth2ClientProfileEnabled: true}
`)
	for i, want := range []int{1, 1} { // the second run adds no write
		if code, _, stderr := runMain(t, "run", pb, "--out", t.TempDir(), "--ca-file", ca, "--progress", "none"); code != ExitOK {
			t.Fatalf("run %d: exit %d\n%s", i+1, code, stderr)
		}
		if got := len(emu.Counters().Tenant(domain).Writes); got != want {
			t.Fatalf("after run %d: %d writes, want %d", i+1, got, want)
		}
	}
}
