package examples_test

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/baseline"
	"github.com/exoplay/exoplay/internal/cli"
	"github.com/exoplay/exoplay/playbook"
)

// wantExit is what each emulator example must end with on freshly seeded
// data: the audit finds the forwarding the emulator seeds on purpose.
var wantExit = map[string]int{
	"quickstart.yaml":                   cli.ExitOK,
	"modern-auth.yaml":                  cli.ExitOK,
	"msp-disable-legacy-protocols.yaml": cli.ExitOK,
	"audit-external-forwarding.yaml":    cli.ExitNonCompliant,
	"audit-baseline.yaml":               cli.ExitNonCompliant,
	"ensure-pop-off.yaml":               cli.ExitOK,
}

// TestExamplesRun runs every example that targets the emulator end to end,
// through the CLI, as `exoplay run FILE --format json` would.
func TestExamplesRun(t *testing.T) {
	examples := emulatorExamples(t)
	for _, f := range slices.Sorted(maps.Keys(examples)) {
		pb := examples[f]
		t.Run(f, func(t *testing.T) {
			want, ok := wantExit[f]
			if !ok {
				t.Fatalf("new example %s: add its expected exit code to wantExit", f)
			}
			var stdout, stderr bytes.Buffer
			out := t.TempDir()
			code := cli.Main(context.Background(), []string{"run", f, "--out", out, "--progress", "none", "--format", "json"}, strings.NewReader(""), &stdout, &stderr)
			if code != want {
				t.Fatalf("exit %d, want %d\nstderr:\n%s\nstdout:\n%s", code, want, stderr.String(), stdout.String())
			}
			var res struct {
				Summary struct {
					ExitCode int `json:"exit_code"`
				} `json:"summary"`
				Tenants []struct {
					Name   string `json:"name"`
					Status string `json:"status"`
				} `json:"tenants"`
			}
			if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
				t.Fatalf("stdout is not the results document: %v", err)
			}
			if res.Summary.ExitCode != want || len(res.Tenants) != len(pb.Tenants) {
				t.Fatalf("results: exit_code %d, %d tenants; want %d and %d", res.Summary.ExitCode, len(res.Tenants), want, len(pb.Tenants))
			}
			dirs, _ := filepath.Glob(filepath.Join(out, "*"))
			if len(dirs) != 1 {
				t.Fatalf("want one run directory, got %v", dirs)
			}
			for _, name := range []string{"results.json", "events.jsonl", "exoplay.log"} {
				if _, err := os.Stat(filepath.Join(dirs[0], name)); err != nil {
					t.Errorf("run directory lacks %s", name)
				}
			}
		})
	}
	if len(examples) < 4 {
		t.Fatalf("only %d examples target the emulator; want at least 4", len(examples))
	}
}

// emulatorExamples loads every example (includes resolve to the shipped
// baselines, as the CLI resolves them) and returns, by file name, those
// whose tenants are all in the Emulator environment.
func emulatorExamples(t *testing.T) map[string]*playbook.Playbook {
	t.Helper()
	files, _ := filepath.Glob("*.yaml")
	out := map[string]*playbook.Playbook{}
	for _, f := range files {
		pb, err := playbook.Load(f, playbook.LoadOptions{Include: baseline.Include})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if !slices.ContainsFunc(pb.Tenants, func(tn *playbook.Tenant) bool { return tn.Environment != playbook.EnvironmentEmulator }) {
			out[f] = pb
		}
	}
	return out
}

// TestExamplesRunWithTagsRemediate runs every emulator example that has
// remediate steps with `--tags remediate`, as the docs suggest: the steps
// whose registers the remediation reads are tagged always, so the run does
// its writes instead of skipping them on an empty register.
func TestExamplesRunWithTagsRemediate(t *testing.T) {
	examples := emulatorExamples(t)
	ran := 0
	for _, f := range slices.Sorted(maps.Keys(examples)) {
		if !slices.ContainsFunc(examples[f].Steps, func(st *playbook.Step) bool { return st.Write && slices.Contains(st.Tags, "remediate") }) {
			continue
		}
		ran++
		t.Run(f, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := cli.Main(context.Background(), []string{"run", f, "--tags", "remediate", "--out", t.TempDir(), "--progress", "none", "--format", "json"}, strings.NewReader(""), &stdout, &stderr)
			if code != cli.ExitOK {
				t.Fatalf("exit %d\nstderr:\n%s", code, stderr.String())
			}
			var res struct {
				Tenants []struct {
					Steps []struct {
						ID     string `json:"id"`
						Write  bool   `json:"write"`
						Status string `json:"status"`
					} `json:"steps"`
				} `json:"tenants"`
			}
			if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
				t.Fatal(err)
			}
			changed := 0
			for _, tn := range res.Tenants {
				for _, st := range tn.Steps {
					if st.Write && st.Status == "changed" {
						changed++
					}
				}
			}
			if changed == 0 {
				t.Fatalf("--tags remediate changed nothing:\n%s", stdout.String())
			}
		})
	}
	if ran < 3 {
		t.Fatalf("only %d examples have remediate writes; want 3", ran)
	}
}
