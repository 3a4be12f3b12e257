package playbook

import (
	"strings"
	"testing"
)

// catalogCase is a step (indented under steps:) and the diagnostic it must
// give at line:col (empty want: none).
type catalogCase struct {
	name, step, at, want string
}

const catalogHead = "version: 1\nsteps:\n" // the step starts on line 3

func TestCatalogChecks(t *testing.T) {
	cases := []catalogCase{
		// The typos of issue 12.
		{"cmdlet typo", "  - cmdlet: Get-Mailboxx\n", "3:13", `unknown cmdlet "Get-Mailboxx" (did you mean "Get-Mailbox"?)`},
		{"British spelling", "  - cmdlet: Set-OrganisationConfig\n", "3:13", `(did you mean "Set-OrganizationConfig"?)`},
		{"parameter typo", "  - cmdlet: Set-OrganizationConfig\n    parameters:\n      OAuth2ClientProfileEnabeld: true\n", "5:7",
			`unknown parameter "OAuth2ClientProfileEnabeld" for Set-OrganizationConfig (did you mean "OAuth2ClientProfileEnabled"?)`},
		{"Identity typo", "  - cmdlet: Get-Mailbox\n    parameters: {Identiy: adele}\n", "4:18", `unknown parameter "Identiy" for Get-Mailbox (did you mean "Identity"?)`},
		{"Boolean as text", "  - cmdlet: Set-CASMailbox\n    parameters:\n      Identity: adele\n      PopEnabled: \"yes please\"\n", "6:19",
			`PopEnabled takes true or false (unquoted), not the text "yes please"`},

		{"unchecked step", "  - cmdlet: Get-Mailboxx\n    unchecked: true\n    parameters: {Anything: 1}\n", "", ""},
		{"on-premises parameter", "  - cmdlet: Set-CASMailbox\n    parameters: {Identity: a, DomainController: dc1}\n", "4:31",
			"parameter DomainController of Set-CASMailbox exists only in on-premises Exchange Server"},
		{"alias", "  - cmdlet: Get-Mailbox\n    parameters: {Identity: a, ResultSize: 5}\n", "", ""},
		{"common parameter", "  - cmdlet: Get-Mailbox\n    parameters: {ErrorAction: Stop, Verbose: true}\n", "", ""},
		{"missing required", "  - cmdlet: Set-CASMailbox\n    parameters: {PopEnabled: false}\n", "4:17", "Set-CASMailbox needs required parameter Identity"},
		{"read needs no Identity", "  - cmdlet: Get-HostedOutboundSpamFilterPolicy\n", "", ""},
		{"exclusive sets", "  - cmdlet: Get-Mailbox\n    parameters: {Identity: a, Anr: b}\n", "4:31",
			"Identity and Anr of Get-Mailbox cannot be used together: they are in different parameter sets"},
		{"integer", "  - cmdlet: Set-HostedContentFilterPolicy\n    parameters: {Identity: Default, BulkThreshold: seven}\n", "4:52", "BulkThreshold takes a whole number (Int32)"},
		{"integer ok", "  - cmdlet: Set-HostedContentFilterPolicy\n    parameters: {Identity: Default, BulkThreshold: 7}\n", "", ""},
		{"enum", "  - cmdlet: Set-HostedOutboundSpamFilterPolicy\n    parameters: {Identity: Default, AutoForwardingMode: Of}\n", "4:57", "AutoForwardingMode takes one of Automatic, Off, On"},
		{"enum ok", "  - cmdlet: Set-HostedOutboundSpamFilterPolicy\n    parameters: {Identity: Default, AutoForwardingMode: off}\n", "", ""},
		{"unlimited", "  - cmdlet: Get-Mailbox\n    parameters: {ResultSize: lots}\n", "4:30", "ResultSize takes a number, a size"},
		{"unlimited ok", "  - cmdlet: Set-Mailbox\n    parameters: {Identity: a, ProhibitSendQuota: 50 GB, IssueWarningQuota: Unlimited, ProhibitSendReceiveQuota: \"30 GB (32,212,254,720 bytes)\"}\n", "", ""},
		{"size", "  - cmdlet: Set-Mailbox\n    parameters: {Identity: a, RulesQuota: big}\n", "4:43", `RulesQuota takes a size such as "50 GB"`},
		{"size ok", "  - cmdlet: Set-Mailbox\n    parameters: {Identity: a, RulesQuota: 256 KB}\n", "", ""},
		{"switch", "  - cmdlet: Get-Mailbox\n    parameters: {Archive: yes}\n", "4:27", "Archive takes true or false (a switch)"},
		{"timespan", "  - cmdlet: Set-Mailbox\n    parameters: {Identity: a, RetainDeletedItemsFor: 30 days}\n", "4:54", "RetainDeletedItemsFor takes a time span"},
		{"timespan ok", "  - cmdlet: Set-Mailbox\n    parameters: {Identity: a, RetainDeletedItemsFor: \"30.00:00:00\"}\n", "", ""},
		{"datetime", "  - cmdlet: Search-UnifiedAuditLog\n    parameters: {StartDate: yesterday, EndDate: 2026-12-31}\n", "4:29", "StartDate takes a date and time"},
		{"multi-valued add/remove", "  - cmdlet: Set-Mailbox\n    parameters:\n      Identity: a\n      EmailAddresses: {Add: [smtp:x@contoso.com], Remove: smtp:y@contoso.com}\n", "", ""},
		{"multi-valued list", "  - cmdlet: Set-Mailbox\n    parameters: {Identity: a, EmailAddresses: [SMTP:a@contoso.com]}\n", "", ""},
		{"multi-valued bad key", "  - cmdlet: Set-Mailbox\n    parameters:\n      Identity: a\n      EmailAddresses: {Append: x}\n", "6:23",
			"EmailAddresses takes a list, or a mapping with only Add and Remove"},
		{"compliance inferred", "  - cmdlet: Get-ComplianceSearch\n", "", ""},
		{"wrong service", "  - cmdlet: Get-ComplianceSearch\n    service: exchange\n", "4:14", "Get-ComplianceSearch is a Security & Compliance cmdlet: it does not exist in Exchange Online"},
		{"alias given twice", "  - cmdlet: Set-Mailbox\n    parameters: {Identity: a, WhatIf: true, wi: true}\n", "4:45", "wi is given twice (also as WhatIf at line 4)"},
		{"expression checked later", "  - cmdlet: Set-CASMailbox\n    parameters: {Identity: a, PopEnabled: \"${{ 'yes' }}\"}\n", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantStepDiagnostic(t, c.step, c.at, c.want) })
	}
}

