package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFIFOCredentialFilesDoNotHang: a certificate_file or access_token_file
// naming a FIFO fails that tenant's sign-in at once, in run and preflight,
// instead of waiting for a writer for ever (auth read them with
// os.ReadFile; it now reads them by inputfile's rule, as the loader reads
// the playbook and connect the secret files and --ca-file).
func TestFIFOCredentialFilesDoNotHang(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"cert.pfx", "token"} {
		if err := syscall.Mkfifo(filepath.Join(dir, name), 0o600); err != nil {
			t.Skipf("no FIFOs here: %v", err)
		}
	}
	pb := filepath.Join(dir, "fifo.yaml")
	if err := os.WriteFile(pb, []byte(`version: 1
auth:
  cert: {method: certificate, client_id: 0e0e0e0e-de30-4a99-8c1e-00000000a001, certificate_file: cert.pfx}
  tok: {method: access_token, access_token_file: token}
tenants:
  - {name: by-cert, organization: contoso.onmicrosoft.com, environment: Emulator, auth: cert}
  - {name: by-token, organization: contoso.onmicrosoft.com, environment: Emulator, auth: tok}
steps:
  - cmdlet: Get-AcceptedDomain
`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"run", pb, "--out", t.TempDir(), "--progress", "none"},
		{"preflight", pb},
	} {
		code, stdout, stderr := runMainWithin(t, 30*time.Second, args...)
		if code != ExitAuthFailed {
			t.Errorf("%s: exit %d, want %d (no tenant could sign in)\n%s", args[0], code, ExitAuthFailed, stderr)
		}
		out := stdout + stderr
		for _, f := range []string{"cert.pfx", "token"} {
			want := filepath.Join(dir, f) + " is not a regular file (a named pipe)"
			if !strings.Contains(out, want) {
				t.Errorf("%s: output lacks %q:\n%s", args[0], want, out)
			}
		}
	}
}

// runMainWithin is mainWithin with stdout too.
func runMainWithin(t *testing.T, d time.Duration, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		code, stdout, stderr = runMain(t, args...)
	}()
	select {
	case <-done:
		return code, stdout, stderr
	case <-time.After(d):
		t.Fatalf("exoplay %v did not return within %s", args, d)
		return 0, "", ""
	}
}
