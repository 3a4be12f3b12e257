package directory

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestParameterValidation(t *testing.T) {
	t.Parallel()
	tn := New(Options{}).AddTenant(TenantSpec{Domain: "contoso.onmicrosoft.com"})
	for _, c := range []struct {
		name   string
		cmdlet string
		params map[string]any
		want   string // substring of Detail
	}{
		{"unknown parameter", "Get-Mailbox", map[string]any{"Idnetity": "admin"}, "A parameter cannot be found that matches parameter name 'Idnetity'."},
		{"bad enum lists valid names", "Set-HostedOutboundSpamFilterPolicy", map[string]any{"Identity": "Default", "AutoForwardingMode": "Never"},
			"Specify one of the following enumerator names and try again:\r\nAutomatic, Off, On"},
		{"bad enum in a list", "Get-Mailbox", map[string]any{"RecipientTypeDetails": []any{"UserMailbox", "Robot"}}, "Unable to match the identifier name Robot"},
		{"bad enum in a multi-valued property", "Set-Mailbox", map[string]any{"Identity": "admin", "AuditOwner": ht("Add", []any{"Teleport"})}, "Teleport"},
		{"untagged hashtable", "Set-Mailbox", map[string]any{"Identity": "admin", "AuditOwner": map[string]any{"Add": "MailboxLogin"}},
			`Cannot convert the "Newtonsoft.Json.Linq.JObject" value`},
		{"hashtable on a scalar", "Set-RemoteDomain", map[string]any{"Identity": "Default", "AutoForwardEnabled": ht("Add", "x")}, "JObject"},
		{"bad hashtable key", "Set-Mailbox", map[string]any{"Identity": "admin", "AuditOwner": ht("Replace", "Create")}, "use Add or Remove"},
		{"missing mandatory", "Get-MailboxPermission", map[string]any{}, "missing mandatory parameters: Identity."},
		{"bad boolean", "Set-RemoteDomain", map[string]any{"Identity": "Default", "AutoForwardEnabled": "nope"}, "Boolean parameters accept only"},
		{"bad timespan", "Set-Mailbox", map[string]any{"Identity": "admin", "AuditLogAgeLimit": "ninety"}, "dd.hh:mm:ss"},
		{"bad size", "Set-Mailbox", map[string]any{"Identity": "admin", "ProhibitSendQuota": "big"}, "size"},
		{"bad result size", "Get-Mailbox", map[string]any{"ResultSize": "all"}, "Unlimited"},
		{"bad filter syntax", "Get-Mailbox", map[string]any{"Filter": "PopEnabled -eq"}, "Invalid filter syntax"},
		{"unknown filter property", "Get-CASMailbox", map[string]any{"Filter": "Teleport -eq $true"}, "'Teleport' is not a recognized filterable property"},
		// Checked against the kind of object, not only against what matched.
		{"unknown filter property, nothing matching", "Get-TransportRule", map[string]any{"State": "Disabled", "Filter": "Teleport -eq 1"},
			"'Teleport' is not a recognized filterable property"},
		{"parameter given twice", "Get-Mailbox", map[string]any{"Identity": "admin", "identity": "info"}, "is specified more than once"},
		{"int out of range", "Set-TransportConfig", map[string]any{"ReplyAllStormBlockDurationHours": 99}, "out of range"},
	} {
		e := runErr(t, tn, c.cmdlet, c.params)
		if e.Status != 400 || e.Code != "BadRequest" || e.Message != "Invalid Operation" || !strings.Contains(e.Detail, c.want) {
			t.Errorf("%s: got %d %s %q %q, want 400 Invalid Operation containing %q", c.name, e.Status, e.Code, e.Message, e.Detail, c.want)
		}
	}
}

