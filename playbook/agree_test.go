package playbook

import (
	"strings"
	"testing"
)

// TestSchemaAgreesOnEdgeCases feeds small variations of one playbook to the
// Go rules and to schema.json and fails when one accepts what the other
// rejects. Unlike the fixtures, it does not say which answer is right, so
// it can list many edge cases cheaply.
func TestSchemaAgreesOnEdgeCases(t *testing.T) {
	const base = `version: 1
name: edge
auth:
  app: {method: certificate, client_id: 11111111-2222-3333-4444-555555555555, certificate_file: app.pfx}
tenants:
  - {name: contoso, organization: contoso.onmicrosoft.com, auth: app}
steps:
  - {cmdlet: Get-Mailbox, register: mbx}
  - {cmdlet: Set-Mailbox, foreach: "${{ mbx }}", parameters: {Identity: "${{ item.Identity }}"}}
`
	edits := [][2]string{
		{"name: edge", `name: ""`},
		{"name: edge", "name: 42"},
		{"version: 1", "version: 1.0"},
		{"version: 1", `version: "1"`},
		{"name: contoso,", `name: "",`},
		{"name: contoso,", "name: 12,"},
		{"name: contoso,", "name: con toso,"},
		{"organization: contoso.onmicrosoft.com", `organization: ""`},
		{"organization: contoso.onmicrosoft.com", "organization: contoso"},
		{"organization: contoso.onmicrosoft.com", "tenant_id: 0f9d8c7b-6a5e-4d3c-2b1a-0f9e8d7c6b5a"},
		{"auth: app}", `auth: ""}`},
		{"auth: app}", "auth: app, environment: emulator}"},
		{"auth: app}", "auth: app, connection_uri: https://x.example}"},
		{"auth: app}", "auth: app, connection_uri: http://127.0.0.1}"},
		{"auth: app}", "auth: app, connection_uri: http://[::1]:8080/x}"},
		{"auth: app}", "auth: app, connection_uri: ftp://x.example}"},
		{"auth: app}", "auth: app, authority_uri: x.example}"},
		{"auth: app}", "auth: app, groups: [eu, '']}"},
		{"auth: app}", "auth: app, groups: eu}"},
		{"auth: app}", "auth: app, vars: {1x: 2}}"},
		{"auth: app}", "auth: app, vars: []}"},
		{"client_id: 11111111-2222-3333-4444-555555555555", `client_id: ""`},
		{"certificate_file: app.pfx", `certificate_file: ""`},
		{"certificate_file: app.pfx", "certificate_file: app.pfx, certificate_thumbprint: ''"},
		{"certificate_file: app.pfx", "certificate_file: app.pfx, scopes: x"},
		{"method: certificate", "method: Certificate"},
		{"{cmdlet: Get-Mailbox, register: mbx}", "{cmdlet: '', register: mbx}"},
		{"{cmdlet: Get-Mailbox, register: mbx}", "{cmdlet: Get-Mailbox, register: ''}"},
		{"{cmdlet: Get-Mailbox, register: mbx}", "{cmdlet: Get-Mailbox, register: mbx, id: ''}"},
		{"{cmdlet: Get-Mailbox, register: mbx}", "{cmdlet: Get-Mailbox, register: mbx, name: ''}"},
		{"{cmdlet: Get-Mailbox, register: mbx}", "{cmdlet: Get-Mailbox, register: mbx, batch: 0}"},
		{"{cmdlet: Get-Mailbox, register: mbx}", "{cmdlet: Get-Mailbox, register: mbx, tags: 'a,b'}"},
		{"{cmdlet: Get-Mailbox, register: mbx}", "{cmdlet: Get-Mailbox, register: mbx, tags: [a b]}"},
		{"{cmdlet: Get-Mailbox, register: mbx}", "{cmdlet: Get-Mailbox, register: mbx, select: []}"},
		{"{cmdlet: Get-Mailbox, register: mbx}", "{cmdlet: Get-Mailbox, register: mbx, when: yes}"},
		{"{cmdlet: Get-Mailbox, register: mbx}", "{cmdlet: Get-Mailbox, register: mbx, when: 'true'}"},
		{"{cmdlet: Get-Mailbox, register: mbx}", "{cmdlet: Get-Mailbox, register: mbx, retries: 1.5}"},
		{"{cmdlet: Get-Mailbox, register: mbx}", "{cmdlet: Get-Mailbox, register: mbx, timeout: 10}"},
		{"{cmdlet: Get-Mailbox, register: mbx}", "{cmdlet: Get-Mailbox, register: mbx, timeout: 1h2m3s}"},
		{"{cmdlet: Get-Mailbox, register: mbx}", "{cmdlet: Get-Mailbox, register: mbx, parameters: []}"},
		{"{cmdlet: Get-Mailbox, register: mbx}", "{cmdlet: Get-Mailbox, register: mbx, parameters: {1A: x}}"},
		{"{cmdlet: Get-Mailbox, register: mbx}", "{cmdlet: Get-Mailbox, register: mbx, anchor: 5}"},
		{"{cmdlet: Get-Mailbox, register: mbx}", "{cmdlet: Get-Mailbox, register: mbx, assert: [{that: true, id: ''}]}"},
		{"{cmdlet: Get-Mailbox, register: mbx}", "{cmdlet: Get-Mailbox, register: mbx, assert: {that: true}}"},
		{"{cmdlet: Get-Mailbox, register: mbx}", "{cmdlet: Get-Mailbox, register: mbx, service: Exchange}"},
		{"{cmdlet: Get-Mailbox, register: mbx}", "{cmdlet: Get-Mailbox, register: mbx, continue_on_error: 1}"},
		{"foreach: \"${{ mbx }}\"", "foreach: {a: 1}"},
		{"foreach: \"${{ mbx }}\"", "foreach: [1, 2]"},
		{"steps:", "settings: {max_sessions_per_org: 3}\nsteps:"},
		{"steps:", "settings: {max_sessions_per_org: 4, allow_more_sessions: false}\nsteps:"},
		{"steps:", "settings: {max_sessions_per_org: 0}\nsteps:"},
		{"steps:", "settings: {max_fail_percentage: -1}\nsteps:"},
		{"steps:", "settings: {max_fail_percentage: 99.5}\nsteps:"},
		{"steps:", "settings: []\nsteps:"},
		{"steps:", "settings: {rollout: {canary: contoso, waves: [1, 10%, 50%, 100%], max_fail_ratio: 0.1, pause: 0s}}\nsteps:"},
		{"steps:", "settings: {rollout: {waves: [2, 33.5%]}}\nsteps:"},
		{"steps:", "settings: {rollout: {canary: contoso}}\nsteps:"},
		{"steps:", "settings: {rollout: {}}\nsteps:"},
		{"steps:", "settings: {require_plan_over: 10}\nsteps:"},
		{"steps:", "settings: {require_plan_over: -1}\nsteps:"},
		{"steps:", "settings: {rollout: {waves: []}}\nsteps:"},
		{"steps:", "settings: {rollout: {waves: [0]}}\nsteps:"},
		{"steps:", "settings: {rollout: {waves: [101%]}}\nsteps:"},
		{"steps:", "settings: {rollout: {waves: [0%]}}\nsteps:"},
		{"steps:", "settings: {rollout: {waves: [10]}, max_fail_ratio: 1.5}\nsteps:"},
		{"steps:", "settings: {rollout: {waves: [10], max_fail_ratio: 1.5}}\nsteps:"},
		{"steps:", "settings: {rollout: {waves: [10], pause: 10}}\nsteps:"},
		{"steps:", "settings: {rollout: {waves: [10], wave: [1]}}\nsteps:"},
		{"steps:", "inventory: []\nsteps:"},
		{"steps:", "vars: null\nsteps:"},
		{"steps:", "description: 5\nsteps:"},
	}
	for _, e := range edits {
		if !strings.Contains(base, e[0]) {
			t.Fatalf("base lacks %q", e[0])
		}
		src := strings.Replace(base, e[0], e[1], 1)
		_, goErr := Parse("edge.yaml", []byte(src), LoadOptions{SkipSchema: true})
		schemaErr := ValidateSchema("edge.yaml", []byte(src))
		if (goErr != nil) != (schemaErr != nil) {
			t.Errorf("%q: Go rules say %v, schema.json says %v", e[1], errOrOK(goErr), errOrOK(schemaErr))
		}
	}
}

func errOrOK(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}
