package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/exoplay/exoplay/notify"
	"github.com/exoplay/exoplay/results"
)

// webhook records the bodies posted to it and answers with code.
type webhook struct {
	mu     sync.Mutex
	code   int
	bodies []string
}

func (w *webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.bodies = append(w.bodies, string(b))
	if !strings.HasSuffix(r.URL.Path, "/Hook-Token-51c0") {
		rw.WriteHeader(http.StatusNotFound)
		return
	}
	rw.WriteHeader(w.code)
}

func (w *webhook) posts() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.bodies...)
}

// startWebhook serves on loopback (plain http is allowed there only; the
// notify package's own tests use TLS) and puts its address, with its token
// in the path as Slack's and Teams' have, in EXOPLAY_TEST_HOOK.
func startWebhook(t *testing.T, code int) (*webhook, string) {
	t.Helper()
	w := &webhook{code: code}
	srv := httptest.NewServer(w)
	t.Cleanup(srv.Close)
	url := srv.URL + "/services/T1/B2/Hook-Token-51c0"
	t.Setenv("EXOPLAY_TEST_HOOK", url)
	return w, url
}

const notifyBlock = `notify:
  url: ${{ env.EXOPLAY_TEST_HOOK }}
  retries: 0
`

func withNotify(t *testing.T, pb, block string) string {
	t.Helper()
	b, err := os.ReadFile(pb)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), "steps:\n", block+"steps:\n", 1)
	if err := os.WriteFile(pb, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return pb
}

// TestRunNotifies: the playbook's notify: posts the run's summary once it
// ends; the run's exit code and results are those of a run without it.
func TestRunNotifies(t *testing.T) {
	hook, _ := startWebhook(t, http.StatusOK)
	emu, ca := fleetEmulator(t, 3)
	pb := withNotify(t, remotePlaybook(t, emu, auditSteps), notifyBlock)
	out := t.TempDir()
	code, _, stderr := runMain(t, "run", pb, "--out", out, "--ca-file", ca, "--progress", "none")
	if code != ExitOK && code != ExitNonCompliant {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	posts := hook.posts()
	if len(posts) != 1 {
		t.Fatalf("%d posts, want 1\n%s", len(posts), stderr)
	}
	var s notify.Summary
	if err := json.Unmarshal([]byte(posts[0]), &s); err != nil {
		t.Fatal(err)
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "*"))
	res, err := results.ReadRunDir(dirs[0])
	if err != nil {
		t.Fatal(err)
	}
	if s.RunID != res.Run.ID || s.ExitCode != code || s.Tenants != res.Summary.Tenants || s.Results != filepath.Join(dirs[0], results.ResultsFile) {
		t.Fatalf("summary %+v does not describe the run %s (exit %d)", s, res.Run.ID, code)
	}
}

// TestNotifyNeverChangesTheExitCode: a webhook that fails is a warning that
// names it by host only; the exit code is the run's.
func TestNotifyNeverChangesTheExitCode(t *testing.T) {
	hook, url := startWebhook(t, http.StatusInternalServerError)
	emu, ca := fleetEmulator(t, 2)
	pb := remotePlaybook(t, emu, auditSteps)
	want, _, _ := runMain(t, "run", pb, "--out", t.TempDir(), "--ca-file", ca, "--progress", "none")
	code, _, stderr := runMain(t, "run", withNotify(t, pb, notifyBlock), "--out", t.TempDir(), "--ca-file", ca, "--progress", "none")
	if code != want || len(hook.posts()) != 1 {
		t.Fatalf("exit %d (without notify: %d), %d posts\n%s", code, want, len(hook.posts()), stderr)
	}
	host := strings.SplitN(strings.TrimPrefix(url, "http://"), "/", 2)[0]
	if !strings.Contains(stderr, "warning: notify http://"+host+"/…: attempt 1 of 1: the webhook answered 500") {
		t.Fatalf("no warning naming the webhook by host:\n%s", stderr)
	}
	if strings.Contains(stderr, "Hook-Token") {
		t.Fatalf("the webhook's token is on stderr:\n%s", stderr)
	}

	// on: failure and a run that passed: nothing is sent. (The emulator's
	// seeded config may fail the audit's assertion; a read-only step
	// without one passes.)
	hook.bodies = nil
	calm := withNotify(t, remotePlaybook(t, emu, "  - {name: Org, id: org, cmdlet: Get-OrganizationConfig}\n"), notifyBlock+"  on: failure\n")
	if code, _, stderr := runMain(t, "run", calm, "--out", t.TempDir(), "--ca-file", ca, "--progress", "none"); code != ExitOK || len(hook.posts()) != 0 {
		t.Fatalf("exit %d, %d posts for a passing run with on: failure\n%s", code, len(hook.posts()), stderr)
	}
}

