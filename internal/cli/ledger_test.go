package cli

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/exoplay/exoplay/internal/emulator"
)

// Issue 10: a real run keeps a record of every write it sent: tenant (name
// and id), step, cmdlet, parameters, the object, the outcome and attempts,
// in writes.jsonl, summarised in results.json; a write the service answers
// as a no-op is unchanged, not changed.
func TestRunKeepsAWriteLedger(t *testing.T) {
	emu, ca := startEmulator(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com", Mailboxes: 30}}})
	pb := remotePlaybook(t, emu, `  - name: CAS mailboxes
    id: cas
    cmdlet: Get-CASMailbox
    parameters: {ResultSize: Unlimited, Filter: "PopEnabled -eq $true"}
    select: [Identity]
    register: pop
  - name: Disable POP
    id: disable
    cmdlet: Set-CASMailbox
    foreach: ${{ pop[:2] }}
    parameters: {Identity: "${{ item.Identity }}", PopEnabled: false}
  - name: Disable POP again
    id: again
    cmdlet: Set-CASMailbox
    foreach: ${{ pop[:2] }}
    parameters: {Identity: "${{ item.Identity }}", PopEnabled: false}
  - name: A no-op the playbook counts as a change
    id: forced
    cmdlet: Set-CASMailbox
    foreach: ${{ pop[:2] }}
    parameters: {Identity: "${{ item.Identity }}", PopEnabled: false}
    changed_when: ${{ true }}
`)
	out := t.TempDir()
	code, stdout, stderr := runMain(t, "run", pb, "--out", out, "--ca-file", ca, "--progress", "none", "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var res struct {
		Summary struct {
			Writes *struct{ Confirmed, Unchanged, Failed, Unknown int }
		}
		Tenants []struct {
			TenantID string `json:"tenant_id"`
			Steps    []struct{ ID, Status string }
		}
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	if w := res.Summary.Writes; w == nil || w.Confirmed != 4 || w.Unchanged != 2 || w.Failed != 0 || w.Unknown != 0 {
		t.Fatalf("summary.writes = %+v, want 4 confirmed and 2 unchanged", w)
	}
	if s := res.Tenants[0].Steps[2]; s.ID != "again" || s.Status != "ok" {
		t.Fatalf("a write the service answered as a no-op: %+v, want status ok (unchanged)", s)
	}
	if s := res.Tenants[0].Steps[3]; s.ID != "forced" || s.Status != "changed" {
		t.Fatalf("changed_when true: %+v, want status changed", s)
	}
	f, err := os.Open(filepath.Join(onlyRunDir(t, out), "writes.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type record struct {
		Tenant     string         `json:"tenant"`
		TenantID   string         `json:"tenant_id"`
		Step       string         `json:"step"`
		Cmdlet     string         `json:"cmdlet"`
		Identity   string         `json:"identity"`
		Outcome    string         `json:"outcome"`
		Parameters map[string]any `json:"parameters"`
		Attempts   int            `json:"attempts"`
		Started    *string        `json:"started"`
		Warnings   []string       `json:"warnings"`
	}
	var recs []record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	if len(recs) != 6 {
		t.Fatalf("%d ledger records, want 6", len(recs))
	}
	for _, r := range recs {
		want := "confirmed"
		if r.Step == "again" {
			want = "unchanged"
		}
		if r.Tenant != "contoso" || r.TenantID != res.Tenants[0].TenantID || r.TenantID == "" || r.Cmdlet != "Set-CASMailbox" ||
			r.Identity == "" || r.Parameters["Identity"] != r.Identity || r.Parameters["PopEnabled"] != false ||
			r.Outcome != want || r.Attempts != 1 || r.Started == nil {
			t.Errorf("ledger record %+v, want outcome %s with tenant id, identity, parameters, attempts and start time", r, want)
		}
		if want == "unchanged" && len(r.Warnings) == 0 {
			t.Errorf("the no-op warning is not in the ledger: %+v", r)
		}
	}
}
