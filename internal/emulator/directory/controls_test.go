package directory

import (
	"slices"
	"strings"
	"testing"
)

// The seeded data must give the controls of exchange-audit-controls.md real
// findings on non-compliant tenants and none (at organization level) on
// hardened ones.

type finding struct {
	id    string
	found func(t *testing.T, tn *Tenant) bool
}

var orgControls = []finding{
	{"1 remote domain auto-forward", func(t *testing.T, tn *Tenant) bool {
		return slices.ContainsFunc(objects(run(t, tn, "Get-RemoteDomain", nil)), func(o Object) bool { return val(t, o, "AutoForwardEnabled") == true })
	}},
	{"2 outbound spam auto-forwarding", func(t *testing.T, tn *Tenant) bool {
		return run(t, tn, "Get-HostedOutboundSpamFilterPolicy", nil).Object(0).str("AutoForwardingMode") != "Off"
	}},
	{"5 no external sender warning", func(t *testing.T, tn *Tenant) bool {
		return !slices.ContainsFunc(objects(run(t, tn, "Get-TransportRule", nil)), func(o Object) bool {
			return o.str("State") == "Enabled" && o.str("Mode") == "Enforce" && o.str("FromScope") == "NotInOrganization" && o.str("PrependSubject") != ""
		})
	}},
	{"6 external tagging off", func(t *testing.T, tn *Tenant) bool {
		return val(t, run(t, tn, "Get-ExternalInOutlook", nil).Object(0), "Enabled") == false
	}},
	{"10 DKIM off on a sending domain", func(t *testing.T, tn *Tenant) bool {
		return slices.ContainsFunc(objects(run(t, tn, "Get-DkimSigningConfig", nil)), func(o Object) bool { return val(t, o, "Enabled") == false })
	}},
	{"34 outbound spam notifications off", func(t *testing.T, tn *Tenant) bool {
		return val(t, run(t, tn, "Get-HostedOutboundSpamFilterPolicy", nil).Object(0), "NotifyOutboundSpam") == false
	}},
	{"40 no enforced Exchange DLP", func(t *testing.T, tn *Tenant) bool {
		return !slices.ContainsFunc(objects(runOn(t, tn, Compliance, "Get-DlpCompliancePolicy", nil)), func(o Object) bool {
			return strings.Contains(o.str("Workload"), "Exchange") && val(t, o, "Enabled") == true && o.str("Mode") == "Enable"
		})
	}},
}