// TestNotifyCarriesNoSecret runs with a client secret, a secret --var and
// --notify on the command line, and greps the posted body, stdout, stderr
// and results.json for them and for the webhook's token.
func TestNotifyCarriesNoSecret(t *testing.T) {
	const varSecret = "Var-Secret-Value-3b9c"
	emu, ca := fleetEmulator(t, 2)
	for _, format := range []string{"json", "teams", "slack"} {
		hook, url := startWebhook(t, http.StatusOK)
		out := t.TempDir()
		pb := remotePlaybook(t, emu, auditSteps)
		b, _ := os.ReadFile(pb)
		if err := os.WriteFile(pb, []byte(strings.Replace(string(b), "tenants:\n", "vars:\n  api_password: none\ntenants:\n", 1)), 0o600); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := runMain(t, "run", pb, "--out", out, "--ca-file", ca, "--progress", "none",
			"--var", "api_password="+varSecret, "--notify", url, "--notify-format", format)
		if code != ExitOK && code != ExitNonCompliant {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		posts := hook.posts()
		if len(posts) != 1 {
			t.Fatalf("%s: %d posts", format, len(posts))
		}
		dirs, _ := filepath.Glob(filepath.Join(out, "*"))
		resJSON, err := os.ReadFile(filepath.Join(dirs[0], results.ResultsFile))
		if err != nil {
			t.Fatal(err)
		}
		for what, text := range map[string]string{"body": posts[0], "stdout": stdout, "stderr": stderr, "results.json": string(resJSON)} {
			for _, secret := range []string{emu.DemoSecret, varSecret, "Hook-Token-51c0"} {
				if strings.Contains(text, secret) {
					t.Errorf("%s: the %s holds a secret (%.6s…)", format, what, secret)
				}
			}
		}
		if !strings.Contains(string(resJSON), `"--notify",`+"\n"+`      "[REDACTED]"`) {
			t.Errorf("%s: results.json argv does not redact --notify:\n%.600s", format, resJSON)
		}
	}
}

// TestShardsLeaveNotifyToTheMerge: a shard does not announce itself; the
// merge, which finds the playbook, announces the whole run once.
func TestShardsLeaveNotifyToTheMerge(t *testing.T) {
	hook, _ := startWebhook(t, http.StatusOK)
	emu, ca := fleetEmulator(t, 4)
	pb := withNotify(t, remotePlaybook(t, emu, auditSteps), notifyBlock)
	out := t.TempDir()
	for i := 1; i <= 2; i++ {
		if code, _, stderr := runMain(t, "run", pb, "--out", out, "--ca-file", ca, "--progress", "none", "--shard", fmt.Sprintf("%d/2", i)); code != ExitOK && code != ExitNonCompliant {
			t.Fatalf("shard %d: exit %d\n%s", i, code, stderr)
		}
	}
	if n := len(hook.posts()); n != 0 {
		t.Fatalf("the shards posted %d notifications", n)
	}
	merged := filepath.Join(t.TempDir(), "merged")
	code, _, stderr := runMain(t, "merge", out, "--out", merged)
	if code != ExitOK && code != ExitNonCompliant || len(hook.posts()) != 1 {
		t.Fatalf("merge: exit %d, %d posts\n%s", code, len(hook.posts()), stderr)
	}
	var s notify.Summary
	if err := json.Unmarshal([]byte(hook.posts()[0]), &s); err != nil || s.RunID != "merged" || s.Tenants.Total != 4 {
		t.Fatalf("merge's summary %+v, %v", s, err)
	}
}

// A webhook that is not an http(s) URL is bad input, said as such, without
// echoing the address (a webhook URL is a credential).
func TestNotifyRefusesANonHTTPWebhook(t *testing.T) {
	const hook = "ftp://hooks.example/secret-token-1234"
	code, _, stderr := runMain(t, "run", "../../examples/quickstart.yaml", "--out", t.TempDir(), "--progress", "none", "--notify", hook)
	if code != ExitInvalid || !strings.Contains(stderr, "must be an http:// or https:// URL") || strings.Contains(stderr, "secret-token-1234") {
		t.Fatalf("exit %d, want 2 naming both schemes and not the address:\n%s", code, stderr)
	}
}
