package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/internal/emulator"
)

// TestShapeCheckOfTheEmulatorsOwnRecording: a recording of the emulator
// has zero differences from the emulator; the same recording edited by
// hand (a property's JSON type changed, an annotation dropped, a key
// renamed, an error's code key renamed) gives a readable line for each, and
// exit 3.
func TestShapeCheckOfTheEmulatorsOwnRecording(t *testing.T) {
	emu, ca := startEmulator(t, emulator.Options{})
	pb := remotePlaybook(t, emu, quickstartSteps(t)+"  - {id: missing, cmdlet: Get-Mailbox, parameters: {Identity: nobody-here}}\n")
	dir := filepath.Join(t.TempDir(), "cassettes")
	if code, _, stderr := runMain(t, "run", pb, "--ca-file", ca, "--out", t.TempDir(), "--progress", "none", "--record", dir); code != ExitStepFailed {
		t.Fatalf("recording run: exit %d, want 1 (the last step reads a mailbox that is not there)\n%s", code, stderr)
	}
	code, stdout, stderr := runMain(t, "cassette", "check", dir)
	if code != ExitOK || !strings.Contains(stdout, ", 0 difference(s)") || strings.Contains(stdout, " 0 exchange(s) compared") {
		t.Fatalf("check of the emulator's own recording: exit %d\n%s%s", code, stdout, stderr)
	}

	cas, _ := filepath.Glob(filepath.Join(dir, "*-Get-CASMailbox.json"))
	mbx, _ := filepath.Glob(filepath.Join(dir, "*-Get-Mailbox.json"))
	if len(cas) == 0 || len(mbx) == 0 {
		t.Fatalf("recording lacks the calls to edit: %v %v", cas, mbx)
	}
	edit(t, cas[0], func(body map[string]any) {
		delete(body, "adminapi.warnings@odata.type")
		for i, it := range body["value"].([]any) {
			o := it.(map[string]any)
			if i == 0 {
				o["PopEnabled"] = "true"
			}
			o["Identiti"] = o["Identity"]
			delete(o, "Identity")
		}
	})
	edit(t, mbx[0], func(body map[string]any) {
		e := body["error"].(map[string]any)
		e["errorCode"] = e["code"]
		delete(e, "code")
	})
	code, stdout, _ = runMain(t, "cassette", "check", dir)
	base := filepath.Base(cas[0])
	for _, want := range []string{
		base + " (Get-CASMailbox): 4 difference(s)",
		"$.adminapi.warnings@odata.type: only in the emulator's answer (string=#Collection(String))",
		"$.value[].Identiti: only in the cassette (string); the emulator does not answer it",
		"$.value[].Identity: only in the emulator's answer (string)",
		"$.value[].PopEnabled: JSON type: cassette boolean|string, emulator boolean",
		filepath.Base(mbx[0]) + " (Get-Mailbox): 2 difference(s)",
		"$.error.code: only in the emulator's answer (string)",
		"$.error.errorCode: only in the cassette (string)",
		", 6 difference(s)",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the check does not say %q:\n%s", want, stdout)
		}
	}
	if code != ExitNonCompliant {
		t.Errorf("exit %d with differences, want 3", code)
	}
}

// edit rewrites the response body of one cassette file.
func edit(t *testing.T, path string, f func(map[string]any)) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var x map[string]any
	if err := json.Unmarshal(b, &x); err != nil {
		t.Fatal(err)
	}
	f(x["response"].(map[string]any)["body"].(map[string]any))
	b, _ = json.MarshalIndent(x, "", "  ")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestShapeCheckRefusesAnEmptyDirectory: nothing to compare is bad input.
func TestShapeCheckRefusesAnEmptyDirectory(t *testing.T) {
	if code, _, stderr := runMain(t, "cassette", "check", t.TempDir()); code != ExitInvalid || !strings.Contains(stderr, "holds no cassette") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
}

// TestEmulatorReplayOfNothingIsBadInput: --replay of a directory without
// cassettes is exit 2 naming it, not a started emulator.
func TestEmulatorReplayOfNothingIsBadInput(t *testing.T) {
	dir := t.TempDir()
	if code, stdout, stderr := runMain(t, "emulator", "--replay", dir); code != ExitInvalid || stdout != "" || !strings.Contains(stderr, "--replay: "+dir+" holds no cassette") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
}
