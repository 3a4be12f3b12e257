package runner_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/results"
	"github.com/exoplay/exoplay/runner"
)

// spillYAML registers full mailboxes (no select) and reads the register
// every way a playbook can: foreach with a per-item when, len and indexing
// in when and assert, and a filter (which reads it whole).
const spillYAML = `version: 1
name: spill
settings: {register_memory_mib: %d}
tenants:
  - {name: contoso, organization: contoso.onmicrosoft.com, environment: Emulator}
steps:
  - id: all
    cmdlet: Get-CASMailbox
    parameters: {ResultSize: Unlimited}
    register: mbx
    assert:
      - id: SOME
        that: ${{ len(result) > 2 && result[0].Identity != "" && result[-1].Identity != result[0].Identity }}
  - id: pop
    cmdlet: Set-CASMailbox
    foreach: ${{ mbx }}
    when: ${{ item.PopEnabled }}
    parameters: {Identity: "${{ item.Identity }}", PopEnabled: false}
  - id: again
    cmdlet: Get-CASMailbox
    when: "${{ len(mbx) > 1 && mbx[1].Identity != '' && count(mbx, .PopEnabled) > 0 }}"
    parameters: {Identity: "${{ mbx[0].Identity }}"}
`

// A register kept on disk (register_memory_mib: 0) gives the run exactly
// what the same register in memory gives.
func TestRegisterOnDiskReadsLikeInMemory(t *testing.T) {
	t.Parallel()
	run := func(mib int) ([]string, *results.Results, string) {
		e := startEnv(t, emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com", Mailboxes: 60}}},
			fmt.Sprintf(spillYAML, mib))
		res, rd := e.run(context.Background(), runner.Options{}, "")
		log, err := os.ReadFile(filepath.Join(rd.Path(), results.LogFileName))
		if err != nil {
			t.Fatal(err)
		}
		return writtenIDs(e, "contoso.onmicrosoft.com"), res, string(log)
	}
	memIDs, memRes, memLog := run(64)
	diskIDs, diskRes, diskLog := run(0)
	if strings.Contains(memLog, "register kept on disk") || !strings.Contains(diskLog, "register kept on disk") {
		t.Fatalf("register_memory_mib 64 kept it on disk: %v; 0 kept it on disk: %v",
			strings.Contains(memLog, "register kept on disk"), strings.Contains(diskLog, "register kept on disk"))
	}
	if len(memIDs) == 0 {
		t.Fatal("no POP mailbox in the seed: the test needs some")
	}
	slices.Sort(memIDs)
	slices.Sort(diskIDs)
	if !slices.Equal(memIDs, diskIDs) {
		t.Errorf("writes: %d in memory, %d on disk\n%v\n%v", len(memIDs), len(diskIDs), memIDs, diskIDs)
	}
	for _, id := range []string{"all", "pop", "again"} {
		m, d := stepOf(t, tenantOf(t, memRes, "contoso"), id), stepOf(t, tenantOf(t, diskRes, "contoso"), id)
		if m.Status != d.Status || fmt.Sprint(m.Items) != fmt.Sprint(d.Items) || fmt.Sprint(m.Error) != fmt.Sprint(d.Error) {
			t.Errorf("step %s: in memory %s %v %v, on disk %s %v %v", id, m.Status, m.Items, m.Error, d.Status, d.Items, d.Error)
		}
		if len(m.Assertions) != len(d.Assertions) || len(m.Assertions) > 0 && m.Assertions[0].Result != d.Assertions[0].Result {
			t.Errorf("step %s assertions: %+v in memory, %+v on disk", id, m.Assertions, d.Assertions)
		}
	}
	if s := stepOf(t, tenantOf(t, diskRes, "contoso"), "again"); s.Status != results.StatusOK {
		t.Errorf("again: %s %v %s", s.Status, s.Error, s.Reason)
	}
	if a := stepOf(t, tenantOf(t, diskRes, "contoso"), "all").Assertions; len(a) != 1 || a[0].Result != results.ResultPass {
		t.Errorf("assert over the list on disk: %+v", a)
	}
}

// A resume reads a register kept on disk back from its data file (as a
// List, not into memory) and finishes the foreach over it; a short data
// file is refused as for a register held in memory.
func TestResumeOverARegisterOnDisk(t *testing.T) {
	t.Parallel()
	yaml := strings.Replace(popYAML, "name: disable-pop\n", "name: disable-pop\nsettings: {register_memory_mib: 0}\n", 1)
	e := startEnv(t, emulator.Options{
		Tenants: []emulator.TenantSpec{{Domain: "contoso.onmicrosoft.com", Mailboxes: 120}, {Domain: "fabrikam.onmicrosoft.com", Mailboxes: 120}},
		Latency: emulator.LatencySpec{Fixed: 2 * time.Millisecond},
	}, yaml)
	want := popOn(t, e, "contoso")
	_, rd := interruptAfter(t, e, 12)
	res, _ := e.run(context.Background(), runner.Options{}, rd.Path())
	if res.Summary.ExitCode != results.ExitOK {
		t.Fatalf("resume: exit %d", res.Summary.ExitCode)
	}
	if s := stepOf(t, tenantOf(t, res, "contoso"), "disable-pop"); s.Items == nil || s.Items.Changed+s.Items.OK != len(want) {
		t.Fatalf("disable-pop after the resume: %+v, want %d items done", s.Items, len(want))
	}
	got := writtenIDs(e, "contoso.onmicrosoft.com")
	slices.Sort(got)
	got = slices.Compact(got) // a write in flight at the interrupt is sent again (unchanged)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("written %v, want %v", got, want)
	}
	log, _ := os.ReadFile(filepath.Join(rd.Path(), results.LogFileName))
	if !strings.Contains(string(log), "register kept on disk") {
		t.Error("the register was not kept on disk")
	}
}