// wantStepDiagnostic loads catalogHead+step and wants either no error (want
// "") or a diagnostic containing want at line:col at.
func wantStepDiagnostic(t *testing.T, step, at, want string) {
	t.Helper()
	_, err := Parse("p.yaml", []byte(catalogHead+step), LoadOptions{})
	if want == "" {
		if err != nil {
			t.Fatalf("want no error, got:\n%v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("want %s: %s, got no error", at, want)
	}
	for _, d := range err.(Diagnostics) {
		if strings.Contains(d.Message, want) {
			if got := strings.TrimPrefix(d.Pos.String(), "p.yaml:"); got != at {
				t.Errorf("at %s, want %s: %s", got, at, d.Message)
			}
			return
		}
	}
	t.Errorf("want %s: %s, got:\n%v", at, want, err)
}

func TestAllowUnknownCmdletsSetting(t *testing.T) {
	src := "version: 1\nsettings: {allow_unknown_cmdlets: true}\nsteps:\n  - cmdlet: Get-Brandnew\n    parameters: {X: 1}\n  - cmdlet: Get-Mailbox\n    parameters: {Identiy: a}\n"
	_, err := Parse("p.yaml", []byte(src), LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), `p.yaml:7:18: unknown parameter "Identiy"`) || strings.Contains(err.Error(), "Get-Brandnew") {
		t.Errorf("known cmdlets are still checked, unknown ones pass: %v", err)
	}
}

func TestServiceComesFromTheCatalog(t *testing.T) {
	pb, err := Parse("p.yaml", []byte("version: 1\nsteps:\n  - cmdlet: New-ComplianceSearch\n    parameters: {Name: s}\n  - cmdlet: Get-Mailbox\n  - cmdlet: Get-RoleGroup\n"), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"compliance", "exchange", "exchange"} {
		if pb.Steps[i].Service != want {
			t.Errorf("%s: service %s, want %s", pb.Steps[i].Cmdlet, pb.Steps[i].Service, want)
		}
	}
}

func TestCheckParamsAtRunTime(t *testing.T) {
	pb, err := Parse("p.yaml", []byte(catalogHead+"  - cmdlet: Set-CASMailbox\n    parameters: {Identity: a, PopEnabled: \"${{ vars.pop }}\"}\n"), LoadOptions{Vars: map[string]any{"pop": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	st := pb.Steps[0]
	if err := st.CheckParams(map[string]any{"Identity": "a", "PopEnabled": "yes please"}); err == nil ||
		!strings.Contains(err.Error(), `p.yaml:4:43: ${{ vars.pop }}: PopEnabled takes true or false (unquoted), not the text "yes please"; not sent`) {
		t.Errorf("got %v", err)
	}
	if err := st.CheckParams(map[string]any{"Identity": "a", "PopEnabled": false}); err != nil {
		t.Error(err)
	}
}
