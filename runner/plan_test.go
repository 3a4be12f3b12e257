package runner_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
	"github.com/exoplay/exoplay/runner"
)

func loadPlaybook(t *testing.T, yaml string) *playbook.Playbook {
	t.Helper()
	path := filepath.Join(t.TempDir(), "playbook.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	pb, err := playbook.Load(path, playbook.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return pb
}

func ids(steps []*runner.PlanStep) []string {
	var out []string
	for _, s := range steps {
		out = append(out, s.ID)
	}
	return out
}

func TestPlanMarksSelectionWritesAndRegisterDependencies(t *testing.T) {
	pb := loadPlaybook(t, `version: 1
name: deps
vars: {desired: false}
tenants:
  - {name: contoso, organization: contoso.onmicrosoft.com, environment: Emulator, groups: [eu]}
  - {name: fabrikam, organization: fabrikam.onmicrosoft.com, environment: Emulator}
steps:
  - {id: org, cmdlet: Get-OrganizationConfig, register: org, tags: [always]}
  - {id: cas, cmdlet: Get-CASMailbox, register: cas, tags: [always]}
  - id: fix
    cmdlet: Set-CASMailbox
    foreach: ${{ filter(cas, .PopEnabled) }}
    when: ${{ org[0].Name != "" }}
    parameters:
      Identity: ${{ item.Identity }}
      PopEnabled: ${{ desired }}
    tags: [remediate]
  - id: verify
    cmdlet: Get-CASMailbox
    assert:
      - id: A
        that: ${{ len(cas) >= 0 }}
`)
	p, err := runner.NewPlan(pb, runner.Selection{Limit: "eu", Tags: []string{"remediate"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Tenants) != 1 || p.Tenants[0].Name != "contoso" {
		t.Fatalf("tenants = %v, want contoso only", p.Tenants)
	}
	if got := ids(p.Selected()); len(got) != 3 || got[2] != "fix" {
		t.Fatalf("selected = %v, want [org cas fix]", got)
	}
	fix := p.Steps[2]
	if !fix.Write || p.Steps[0].Write {
		t.Fatal("writes not marked")
	}
	if got := ids(fix.Needs); len(got) != 2 || got[0] != "org" || got[1] != "cas" {
		t.Fatalf("fix needs %v, want [org cas] in step order", got)
	}
	if got := ids(fix.Unselected()); len(got) != 0 {
		t.Fatalf("fix reads registers of unselected steps %v, want none", got)
	}
	// Leaving the register steps out is the user's error, with the fix.
	_, err = runner.NewPlan(pb, runner.Selection{Tags: []string{"remediate"}, SkipTags: []string{"always"}})
	if err == nil || !strings.Contains(err.Error(), `step "fix" reads register "org"`) || !strings.Contains(err.Error(), "out of --skip-tags") {
		t.Fatalf("a selected step reading an unselected register: %v", err)
	}
	if got := ids(p.Steps[3].Needs); len(got) != 1 || got[0] != "cas" {
		t.Fatalf("an assertion's register read is a dependency: verify needs %v", got)
	}
	ts := p.Resolve(p.Tenants[0])
	params := map[string]runner.ResolvedParam{}
	for _, prm := range ts[2].Parameters {
		params[prm.Name] = prm
	}
	if v := params["PopEnabled"]; !v.Resolved || v.Value != false {
		t.Errorf("a var parameter resolves before running: %+v", v)
	}
	if v := params["Identity"]; v.Resolved {
		t.Errorf("an item parameter is known only while running: %+v", v)
	}
	if ts[2].When.Resolved || ts[2].Foreach.Resolved {
		t.Error("when/foreach that read registers cannot resolve before running")
	}
	if _, err := runner.NewPlan(pb, runner.Selection{Limit: "nosuchtenant"}); err == nil {
		t.Error("a --limit that matches nothing must be an error")
	}
}

// A shard that holds none of the selected tenants runs nothing and ends
// with exit 0 (exoplay merge needs its run), but says so on the log (stderr
// and exoplay.log) rather than finishing as if it had checked something.
func TestEmptyShardSaysSo(t *testing.T) {
	t.Parallel()
	e := startEnv(t, emulator.Options{}, `version: 1
name: shard
tenants:
  - {name: contoso, organization: contoso.onmicrosoft.com, environment: Emulator}
steps:
  - cmdlet: Get-OrganizationConfig
`)
	var empty playbook.Shard
	for i := 1; i <= 2 && empty.Count == 0; i++ {
		if sh := (playbook.Shard{Index: i, Count: 2}); !slices.Contains(sh.Members(e.pb.Tenants), true) {
			empty = sh
		}
	}
	res, rd := e.run(context.Background(), runner.Options{Plan: e.plan(runner.Selection{Shard: empty})}, "")
	if len(res.Tenants) != 0 || res.Summary.ExitCode != results.ExitOK {
		t.Fatalf("shard %s: %d tenants, exit %d", empty, len(res.Tenants), res.Summary.ExitCode)
	}
	log, err := os.ReadFile(filepath.Join(rd.Path(), results.LogFileName))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), `"level":"warn"`) || !strings.Contains(string(log), "shard "+empty.String()+" holds no tenant: nothing to run") {
		t.Errorf("no warning of the empty shard in the log:\n%s", log)
	}
}

// A rollout canary is picked among the shard's tenants: a shard that holds
// none of them is refused before anything runs, and the error names the
// shard as the cause (a sharded Job's other shards fail at once).
func TestCanaryOutsideTheShardIsRefused(t *testing.T) {
	pb := loadPlaybook(t, `version: 1
name: canary
settings: {rollout: {canary: pilot}}
tenants:
  - {name: contoso, organization: contoso.onmicrosoft.com, environment: Emulator, groups: [pilot]}
  - {name: fabrikam, organization: fabrikam.onmicrosoft.com, environment: Emulator}
  - {name: adatum, organization: adatum.onmicrosoft.com, environment: Emulator}
steps:
  - cmdlet: Get-OrganizationConfig
`)
	refused, others := 0, 0
	for i := 1; i <= 4; i++ {
		sh := playbook.Shard{Index: i, Count: 4}
		_, err := runner.NewPlan(pb, runner.Selection{Shard: sh})
		members := sh.Members(pb.Tenants)
		holdsCanary, holdsOthers := members[0], slices.Contains(members[1:], true)
		switch {
		case holdsCanary && err != nil:
			t.Errorf("shard %s holds the canary: %v", sh, err)
		case holdsOthers && !holdsCanary && (err == nil || !strings.Contains(err.Error(), "with --shard, each shard needs canary tenants of its own")):
			t.Errorf("shard %s without the canary: %v, want the refusal naming --shard", sh, err)
		case holdsOthers && !holdsCanary:
			refused++
		}
		if holdsOthers && !holdsCanary {
			others++
		}
	}
	if others == 0 || refused != others {
		t.Errorf("%d of %d shards without the canary refused", refused, others)
	}
}
