package playbook

import (
	"fmt"
	"strings"
	"testing"
)

// bigPlaybook has n tenants (each with auth, groups and vars) and the steps
// of the DESIGN.md example.
func bigPlaybook(n int) []byte {
	var b strings.Builder
	b.WriteString(`version: 1
name: big
vars: {desired: true}
auth:
  msp: {method: certificate, client_id: 11111111-2222-3333-4444-555555555555, certificate_file: msp.pfx, certificate_password: "${{ env.PFX_PASSWORD }}"}
tenants:
`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - name: tenant%04d\n    organization: tenant%04d.onmicrosoft.com\n    auth: msp\n    groups: [g%d, all-customers]\n    vars: {desired: %v, region: r%d}\n", i, i, i%10, i%2 == 0, i%5)
	}
	b.WriteString(`steps:
  - {id: org, cmdlet: Get-OrganizationConfig, select: [Name, "OAuth*"], register: org}
  - cmdlet: Set-OrganizationConfig
    when: ${{ org[0].OAuth2ClientProfileEnabled != desired }}
    parameters: {OAuth2ClientProfileEnabled: "${{ desired }}"}
  - {cmdlet: Get-CASMailbox, parameters: {ResultSize: Unlimited}, select: [Identity, PopEnabled], register: pop}
  - cmdlet: Set-CASMailbox
    foreach: ${{ filter(pop, .PopEnabled) }}
    parameters: {Identity: "${{ item.Identity }}", PopEnabled: false}
  - cmdlet: Get-OrganizationConfig
    assert:
      - {id: EXO-AUTH-1, that: "${{ all(result, .OAuth2ClientProfileEnabled) }}", severity: high}
`)
	return []byte(b.String())
}

func TestBigPlaybook(t *testing.T) {
	pb, err := Parse("big.yaml", bigPlaybook(1000), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pb.Tenants) != 1000 || len(pb.Steps) != 5 {
		t.Fatalf("%d tenants, %d steps", len(pb.Tenants), len(pb.Steps))
	}
	sel, err := pb.SelectTenants("g3,!tenant0003", Shard{Index: 2, Count: 4})
	if err != nil || len(sel) == 0 {
		t.Fatalf("select: %d, %v", len(sel), err)
	}
}

// BenchmarkParse1000Tenants measures validating a 1,000-tenant playbook
// (YAML, Go rules, expressions and the schema pass).
func BenchmarkParse1000Tenants(b *testing.B) {
	data := bigPlaybook(1000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("big.yaml", data, LoadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvalParameter measures one interpolated parameter per foreach item.
func BenchmarkEvalParameter(b *testing.B) {
	pb, err := Parse("big.yaml", bigPlaybook(1), LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	v := pb.Steps[3].Parameters[0].Value
	scope := pb.Scope(pb.Tenants[0], nil)
	scope["item"] = map[string]any{"Identity": "alice@contoso.com"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Eval(scope); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWhenOverBigRegister measures a per-item when that also reads a
// 10,000-object register: the cost must not grow with the register.
func BenchmarkWhenOverBigRegister(b *testing.B) {
	src := "version: 1\nsteps:\n  - cmdlet: Get-Mailbox\n    register: mbx\n  - cmdlet: Set-Mailbox\n    foreach: ${{ mbx }}\n    when: ${{ len(mbx) > 0 && item.PopEnabled }}\n"
	pb, err := Parse("p.yaml", []byte(src), LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	reg := make([]any, 10000)
	for i := range reg {
		reg[i] = map[string]any{"Identity": fmt.Sprint(i), "PopEnabled": true, "Size": 1.0}
	}
	scope := pb.Scope(nil, nil)
	scope["mbx"], scope["item"] = reg, reg[0]
	when := pb.Steps[1].When
	b.ReportAllocs()
	for b.Loop() {
		if _, err := when.EvalBool(scope); err != nil {
			b.Fatal(err)
		}
	}
}
