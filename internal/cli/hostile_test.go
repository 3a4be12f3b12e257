package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mainWithin runs exoplay in-process and fails the test if it has not
// returned within d (a hang is the bug these tests guard against).
func mainWithin(t *testing.T, d time.Duration, args ...string) (int, string) {
	t.Helper()
	type res struct {
		code   int
		stderr string
	}
	done := make(chan res, 1)
	go func() {
		code, _, stderr := runMain(t, args...)
		done <- res{code, stderr}
	}()
	select {
	case r := <-done:
		return r.code, r.stderr
	case <-time.After(d):
		t.Fatalf("exoplay %v did not return within %s", args, d)
		return 0, ""
	}
}

// TestHostilePlaybooksAreRefusedNotFatal: the hostile inputs of issue 14
// item 7 end in exit 2 with a message naming the place, not in a stack
// overflow or a hang.
func TestHostilePlaybooksAreRefusedNotFatal(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	head := "version: 1\ntenants: [{name: c, organization: contoso.onmicrosoft.com, environment: Emulator}]\n"
	fifo := filepath.Join(dir, "tenants.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	cases := []struct{ name, file, want string }{
		{"1 MB of !", write("bang.yaml", head+"steps:\n  - cmdlet: Get-Mailbox\n    when: \"${{ "+strings.Repeat("!", 1<<20)+"true }}\"\n"),
			`bang.yaml:5:15: expression is 1048582 bytes long; the limit is 16384`},
		{"10,000 !", write("bang10k.yaml", head+"steps:\n  - cmdlet: Get-Mailbox\n    when: \"${{ "+strings.Repeat("!", 10000)+"true }}\"\n"),
			`bang10k.yaml:5:15: expression has 10000 prefix operators in a row; the limit is 64`},
		{"deep parentheses", write("parens.yaml", head+"steps:\n  - cmdlet: Get-Mailbox\n    when: \"${{ "+strings.Repeat("(", 5000)+"true"+strings.Repeat(")", 5000)+" }}\"\n"),
			`expression nests brackets 5000 deep; the limit is 64`},
		{"ternary chain", write("ternary.yaml", head+"steps:\n  - cmdlet: Get-Mailbox\n    when: \"${{ "+strings.Repeat("true ? true : ", 1000)+"true }}\"\n"),
			`expression has 1000 ternaries and powers`},
		{"FIFO inventory", write("fifo.yaml", head+"inventory: [tenants.csv]\nsteps:\n  - cmdlet: Get-Mailbox\n"),
			`fifo.yaml:3:13: cannot read inventory file "tenants.csv": ` + fifo + ` is not a regular file (a named pipe)`},
		{"FIFO playbook", fifo, `is not a regular file (a named pipe)`},
	}
	for _, c := range cases {
		for _, cmd := range []string{"validate", "plan", "run"} {
			args := []string{cmd, c.file}
			if cmd == "run" {
				args = append(args, "--out", t.TempDir(), "--progress", "none")
			}
			code, stderr := mainWithin(t, 20*time.Second, args...)
			if code != ExitInvalid || !strings.Contains(stderr, c.want) {
				t.Errorf("%s: %s: exit %d, want 2 with %q; stderr:\n%.600s", c.name, cmd, code, c.want, stderr)
			}
		}
	}
}

// TestPlanShowsAForeachByItsCount: plan resolves a foreach as run --check
// would, but shows how many items it has, not the items: a foreach that
// repeats a nested map 200,000 times printed every copy.
func TestPlanShowsAForeachByItsCount(t *testing.T) {
	pb := filepath.Join(t.TempDir(), "bomb.yaml")
	os.WriteFile(pb, []byte(`version: 1
tenants: [{name: c, organization: contoso.onmicrosoft.com, environment: Emulator}]
vars: {m: {a: {b: {c: {d: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}}}}}
steps:
  - {cmdlet: Set-Mailbox, foreach: "${{ map(1..200000, m) }}", parameters: {Identity: "${{ item.a.b.c.d[0] }}"}}
`), 0o600)
	for _, format := range []string{"text", "json"} {
		code, stdout, stderr := runMain(t, "plan", pb, "--format", format)
		if code != ExitOK {
			t.Fatalf("%s: exit %d\n%s", format, code, stderr)
		}
		if len(stdout) > 4096 || !strings.Contains(stdout, "200000") {
			t.Fatalf("%s: plan is %d bytes; want the item count (200000), not the items:\n%.300s", format, len(stdout), stdout)
		}
	}
}

// TestFIFOCAFileDoesNotHang: --ca-file naming a FIFO is refused at once
// (opening it for reading waited for a writer for ever).
func TestFIFOCAFileDoesNotHang(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "ca.pem")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	pb := emulatorPlaybook(t, orgSteps)
	code, stderr := mainWithin(t, 20*time.Second, "run", pb, "--ca-file", fifo, "--out", t.TempDir(), "--progress", "none")
	if code != ExitInvalid || !strings.Contains(stderr, "is not a regular file (a named pipe)") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
}