func init() {
	orgControls = append(orgControls,
		finding{"8 calendar shared with all domains", func(t *testing.T, tn *Tenant) bool {
			d := val(t, run(t, tn, "Get-SharingPolicy", nil).Object(0), "Domains").([]string)
			return slices.ContainsFunc(d, func(s string) bool { return strings.HasPrefix(s, "*:") && strings.Contains(s, "Calendar") })
		}},
		finding{"19 no audit log retention policy", func(t *testing.T, tn *Tenant) bool {
			return runOn(t, tn, Compliance, "Get-UnifiedAuditLogRetentionPolicy", nil).Len == 0
		}},
		finding{"22 additional storage providers", func(t *testing.T, tn *Tenant) bool {
			return val(t, run(t, tn, "Get-OwaMailboxPolicy", map[string]any{"Identity": "OwaMailboxPolicy-Default"}).Object(0), "AdditionalStorageProvidersAvailable") == true
		}},
		finding{"24 users may install add-ins", func(t *testing.T, tn *Tenant) bool {
			r := val(t, run(t, tn, "Get-RoleAssignmentPolicy", nil).Object(0), "AssignedRoles").([]string)
			return slices.Contains(r, "My Marketplace Apps")
		}},
		finding{"32 no malware admin notification", func(t *testing.T, tn *Tenant) bool {
			return val(t, run(t, tn, "Get-MalwareFilterPolicy", map[string]any{"Identity": "Default"}).Object(0), "EnableInternalSenderAdminNotifications") == false
		}},
		finding{"36 weak anti-phishing", func(t *testing.T, tn *Tenant) bool {
			o := run(t, tn, "Get-AntiPhishPolicy", nil).Object(0)
			return val(t, o, "EnableMailboxIntelligenceProtection") == false || val(t, o, "PhishThresholdLevel").(int) < 2
		}},
	)
	riskyOnly = append(riskyOnly,
		finding{"7 contacts shared with all domains", func(t *testing.T, tn *Tenant) bool {
			d := val(t, run(t, tn, "Get-SharingPolicy", nil).Object(0), "Domains").([]string)
			return slices.ContainsFunc(d, func(s string) bool { return strings.HasPrefix(s, "*:") && strings.Contains(s, "ContactsSharing") })
		}},
		finding{"26 allowed sender domains", func(t *testing.T, tn *Tenant) bool {
			return len(val(t, run(t, tn, "Get-HostedContentFilterPolicy", nil).Object(0), "AllowedSenderDomains").([]string)) > 0
		}},
		finding{"27 spam delivered to the inbox", func(t *testing.T, tn *Tenant) bool {
			return run(t, tn, "Get-HostedContentFilterPolicy", map[string]any{"Identity": "Default"}).Object(0).str("SpamAction") == "AddXHeader"
		}},
		finding{"28 connection filter allow list", func(t *testing.T, tn *Tenant) bool {
			return len(val(t, run(t, tn, "Get-HostedConnectionFilterPolicy", nil).Object(0), "IPAllowList").([]string)) > 0
		}},
		finding{"29 safe list on", func(t *testing.T, tn *Tenant) bool {
			return val(t, run(t, tn, "Get-HostedConnectionFilterPolicy", nil).Object(0), "EnableSafeList") == true
		}},
		finding{"39 forwarding alert disabled", func(t *testing.T, tn *Tenant) bool {
			o := runOn(t, tn, Compliance, "Get-ProtectionAlert", map[string]any{"Identity": "bfd48f06-0865-41a6-85ff-adb746423ebf"}).Object(0)
			return val(t, o, "Disabled") == true
		}},
	)
	mailboxFindings = append(mailboxFindings, finding{"25 shared mailbox user enabled (Get-User)", func(t *testing.T, tn *Tenant) bool {
		return run(t, tn, "Get-User", map[string]any{"RecipientTypeDetails": "SharedMailbox", "Filter": "AccountDisabled -eq $false"}).Len > 0
	}})
}

var riskyOnly = []finding{
	{"3 redirect rule", func(t *testing.T, tn *Tenant) bool {
		return run(t, tn, "Get-TransportRule", map[string]any{"Filter": "RedirectMessageTo -ne $null"}).Len > 0
	}},
	{"4 SCL -1 allow rule", func(t *testing.T, tn *Tenant) bool {
		return run(t, tn, "Get-TransportRule", map[string]any{"Filter": "SetSCL -eq -1 -and SenderDomainIs -ne $null"}).Len > 0
	}},
	{"11 SMTP AUTH on", func(t *testing.T, tn *Tenant) bool {
		return val(t, run(t, tn, "Get-TransportConfig", nil).Object(0), "SmtpClientAuthenticationDisabled") == false
	}},
	{"15 mailbox auditing off", func(t *testing.T, tn *Tenant) bool {
		return val(t, run(t, tn, "Get-OrganizationConfig", nil).Object(0), "AuditDisabled") == true
	}},
	{"18 unified audit log off", func(t *testing.T, tn *Tenant) bool {
		return val(t, run(t, tn, "Get-AdminAuditLogConfig", nil).Object(0), "UnifiedAuditLogIngestionEnabled") == false
	}},
}

