package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNamesThatShareAFileAreRefused: tenant names and step ids become file
// names (data/<tenant>/<step>.jsonl); names that would share one, or that
// no file system takes, are refused at validate and run with file:line:col
// (issue 14 item 2, and names over 255 bytes of item 7).
func TestNamesThatShareAFileAreRefused(t *testing.T) {
	long := strings.Repeat("n", 300)
	cases := []struct{ name, tenants, steps, want string }{
		{"trailing dot and dash", `
  - {name: contoso, organization: contoso.onmicrosoft.com, environment: Emulator}
  - {name: contoso-, organization: fabrikam.onmicrosoft.com, environment: Emulator}
  - {name: contoso., organization: northwind.onmicrosoft.com, environment: Emulator}`, `
  - {id: mbx, cmdlet: Get-Mailbox}
  - {id: mbx-, cmdlet: Get-Mailbox}`, `:4:12: tenant name "contoso-" may not end in '.' or '-'|:5:12: tenant name "contoso." may not end|:8:10: step id "mbx-" may not end`},
		{"case", `
  - {name: contoso, organization: contoso.onmicrosoft.com, environment: Emulator}
  - {name: Contoso, organization: fabrikam.onmicrosoft.com, environment: Emulator}`, `
  - {id: mbx, cmdlet: Get-Mailbox}
  - {id: MBX, cmdlet: Get-Mailbox}`, `:4:5: duplicate tenant name "Contoso"|:7:10: step id "MBX" differs from "mbx" (the step at line 6) only in case`},
		{"too long", `
  - {name: ` + long + `, organization: contoso.onmicrosoft.com, environment: Emulator}`, `
  - {id: ` + long + `, cmdlet: Get-Mailbox}`, `:3:12: tenant name "nnnn|is 300 bytes long|:5:10: step id "nnnn`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pb := filepath.Join(t.TempDir(), "names.yaml")
			os.WriteFile(pb, []byte("version: 1\ntenants:"+c.tenants+"\nsteps:"+c.steps+"\n"), 0o600)
			for _, cmd := range [][]string{{"validate", pb}, {"run", pb, "--out", t.TempDir(), "--progress", "none"}} {
				code, _, stderr := runMain(t, cmd...)
				if code != ExitInvalid {
					t.Fatalf("%s: exit %d, want 2\n%s", cmd[0], code, stderr)
				}
				for _, w := range strings.Split(c.want, "|") {
					if !strings.Contains(stderr, w) {
						t.Errorf("%s: stderr lacks %q:\n%s", cmd[0], w, stderr)
					}
				}
			}
		})
	}
}
