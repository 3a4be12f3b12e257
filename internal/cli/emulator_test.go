package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exoplay/exoplay/internal/connect"
	"github.com/exoplay/exoplay/internal/emulator"
)

// emuStderr is a goroutine-safe stderr sink.
type emuStderr struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *emuStderr) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *emuStderr) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestEmulatorCommandAnswersLikeTheREADME drives `exoplay emulator` as a user
// would with curl: read the JSON line, get a token with client_credentials,
// call InvokeCommand trusting the CA file, then stop it.
func TestEmulatorCommandAnswersLikeTheREADME(t *testing.T) {
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr emuStderr
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"emulator", "--tenant", "contoso", "--mailboxes", "4", "--ca-file", caFile, "--latency", "1ms"}, strings.NewReader(""), pw, &stderr)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no JSON line (%v); stderr: %s", err, stderr.String())
	}
	go io.Copy(io.Discard, pr)
	var info emulatorInfo
	if err := json.Unmarshal([]byte(line), &info); err != nil {
		t.Fatalf("stdout line is not JSON: %v: %q", err, line)
	}
	if len(info.Tenants) != 1 || info.Tenants[0].Domain != "contoso.onmicrosoft.com" || info.CAFile != caFile || info.DemoSecret == "" {
		t.Fatalf("info %+v", info)
	}
	// Only dialling and trust differ from the service: the URLs are its own.
	client, err := connect.Network{ConnectTo: []string{info.ConnectTo}, CAFile: caFile, Getenv: func(string) string { return "" }}.Client()
	if err != nil {
		t.Fatal(err)
	}
	defer client.CloseIdleConnections()

	// curl --connect-to $CONNECT_TO --cacert ca.pem -d grant_type=client_credentials ... https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token
	res, err := client.PostForm("https://login.microsoftonline.com/"+info.Tenants[0].Domain+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {info.DemoClientID}, "client_secret": {info.DemoSecret},
		"scope": {"https://outlook.office365.com/.default"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	if tok.AccessToken == "" {
		t.Fatalf("token endpoint: %d", res.StatusCode)
	}
	// curl --connect-to $CONNECT_TO --cacert ca.pem -H "Authorization: Bearer $TOKEN" -d '{"CmdletInput":...}' https://outlook.office365.com/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand
	req, _ := http.NewRequest("POST", "https://outlook.office365.com/adminapi/beta/"+info.Tenants[0].Domain+"/InvokeCommand",
		strings.NewReader(`{"CmdletInput":{"CmdletName":"Get-Mailbox","Parameters":{"ResultSize":"Unlimited"}}}`))
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	res, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var env struct {
		Value []map[string]any `json:"value"`
	}
	if res.StatusCode != 200 || json.Unmarshal(body, &env) != nil || len(env.Value) != 4 {
		t.Fatalf("InvokeCommand: %d %.300s", res.StatusCode, body)
	}
	if strings.Contains(stderr.String(), tok.AccessToken) || strings.Contains(stderr.String(), info.DemoSecret) {
		t.Error("a secret reached stderr")
	}
	cancel()
	select {
	case code := <-done:
		if code != ExitOK {
			t.Fatalf("exit %d; stderr: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("emulator did not stop on cancel")
	}
	if !strings.Contains(stderr.String(), "emulator listening") || !strings.Contains(stderr.String(), "emulator stopping") {
		t.Errorf("stderr: %s", stderr.String())
	}
}

func TestEmulatorCommandRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"emulator", "--faults", "teapot:1"},
		{"emulator", "--latency", "fast"},
		{"emulator", "--tenants", "2", "--tenant", "contoso"},
		{"emulator", "--scenario", filepath.Join(t.TempDir(), "missing.yaml")},
		{"emulator", "--rate", "lots"},
		{"emulator", "--tenants", "0"}, // was served with the default tenants
		{"emulator", "--tenants", "-1"},
	} {
		var out, errb bytes.Buffer
		// A flag wrongly accepted serves until cancelled: the test fails
		// (exit 0) instead of hanging.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		code := Main(ctx, args, strings.NewReader(""), &out, &errb)
		cancel()
		if code != ExitInvalid || out.Len() != 0 {
			t.Errorf("%v: exit %d stdout %q stderr %q", args, code, out.String(), errb.String())
		}
	}
}

func TestEmulatorFlagsOverrideScenario(t *testing.T) {
	scen := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(scen, []byte("seed: 3\nlatency: 5ms\ntenants: [{domain: a, mailboxes: 9}]\nconcurrency_cap: 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd, o := emulatorCommand(&streams{})
	if err := cmd.ParseFlags([]string{"--scenario", scen, "--tenants", "10", "--mailboxes", "4", "--latency", "1ms..2ms", "--faults", "500:first1",
		"--page-size", "7", "--retry-after", "3s", "--rate", "5/1s"}); err != nil {
		t.Fatal(err)
	}
	eo, err := emulatorOptionsFrom(cmd, o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if eo.Seed != 3 || eo.ConcurrencyCap != 2 || len(eo.Tenants) != 10 || eo.Tenants[0].Domain != "contoso" || eo.Tenants[9].Domain != "tenant010" ||
		eo.Tenants[5].Mailboxes != 4 || eo.Latency.Max != 2*time.Millisecond || len(eo.Faults.Rules) != 1 ||
		eo.PageSize != 7 || eo.RetryAfter != 3*time.Second || eo.RateBudget.Requests != 5 {
		t.Errorf("%+v", eo)
	}
	// Without flags the scenario stands.
	cmd, o = emulatorCommand(&streams{})
	cmd.ParseFlags([]string{"--scenario", scen})
	if eo, err = emulatorOptionsFrom(cmd, o, io.Discard); err != nil || len(eo.Tenants) != 1 || eo.Tenants[0].Mailboxes != 9 || eo.Latency.Fixed != 5*time.Millisecond ||
		eo.ConcurrencyCap != 2 || eo.Seed != 3 || eo.PageSize != 0 {
		t.Errorf("%+v %v", eo, err)
	}
	// --mailboxes alone sizes the emulator's default tenants.
	cmd, o = emulatorCommand(&streams{})
	cmd.ParseFlags([]string{"--mailboxes", "6"})
	eo, err = emulatorOptionsFrom(cmd, o, io.Discard)
	def := emulator.DefaultTenants()
	if err != nil || len(eo.Tenants) != len(def) || len(def) == 0 || eo.Tenants[0].Domain != def[0].Domain || eo.Tenants[len(def)-1].Mailboxes != 6 {
		t.Errorf("--mailboxes alone: %+v %v", eo.Tenants, err)
	}
}