var mailboxFindings = []finding{
	{"forwarding to outside", func(t *testing.T, tn *Tenant) bool {
		return run(t, tn, "Get-Mailbox", map[string]any{"Filter": "ForwardingSmtpAddress -like 'smtp:*'", "ResultSize": "Unlimited"}).Len > 0
	}},
	{"POP on", func(t *testing.T, tn *Tenant) bool {
		return run(t, tn, "Get-CASMailbox", map[string]any{"Filter": "PopEnabled -eq $true", "ResultSize": "Unlimited"}).Len > 0
	}},
	{"12 SMTP AUTH re-enabled on a mailbox", func(t *testing.T, tn *Tenant) bool {
		return run(t, tn, "Get-CASMailbox", map[string]any{"Filter": "SmtpClientAuthenticationDisabled -eq $false", "ResultSize": "Unlimited"}).Len > 0
	}},
	{"16 audit off on a mailbox", func(t *testing.T, tn *Tenant) bool {
		return run(t, tn, "Get-Mailbox", map[string]any{"Filter": "AuditEnabled -eq $false", "ResultSize": "Unlimited"}).Len > 0
	}},
	{"25 shared mailbox sign-in enabled", func(t *testing.T, tn *Tenant) bool {
		return run(t, tn, "Get-Mailbox", map[string]any{"RecipientTypeDetails": "SharedMailbox", "Filter": "AccountDisabled -eq $false"}).Len > 0
	}},
	{"inbox rule forwarding outside", func(t *testing.T, tn *Tenant) bool {
		for _, m := range objects(run(t, tn, "Get-Mailbox", map[string]any{"ResultSize": "Unlimited"})) {
			for _, r := range objects(run(t, tn, "Get-InboxRule", map[string]any{"Mailbox": m.str("Identity")})) {
				if v, _ := r.Get("ForwardTo"); v != nil {
					return true
				}
				if v, _ := r.Get("RedirectTo"); v != nil {
					return true
				}
				if v, _ := r.Get("ForwardAsAttachmentTo"); v != nil {
					return true
				}
			}
		}
		return false
	}},
}

func TestControlsFindThings(t *testing.T) {
	t.Parallel()
	fresh := tenantWith(t, Fresh, 25, Options{})
	risky := tenantWith(t, Risky, 25, Options{})
	hard := tenantWith(t, Hardened, 25, Options{})
	for _, c := range orgControls {
		if !c.found(t, fresh) || !c.found(t, risky) {
			t.Errorf("control %s finds nothing on fresh/risky tenants", c.id)
		}
		if c.found(t, hard) {
			t.Errorf("control %s fails on the hardened tenant", c.id)
		}
	}
	for _, c := range riskyOnly {
		if !c.found(t, risky) {
			t.Errorf("control %s finds nothing on the risky tenant", c.id)
		}
		if c.found(t, hard) || c.found(t, fresh) {
			t.Errorf("control %s fails on a fresh or hardened tenant", c.id)
		}
	}
	for _, c := range mailboxFindings {
		for _, tn := range []*Tenant{fresh, risky} {
			if !c.found(t, tn) {
				t.Errorf("mailbox finding %q absent from a %v tenant of 25 mailboxes", c.id, tn.Posture())
			}
		}
	}
	// A delegated FullAccess exists on the shared mailboxes.
	if rows := run(t, fresh, "Get-MailboxPermission", map[string]any{"Identity": "support"}); rows.Len < 2 {
		t.Error("no delegated FullAccess on a shared mailbox")
	}
}

func TestPostureMix(t *testing.T) {
	t.Parallel()
	s := New(Options{Seed: 9})
	count := map[Posture]int{}
	for i := 0; i < 60; i++ {
		count[s.AddTenant(TenantSpec{Domain: "m" + itoa3(i) + ".onmicrosoft.com", Mailboxes: 5}).Posture()]++
	}
	for _, p := range []Posture{Fresh, Risky, Hardened} {
		if count[p] < 8 {
			t.Errorf("%v tenants: %d of 60", p, count[p])
		}
	}
}
