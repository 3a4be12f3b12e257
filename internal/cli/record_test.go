package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/internal/cassette"
	"github.com/exoplay/exoplay/internal/emulator"
)

// quickstartSteps are examples/quickstart.yaml's steps, for production
// playbooks (remotePlaybook) that reach an emulator by dialling.
func quickstartSteps(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../examples/quickstart.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, steps, ok := strings.Cut(string(b), "\nsteps:\n")
	if !ok {
		t.Fatal("examples/quickstart.yaml has no steps")
	}
	return steps
}

// readCassettes returns every cassette file of dir, concatenated.
func readCassettes(t *testing.T, dir string) (string, int) {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	var all strings.Builder
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		all.WriteString(n + "\n")
		all.Write(b)
	}
	return all.String(), len(names)
}

func compact(b []byte) string {
	var out bytes.Buffer
	if json.Compact(&out, b) != nil {
		return string(b)
	}
	return out.String()
}

var jwtLike = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.`)

// TestRecordRemovesSecrets: `run --record` writes the token requests and
// every InvokeCommand of the quickstart, and neither the client secret nor
// any token nor an Authorization value is in the cassettes; with
// --record-redact-pii no domain, address or tenant GUID of the tenants is
// left either.
func TestRecordRemovesSecrets(t *testing.T) {
	for _, pii := range []bool{false, true} {
		emu, ca := startEmulator(t, emulator.Options{}) // fresh: the run disables POP
		pb := remotePlaybook(t, emu, quickstartSteps(t))
		dir := filepath.Join(t.TempDir(), "cassettes")
		args := []string{"run", pb, "--ca-file", ca, "--out", t.TempDir(), "--progress", "none", "--record", dir}
		if pii {
			args = append(args, "--record-redact-pii")
		}
		code, _, stderr := runMain(t, args...)
		if code != ExitOK {
			t.Fatalf("run --record: exit %d\n%s", code, stderr)
		}
		all, n := readCassettes(t, dir)
		if want := fmt.Sprintf("exoplay: recorded %d exchange(s) in %s\n", n, dir); !strings.Contains(stderr, want) {
			t.Errorf("pii=%v: stderr does not say %q:\n%s", pii, want, stderr)
		}
		xs, err := cassette.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		cmdlets, tokens := map[string]int{}, 0
		for _, x := range xs {
			if c := cassette.Cmdlet(x.Request.Body); c != "" {
				cmdlets[c]++
			}
			if strings.HasSuffix(x.Request.URL, "/oauth2/v2.0/token") {
				tokens++
				if !strings.Contains(x.Request.BodyText, "client_secret=%5Bremoved%5D") || !strings.Contains(compact(x.Response.Body), `"access_token":"[removed]"`) {
					t.Errorf("token exchange %d does not show its secrets as removed:\n%s\n%s", x.Seq, x.Request.BodyText, x.Response.Body)
				}
			}
			if a := x.Request.Header.Get("Authorization"); a != "" && a != cassette.Removed {
				t.Errorf("exchange %d keeps Authorization %q", x.Seq, a)
			}
		}
		// 2 tenants: org config, accepted domains, 2 CAS reads; writes for every POP-enabled mailbox.
		if n != len(xs) || tokens != 2 || cmdlets["Get-OrganizationConfig"] != 2 || cmdlets["Get-CASMailbox"] != 4 || cmdlets["Set-CASMailbox"] == 0 {
			t.Fatalf("pii=%v: %d files, %d token exchanges, cmdlets %v; want every exchange of the quickstart", pii, n, tokens, cmdlets)
		}
		leaks := []string{emu.DemoSecret}
		if pii {
			for _, tn := range emu.Tenants() {
				leaks = append(leaks, tn.ID, tn.Domain, strings.SplitN(tn.Domain, ".", 2)[0]+".com", "admin@")
			}
		}
		for _, s := range leaks {
			if i := strings.Index(strings.ToLower(all), strings.ToLower(s)); i >= 0 {
				t.Errorf("pii=%v: %q is in the cassettes: …%s…", pii, s, all[max(0, i-200):i+len(s)])
			}
		}
		if m := jwtLike.FindString(all); m != "" {
			t.Errorf("pii=%v: a token is in the cassettes: %s…", pii, m)
		}
	}
}

// TestRecordRefusesAUsedDirectory: two recordings in one directory would
// replay neither; the second run is refused before it starts.
func TestRecordRefusesAUsedDirectory(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "000001-token.json"), []byte("{}"), 0o600)
	code, _, stderr := runMain(t, "run", "../../examples/quickstart.yaml", "--out", t.TempDir(), "--progress", "none", "--record", dir)
	if code != ExitInvalid || !strings.Contains(stderr, "already holds 1 cassettes") {
		t.Fatalf("exit %d, want 2 naming the used directory:\n%s", code, stderr)
	}
	if code, _, stderr := runMain(t, "run", "../../examples/quickstart.yaml", "--out", t.TempDir(), "--record-redact-pii"); code != ExitInvalid || !strings.Contains(stderr, "needs --record") {
		t.Fatalf("--record-redact-pii alone: exit %d\n%s", code, stderr)
	}
}
