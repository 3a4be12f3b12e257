package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/internal/emulator"
)

// runVolatile are the result keys that differ between any two runs: times,
// durations, where the run directory is and how the command was called.
var runVolatile = map[string]bool{"started": true, "finished": true, "duration_seconds": true, "duration_ms": true,
	"dir": true, "argv": true, "at": true}

// stable drops runVolatile keys (and the run id) from a results document.
func stable(t *testing.T, doc string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatalf("results: %v\n%s", err, doc)
	}
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k := range x {
				if runVolatile[k] || strings.HasSuffix(k, "_at") {
					delete(x, k)
				} else {
					x[k] = walk(x[k])
				}
			}
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
		}
		return v
	}
	v = walk(v)
	if run, ok := v.(map[string]any)["run"].(map[string]any); ok {
		delete(run, "id")
	}
	return v
}

// dataFiles reads data/<tenant>/<step>.jsonl of the one run under out.
func runDataFiles(t *testing.T, out string) map[string]string {
	t.Helper()
	runs, _ := filepath.Glob(filepath.Join(out, "*", "data"))
	if len(runs) != 1 {
		t.Fatalf("want one run directory with data under %s, got %v", out, runs)
	}
	files := map[string]string{}
	filepath.WalkDir(runs[0], func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(runs[0], p)
			files[rel] = string(b)
		}
		return err
	})
	return files
}

// TestRecordReplayRoundTripsTheQuickstart: the quickstart recorded against
// the emulator and replayed by a fresh emulator in replay mode gives the
// same results (minus times, run ids and durations) and the same data files
// byte for byte; the replaying emulator's own directory is never asked
// (its mailboxes still have POP on), and a call that was not recorded
// answers 501 naming the cmdlet and parameters.
func TestRecordReplayRoundTripsTheQuickstart(t *testing.T) {
	_, rep, ca := roundTrip(t, quickstartSteps(t))
	// A call nobody recorded: a clear 501 naming it.
	other := remotePlaybook(t, rep, "  - {id: mbx, cmdlet: Get-Mailbox, parameters: {Identity: nobody}}\n")
	code, res, stderr := runMain(t, "run", other, "--ca-file", ca, "--out", t.TempDir(), "--progress", "none", "--format", "json")
	if code != ExitStepFailed || !strings.Contains(res, `no cassette answers Get-Mailbox {\"Identity\":\"nobody\"}`) || !strings.Contains(res, "501") {
		t.Fatalf("an unrecorded call: exit %d, want 1 and a 501 naming Get-Mailbox and its parameters:\n%s\n%s", code, res, stderr)
	}
}

// TestRecordReplayPagingAndBatch: the same round trip with pages of 7 (the
// replay answers each continuation from the recorded $skiptoken) and the
// writes sent as $batch calls of 5 (the replay answers their items).
func TestRecordReplayPagingAndBatch(t *testing.T) {
	cassettes, _, _ := roundTrip(t, `  - {id: cas, cmdlet: Get-CASMailbox, parameters: {ResultSize: Unlimited}, register: cas}
  - id: off
    cmdlet: Set-CASMailbox
    foreach: ${{ filter(cas, .PopEnabled) }}
    batch: 5
    parameters: {Identity: "${{ item.Identity }}", PopEnabled: false}
  - {id: again, cmdlet: Get-CASMailbox, parameters: {ResultSize: Unlimited}, select: [Identity, PopEnabled]}
settings:
  page_size: 7
`)
	names, _ := filepath.Glob(filepath.Join(cassettes, "*.json"))
	pages, batches := 0, 0
	for _, n := range names {
		b, _ := os.ReadFile(n)
		if strings.Contains(string(b), `"url": "https://outlook.office365.com/adminapi/beta/`) && strings.Contains(string(b), "$skiptoken=") && strings.Contains(n, "Get-CASMailbox") {
			pages++
		}
		if strings.HasSuffix(n, "-batch.json") {
			batches++
		}
	}
	if pages < 2*2*3 || batches < 2 {
		t.Fatalf("the recording has %d continuation pages and %d $batch calls; the test proves nothing of them", pages, batches)
	}
	// The shape check follows the emulator's own next links for the
	// recorded continuation pages and re-sends the $batch calls.
	code, stdout, stderr := runMain(t, "cassette", "check", cassettes)
	if code != ExitOK || !strings.Contains(stdout, ", 0 difference(s)") || strings.Contains(stdout, "continuation") {
		t.Fatalf("shape check of a paged, batched recording: exit %d\n%s%s", code, stdout, stderr)
	}
}

// roundTrip records steps against one emulator, replays them with another
// in replay mode, and compares; it returns the cassettes' directory and the
// replaying emulator with its CA file.
func roundTrip(t *testing.T, steps string) (string, *emulator.Emulator, string) {
	t.Helper()
	rec, ca := startEmulator(t, emulator.Options{})
	pb := remotePlaybook(t, rec, steps)
	cassettes := filepath.Join(t.TempDir(), "cassettes")
	out1 := t.TempDir()
	code, recorded, stderr := runMain(t, "run", pb, "--ca-file", ca, "--out", out1, "--progress", "none", "--format", "json", "--record", cassettes)
	if code != ExitOK {
		t.Fatalf("recording run: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(recorded, `"Set-CASMailbox"`) {
		t.Fatalf("the recording run wrote nothing; the test proves little:\n%s", recorded)
	}

	rep, ca2 := startEmulator(t, emulator.Options{Replay: cassettes})
	before := popEnabled(t, rep)
	out2 := t.TempDir()
	code, replayed, stderr := runMain(t, "run", pb, "--ca-file", ca2, "--out", out2, "--progress", "none", "--format", "json")
	if code != ExitOK {
		t.Fatalf("replayed run: exit %d\n%s", code, stderr)
	}
	if a, b := stable(t, recorded), stable(t, replayed); !reflect.DeepEqual(a, b) {
		ja, _ := json.MarshalIndent(a, "", " ")
		jb, _ := json.MarshalIndent(b, "", " ")
		t.Fatalf("replayed results differ from the recorded run's:\nrecorded %s\nreplayed %s", ja, jb)
	}
	d1, d2 := runDataFiles(t, out1), runDataFiles(t, out2)
	if len(d1) == 0 || !reflect.DeepEqual(d1, d2) {
		t.Fatalf("data files differ:\nrecorded %v\nreplayed %v", d1, d2)
	}
	if after := popEnabled(t, rep); !reflect.DeepEqual(before, after) || len(after) == 0 {
		t.Fatalf("the replaying emulator's directory changed (%v -> %v): answers did not come from the cassettes", before, after)
	}

	return cassettes, rep, ca2
}
