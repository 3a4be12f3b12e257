package runner

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
)

const devPlaybook = `version: 1
name: dev
tenants:
  - {name: contoso, organization: contoso.onmicrosoft.com, environment: Emulator}
  - {name: fabrikam, organization: fabrikam.onmicrosoft.com, environment: Emulator}
  - {name: broken, organization: bad.onmicrosoft.com, environment: Emulator}
steps:
  - name: Org
    cmdlet: Get-OrganizationConfig
    select: [Name, "OAuth*"]
    register: org
  - name: Find POP
    cmdlet: Get-CASMailbox
    parameters: {ResultSize: Unlimited}
    select: [Identity, PopEnabled]
    register: mbx
  - name: Disable POP
    cmdlet: Set-CASMailbox
    foreach: ${{ filter(mbx, .PopEnabled) }}
    parameters: {Identity: "${{ item.Identity }}", PopEnabled: false}
  - name: Verify
    cmdlet: Get-CASMailbox
    select: [Identity, PopEnabled]
    assert:
      - id: POP-1
        that: ${{ none(result, .PopEnabled) }}
        message: POP must be off
`

func TestDevRun(t *testing.T) {
	dir := t.TempDir()
	pbPath := filepath.Join(dir, "pb.yaml")
	os.WriteFile(pbPath, []byte(devPlaybook), 0o600)
	pb, err := playbook.Load(pbPath, playbook.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rd, err := results.Create(filepath.Join(dir, "runs"), pb.Name, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	fc := &fakeConnector{n: 300}
	res, err := Run(context.Background(), Options{Playbook: pb, Tenants: pb.Tenants, Connector: fc, Dir: rd, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	results.WriteSummary(os.Stdout, res, rd.Path())
	b, _ := os.ReadFile(filepath.Join(rd.Path(), "results.json"))
	if err := results.Validate(b); err != nil {
		t.Fatal(err)
	}
	t.Logf("peak contoso %d writes %d", fc.org("contoso.onmicrosoft.com").peak.Load(), fc.org("contoso.onmicrosoft.com").writes)
	t.Log(string(b[:min(len(b), 3000)]))
}
