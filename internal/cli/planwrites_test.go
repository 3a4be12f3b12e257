package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/results"
)

func readPlanFile(t *testing.T, path string) (reviewedPlan, string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rp reviewedPlan
	if err := json.Unmarshal(b, &rp); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	return rp, string(b)
}

// ledgerPath is the write ledger of the one run directory under out.
func ledgerPath(t *testing.T, out string) string {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(out, "*", results.WritesFile))
	if len(paths) != 1 {
		t.Fatalf("want one %s under %s, have %v", results.WritesFile, out, paths)
	}
	return paths[0]
}

// ledgerOf reads the write ledger of the one run directory under out.
func ledgerOf(t *testing.T, out string) []results.WriteRecord {
	t.Helper()
	b, err := os.ReadFile(ledgerPath(t, out))
	if err != nil {
		t.Fatal(err)
	}
	var recs []results.WriteRecord
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r results.WriteRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		recs = append(recs, r)
	}
	return recs
}

// TestPlanCheckReadsListsTheQuickstartsWrites: plan --check-reads signs in
// and reads (the quickstart's emulator), lists each Set-CASMailbox write it
// would send, and run --plan over the same state sends exactly those.
func TestPlanCheckReadsListsTheQuickstartsWrites(t *testing.T) {
	const pb = "../../examples/quickstart.yaml"
	planFile := filepath.Join(t.TempDir(), "plan.json")
	code, stdout, stderr := runMain(t, "plan", pb, "--check-reads", "--out", planFile)
	if code != ExitOK {
		t.Fatalf("plan --check-reads: exit %d\n%s", code, stderr)
	}
	rp, _ := readPlanFile(t, planFile)
	if !rp.WritesChecked || len(rp.Writes) == 0 {
		t.Fatalf("plan lists no writes: %+v", rp)
	}
	for _, w := range rp.Writes {
		if w.Step != "disable-pop" || w.Cmdlet != "Set-CASMailbox" || w.Identity == "" || w.Parameters["PopEnabled"] != false {
			t.Errorf("unexpected planned write %+v", w)
		}
		if !strings.Contains(stdout, w.Tenant+"  disable-pop  Set-CASMailbox  ") || !strings.Contains(stdout, w.Identity) {
			t.Errorf("text output does not list %s %s:\n%s", w.Tenant, w.Identity, stdout)
		}
	}
	// --format json carries the same writes (the reads ran for them).
	code, stdout, stderr = runMain(t, "plan", pb, "--check-reads", "--format", "json")
	var doc struct {
		WritesChecked bool           `json:"writes_checked"`
		Writes        []plannedWrite `json:"writes"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); code != ExitOK || err != nil {
		t.Fatalf("plan --check-reads --format json: exit %d, %v\n%s", code, err, stderr)
	}
	if !doc.WritesChecked || !reflect.DeepEqual(doc.Writes, rp.Writes) {
		t.Errorf("--format json lists %d writes (checked %v), the plan file %d", len(doc.Writes), doc.WritesChecked, len(rp.Writes))
	}

	out := t.TempDir()
	if code, _, stderr := runMain(t, "run", pb, "--plan", planFile, "--out", out, "--progress", "none"); code != ExitOK {
		t.Fatalf("run --plan: exit %d\n%s", code, stderr)
	}
	sent := map[string]bool{}
	for _, r := range ledgerOf(t, out) {
		if r.Outcome != results.WriteConfirmed {
			t.Errorf("ledger: %+v", r)
		}
		sent[r.Tenant+"/"+r.Identity] = true
	}
	if len(sent) != len(rp.Writes) {
		t.Errorf("sent %d writes, the plan lists %d", len(sent), len(rp.Writes))
	}
	for _, w := range rp.Writes {
		if !sent[w.Tenant+"/"+w.Identity] {
			t.Errorf("planned write to %s/%s not sent", w.Tenant, w.Identity)
		}
	}
}

// TestRunPlanBlocksAWriteNotInThePlan: a mailbox gets POP on after the
// plan was reviewed; run --plan sends the planned writes, blocks the new
// one (not sent: the emulator's write counter), exits 1, and reports it in
// the results and the ledger. A second run, where the planned writes are
// no longer needed, reports them and is not an error.
func TestRunPlanBlocksAWriteNotInThePlan(t *testing.T) {
	emu, ca := startEmulator(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com"}}})
	writes := func() int {
		n := 0
		for _, tc := range emu.Counters().Tenants {
			n += len(tc.Writes)
		}
		return n
	}
	// toggle sets PopEnabled to on on the first mailbox whose POP is not on,
	// through another run.
	toggle := func(on bool) {
		t.Helper()
		pb := remotePlaybook(t, emu, fmt.Sprintf(`  - id: cas
    cmdlet: Get-CASMailbox
    parameters: {ResultSize: Unlimited}
    select: [Identity, PopEnabled]
    register: cas
  - id: toggle
    cmdlet: Set-CASMailbox
    foreach: ${{ filter(cas, .PopEnabled != %[1]t)[:1] }}
    parameters: {Identity: "${{ item.Identity }}", PopEnabled: %[1]t}
`, on))
		before := writes()
		if code, stdout, stderr := runMain(t, "run", pb, "--ca-file", ca, "--out", t.TempDir(), "--progress", "none"); code != ExitOK || writes() != before+1 {
			t.Fatalf("setting POP %t on a mailbox: exit %d, %d writes\n%s\n%s", on, code, writes()-before, stdout, stderr)
		}
	}
	toggle(false) // the generated mailboxes all have POP on

	pb := remotePlaybook(t, emu, popSteps)
	planFile := filepath.Join(t.TempDir(), "plan.json")
	if code, _, stderr := runMain(t, "plan", pb, "--check-reads", "--out", planFile, "--ca-file", ca); code != ExitOK {
		t.Fatalf("plan --check-reads: exit %d\n%s", code, stderr)
	}
	rp, raw := readPlanFile(t, planFile)
	if len(rp.Writes) == 0 || writes() != 1 {
		t.Fatalf("plan: %d planned writes, %d sent", len(rp.Writes), writes()-1)
	}
	if strings.Contains(raw, emu.DemoSecret) {
		t.Fatal("plan.json holds the client secret")
	}

	// After the review, the mailbox whose POP was off gets it on: the run
	// would write to a mailbox the plan does not list.
	toggle(true)
	start := writes()

	out := t.TempDir()
	code, stdout, stderr := runMain(t, "run", pb, "--plan", planFile, "--ca-file", ca, "--out", out, "--progress", "none", "--format", "json")
	if code != ExitStepFailed {
		t.Errorf("run --plan with a write not in the plan: exit %d, want %d\n%s", code, ExitStepFailed, stderr)
	}
	if got := writes() - start; got != len(rp.Writes) {
		t.Errorf("sent %d writes, want the %d planned ones only", got, len(rp.Writes))
	}
	var blocked []results.WriteRecord
	for _, r := range ledgerOf(t, out) {
		if r.Outcome == results.WriteBlocked {
			blocked = append(blocked, r)
		}
	}
	if len(blocked) != 1 || blocked[0].Error == nil || blocked[0].Error.Code != results.CodeNotInPlan || blocked[0].Started != nil {
		t.Fatalf("ledger: want one blocked write, have %+v", blocked)
	}
	for _, w := range rp.Writes {
		if w.Identity == blocked[0].Identity {
			t.Errorf("the blocked write %s is in the plan", w.Identity)
		}
	}
	if !strings.Contains(stdout, `"not_in_plan"`) || !strings.Contains(stdout, `"blocked": 1`) {
		t.Errorf("results do not report the blocked write:\n%.3000s", stdout)
	}

	// Again: the planned writes are done, the blocked one still is not
	// planned. The planned ones are reported as not made.
	before := writes()
	out = t.TempDir()
	code, _, stderr = runMain(t, "run", pb, "--plan", planFile, "--ca-file", ca, "--out", out, "--progress", "none")
	if code != ExitStepFailed || writes() != before || strings.Count(stderr, "planned write not made") != len(rp.Writes) {
		t.Errorf("second run: exit %d, %d writes sent, want the %d planned writes reported:\n%s", code, writes()-before, len(rp.Writes), stderr)
	}
	res, err := results.ReadRunDir(filepath.Dir(ledgerPath(t, out)))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(res); strings.Count(string(b), "planned write not made") != len(rp.Writes) {
		t.Errorf("results.json does not report the %d planned writes not made", len(rp.Writes))
	}
	if code, stdout, stderr := runMain(t, "verify", filepath.Dir(ledgerPath(t, out))); code != ExitOK {
		t.Errorf("verify after results.json was written again: exit %d\n%s%s", code, stdout, stderr)
	}
}