func TestParameterBinding(t *testing.T) {
	t.Parallel()
	tn := New(Options{}).AddTenant(TenantSpec{Domain: "contoso.onmicrosoft.com"})
	// Switches as true or "true", Confirm:false, odata annotations, json.Number.
	run(t, tn, "Get-Mailbox", map[string]any{"Archive": "true", "Confirm": false, "RecipientTypeDetails@odata.type": "#Collection(String)"})
	run(t, tn, "Set-AdminAuditLogConfig", map[string]any{"UnifiedAuditLogIngestionEnabled": true, "Force": true, "Confirm": false})
	run(t, tn, "Get-Mailbox", map[string]any{"ResultSize": json.Number("5")})
	// Enum names are case-insensitive and stored canonically; ordinals work where the type allows.
	run(t, tn, "Set-CASMailbox", map[string]any{"Identity": "admin", "PopMessagesRetrievalMimeFormat": float64(0)})
	r := run(t, tn, "Get-CASMailbox", map[string]any{"Identity": "admin"})
	if got := r.Object(0).str("PopMessagesRetrievalMimeFormat"); got != "TextOnly" {
		t.Errorf("ordinal enum stored as %q", got)
	}
	run(t, tn, "Set-HostedOutboundSpamFilterPolicy", map[string]any{"Identity": "Default", "AutoForwardingMode": "off"})
	r = run(t, tn, "Get-HostedOutboundSpamFilterPolicy", nil)
	if got := r.Object(0).str("AutoForwardingMode"); got != "Off" {
		t.Errorf("AutoForwardingMode = %q, want Off", got)
	}
	// Values are stored in the service's format.
	run(t, tn, "Set-Mailbox", map[string]any{"Identity": "admin", "AuditLogAgeLimit": "180", "ProhibitSendQuota": "49GB", "IssueWarningQuota": "Unlimited"})
	o := run(t, tn, "Get-Mailbox", map[string]any{"Identity": "admin"}).Object(0)
	if o.str("AuditLogAgeLimit") != "180.00:00:00" || o.str("ProhibitSendQuota") != "49 GB (52,613,349,376 bytes)" || o.str("IssueWarningQuota") != "Unlimited" {
		t.Errorf("stored formats: %q %q %q", o.str("AuditLogAgeLimit"), o.str("ProhibitSendQuota"), o.str("IssueWarningQuota"))
	}
	// CustomerLockboxEnabled (the Set spelling) binds to CustomerLockBoxEnabled.
	run(t, tn, "Set-OrganizationConfig", map[string]any{"CustomerLockboxEnabled": true})
	if v := val(t, run(t, tn, "Get-OrganizationConfig", nil).Object(0), "CustomerLockBoxEnabled"); v != true {
		t.Errorf("CustomerLockBoxEnabled = %v", v)
	}
}

func TestMultiValuedSemantics(t *testing.T) {
	t.Parallel()
	tn := tenantWith(t, Fresh, 25, Options{})
	owner := func() []string {
		return val(t, run(t, tn, "Get-Mailbox", map[string]any{"Identity": "admin"}).Object(0), "AuditOwner").([]string)
	}
	before := owner()
	run(t, tn, "Set-Mailbox", map[string]any{"Identity": "admin", "AuditOwner": ht("Add", []any{"MailboxLogin", "create"}, "Remove", "Send")})
	got := owner()
	if !slices.Contains(got, "MailboxLogin") || !slices.Contains(got, "Create") || slices.Contains(got, "Send") || len(got) != len(before)+1 {
		t.Errorf("Add/Remove: %v -> %v", before, got)
	}
	run(t, tn, "Set-Mailbox", map[string]any{"Identity": "admin", "AuditOwner": []any{"Update", "HardDelete"}})
	if got := owner(); !slices.Equal(got, []string{"Update", "HardDelete"}) {
		t.Errorf("array replace = %v", got)
	}
	run(t, tn, "Set-Mailbox", map[string]any{"Identity": "admin", "AuditOwner": "MailboxLogin"})
	if got := owner(); !slices.Equal(got, []string{"MailboxLogin"}) {
		t.Errorf("scalar replace = %v", got)
	}
	run(t, tn, "Set-Mailbox", map[string]any{"Identity": "admin", "AuditOwner": nil})
	if got := owner(); len(got) != 0 || got == nil {
		t.Errorf("$null clears to [] = %#v", got)
	}
	// The [""] of an empty AllowList does not survive an Add.
	run(t, tn, "Set-ExternalInOutlook", map[string]any{"Enabled": true, "AllowList": ht("Add", "partner.example")})
	o := run(t, tn, "Get-ExternalInOutlook", nil).Object(0)
	if l := val(t, o, "AllowList").([]string); !slices.Equal(l, []string{"partner.example"}) || val(t, o, "Enabled") != true {
		t.Errorf("AllowList = %#v", l)
	}
}

