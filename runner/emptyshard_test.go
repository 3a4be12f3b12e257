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
