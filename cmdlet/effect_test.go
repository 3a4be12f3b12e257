package cmdlet

import "testing"

// Every verb × parameter shape the playbook, transport and runner decide
// by. Changing a row changes what retries and resume may send twice.
func TestClassify(t *testing.T) {
	add := map[string]any{"Add": []any{"smtp:a@contoso.com"}}
	remove := map[string]any{"remove": "b@contoso.com"} // keys are case-insensitive, as in PowerShell
	both := map[string]any{"Add": "x", "Remove": "y"}
	typed := &map[string]string{"Remove": "x"}
	plain := map[string]any{"Identity": "a", "PopEnabled": false}
	cases := []struct {
		cmdlet string
		params map[string]any
		want   Effect
	}{
		{"Get-Mailbox", nil, Read},
		{"get-mailbox", nil, Read},
		{"Get-Mailbox", map[string]any{"Filter": add}, Read}, // a read stays a read whatever it is given
		{"Test-OAuthConnectivity", nil, Read},
		{"Search-UnifiedAuditLog", nil, Read},
		{"Export-QuarantineMessage", nil, Read},
		{"Set-CASMailbox", plain, Idempotent},
		{"set-casmailbox", nil, Idempotent},
		{"Set-Mailbox", map[string]any{"Identity": "a", "EmailAddresses": []any{"SMTP:a@contoso.com"}}, Idempotent}, // a whole list states the value
		{"Set-Mailbox", map[string]any{"Identity": "a", "EmailAddresses": add}, Write},
		{"Set-Mailbox", map[string]any{"GrantSendOnBehalfTo": remove}, Write},
		{"Set-Mailbox", map[string]any{"EmailAddresses": both}, Write},
		{"Set-Mailbox", map[string]any{"GrantSendOnBehalfTo": typed}, Write},
		{"Set-Mailbox", map[string]any{"CustomAttribute1": map[string]any{"Value": "x"}}, Idempotent},
		{"Enable-OrganizationCustomization", nil, Idempotent},
		{"Disable-JournalRule", map[string]any{"Identity": "r"}, Idempotent},
		{"Enable-Mailbox", map[string]any{"Identity": "a", "Archive": true}, Idempotent},
		{"New-TransportRule", plain, Write},
		{"Add-MailboxPermission", nil, Write},
		{"Add-DistributionGroupMember", map[string]any{"Member": "a"}, Write},
		{"Remove-InboxRule", nil, Write},
		{"Update-RoleGroupMember", map[string]any{"Members": []any{"a"}}, Write},
		{"Update-RoleGroupMember", map[string]any{"Members": add}, Write},
		{"Update-DistributionGroupMember", nil, Write},
		{"Start-ComplianceSearch", nil, Write},
		{"Start-ManagedFolderAssistant", nil, Write},
		{"Weird", nil, Write},
		{"", nil, Write},
	}
	for _, c := range cases {
		got := Classify(c.cmdlet, c.params)
		if got != c.want {
			t.Errorf("Classify(%q, %v) = %s, want %s", c.cmdlet, c.params, got, c.want)
		}
		if w := IsWrite(c.cmdlet); w != (c.want != Read) {
			t.Errorf("IsWrite(%q) = %v, want %v", c.cmdlet, w, c.want != Read)
		}
		if r := Replayable(c.cmdlet, c.params); r != (c.want != Write) {
			t.Errorf("Replayable(%q, %v) = %v", c.cmdlet, c.params, r)
		}
	}
}

func TestIsWriteNeedsOnlyTheName(t *testing.T) {
	for name, want := range map[string]bool{
		"Get-Mailbox": false, "TEST-MAPIConnectivity": false, "Search-Mailbox": false, "Export-MailboxDiagnosticLogs": false,
		"Set-Mailbox": true, "New-TransportRule": true, "Remove-MailboxPermission": true, "Update-RoleGroupMember": true,
		"Add-DistributionGroupMember": true, "Enable-OrganizationCustomization": true, "Start-ComplianceSearch": true,
		"Getter-Thing": true, "Mailbox": true,
	} {
		if got := IsWrite(name); got != want {
			t.Errorf("IsWrite(%s) = %v, want %v", name, got, want)
		}
	}
}