func TestNoOpSetWarns(t *testing.T) {
	t.Parallel()
	tn := tenantWith(t, Fresh, 25, Options{})
	for _, c := range []struct {
		cmdlet string
		params map[string]any
		id     string
	}{
		{"Set-RemoteDomain", map[string]any{"Identity": "Default", "AutoForwardEnabled": false}, "Default"},
		{"Set-OrganizationConfig", map[string]any{"RejectDirectSend": true}, tn.domain},
		{"Set-TransportConfig", map[string]any{"SmtpClientAuthenticationDisabled": false}, "Transport Settings"},
		{"Set-CASMailbox", map[string]any{"Identity": "admin", "PopEnabled": false, "ImapEnabled": false}, "admin"},
		{"Set-Mailbox", map[string]any{"Identity": "admin", "AuditOwner": ht("Add", "MailboxLogin")}, "admin"},
		{"Set-DkimSigningConfig", map[string]any{"Identity": tn.custom, "Enabled": true}, tn.custom},
		{"Set-DistributionGroup", map[string]any{"Identity": "Finance", "HiddenFromAddressListsEnabled": true}, "Finance"},
	} {
		first := run(t, tn, c.cmdlet, c.params)
		if first.Write == nil {
			t.Errorf("%s: first call wrote nothing (warnings %v)", c.cmdlet, first.Warnings)
		}
		second := run(t, tn, c.cmdlet, c.params)
		want := "The command completed successfully but no settings of '" + c.id + "' have been modified."
		if second.Write != nil || !slices.Equal(second.Warnings, []string{want}) || second.Len != 0 {
			t.Errorf("%s repeated: Write=%v warnings=%q, want no write and %q", c.cmdlet, second.Write, second.Warnings, want)
		}
	}
}

func TestWriteRecordsCall(t *testing.T) {
	t.Parallel()
	tn := New(Options{}).AddTenant(TenantSpec{Domain: "contoso.onmicrosoft.com", ID: "11111111-2222-3333-4444-555555555555"})
	p := map[string]any{"Identity": "Default", "AutoForwardEnabled": false, "Confirm": false}
	r := run(t, tn, "set-remotedomain", p)
	if r.Write == nil || r.Write.Tenant != "11111111-2222-3333-4444-555555555555" || r.Write.Cmdlet != "Set-RemoteDomain" || r.Write.Params["AutoForwardEnabled"] != false {
		t.Errorf("Write = %+v", r.Write)
	}
	if r.Len != 0 {
		t.Errorf("Set-* returned %d objects", r.Len)
	}
	if got := run(t, tn, "Get-RemoteDomain", map[string]any{"Identity": "Default"}).Object(0); val(t, got, "AutoForwardEnabled") != false {
		t.Errorf("the next read does not see the write")
	}
}

func TestWhatIfChangesNothing(t *testing.T) {
	t.Parallel()
	tn := tenantWith(t, Fresh, 25, Options{})
	r := run(t, tn, "Set-RemoteDomain", map[string]any{"Identity": "Default", "AutoForwardEnabled": false, "WhatIf": true})
	if r.Write != nil || len(r.Warnings) != 1 || !strings.HasPrefix(r.Warnings[0], "What if:") {
		t.Errorf("WhatIf: write %v warnings %q", r.Write, r.Warnings)
	}
	if v := val(t, run(t, tn, "Get-RemoteDomain", map[string]any{"Identity": "Default"}).Object(0), "AutoForwardEnabled"); v != true {
		t.Errorf("WhatIf changed the remote domain")
	}
}
