package runner_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/results"
	"github.com/exoplay/exoplay/runner"
)

// TestNoSecretInAnyOutput runs with a client secret from the environment, a
// secret --var, a failing sign-in and a check-mode write whose parameter is
// a password, then greps every file of the run directories and the stdout
// renderings for the secrets and for bearer tokens.
func TestNoSecretInAnyOutput(t *testing.T) {
	e := startEnv(t, emulator.Options{}, `version: 1
name: secrets
auth:
  app:
    method: client_secret
    client_id: 0e0e0e0e-de30-4a99-8c1e-00000000a001
    client_secret: ${{ env.EXOPLAY_TEST_SECRET }}
  wrong:
    method: client_secret
    client_id: 0e0e0e0e-de30-4a99-8c1e-00000000a001
    client_secret: ${{ env.EXOPLAY_TEST_WRONG_SECRET }}
tenants:
  - {name: contoso, organization: contoso.onmicrosoft.com, environment: Emulator, auth: app}
  - {name: fabrikam, organization: fabrikam.onmicrosoft.com, environment: Emulator, auth: wrong}
steps:
  - {name: Org, id: org, cmdlet: Get-OrganizationConfig}
  - {name: Mailboxes, id: mbx, cmdlet: Get-Mailbox, parameters: {ResultSize: 3}}
  - name: Reset a password
    id: reset
    cmdlet: Set-Mailbox
    when: ${{ run.check }}
    parameters: {Identity: "${{ tenant.name }}", Password: "${{ vars.api_password }}"}
`)
	const wrong = "Wrong-Secret-Value-4f1e"
	const varSecret = "Var-Secret-Value-77aa"
	t.Setenv("EXOPLAY_TEST_SECRET", e.emu.DemoSecret)
	t.Setenv("EXOPLAY_TEST_WRONG_SECRET", wrong)
	secrets := []string{e.emu.DemoSecret, wrong, varSecret}

	argv := []string{"exoplay", "run", "secrets.yaml", "--var", "api_password=" + varSecret}
	var stdout bytes.Buffer
	for _, check := range []bool{false, true} {
		rd, err := results.Create(e.out, e.pb.Name, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		log := zerolog.New(rd.LogFile()).Level(zerolog.DebugLevel)
		res, err := runner.Run(context.Background(), runner.Options{
			Plan: e.plan(runner.Selection{Vars: map[string]any{"api_password": varSecret}}),
			Dir:  rd, Connector: e.connector(), Logger: log, Argv: argv, Check: check,
		})
		if err != nil {
			t.Fatal(err)
		}
		rd.Close()
		if got := tenantOf(t, res, "contoso").Status; got != results.StatusOK {
			t.Fatalf("contoso did not run (%s): the test would prove nothing", got)
		}
		if f := tenantOf(t, res, "fabrikam"); f.Error == nil || f.Error.Category != "auth" {
			t.Fatalf("fabrikam: %+v, want a sign-in failure", f.Error)
		}
		if check {
			wr := stepOf(t, tenantOf(t, res, "contoso"), "reset").WouldRun
			if len(wr) != 1 || wr[0].Parameters["Password"] != results.Redacted {
				t.Fatalf("would_run: %+v", wr)
			}
		}
		results.WriteSummary(&stdout, res, rd.Path())
		results.WriteJSON(&stdout, res)
		results.WriteJSONL(&stdout, res)
	}

	files := 0
	err := filepath.WalkDir(e.out, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		checkNoSecret(t, path, b, secrets)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 8 {
		t.Fatalf("only %d files in the run directories", files)
	}
	checkNoSecret(t, "stdout", stdout.Bytes(), secrets)
	if !strings.Contains(stdout.String(), "api_password="+results.Redacted) {
		t.Error("argv in results is not shown redacted")
	}
}

func checkNoSecret(t *testing.T, name string, b []byte, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if bytes.Contains(b, []byte(s)) {
			t.Errorf("%s contains a secret", name)
		}
	}
	// A JWT (bearer token) starts with the base64 of `{"`.
	if bytes.Contains(b, []byte("eyJ")) {
		t.Errorf("%s contains what looks like a token", name)
	}
}
