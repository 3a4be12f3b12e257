package directory

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// The cmdlets the shipped baseline reads beyond the first set: licence
// gates, protection rules, role assignments and audit bypass.

func TestDefenderCmdletsNeedALicence(t *testing.T) {
	fresh := tenantWith(t, Fresh, 3, Options{})
	if got := fresh.Licenses(); len(got) != 0 {
		t.Fatalf("fresh licences = %v, want none (EOP only)", got)
	}
	for _, c := range []string{"Get-ATPProtectionPolicyRule", "Get-AtpPolicyForO365"} {
		e := runErr(t, fresh, c, nil)
		if e.Status != 403 || !strings.Contains(e.Detail, "is not recognized") {
			t.Errorf("%s without Defender: %d %q, want the service's not-recognized error", c, e.Status, e.Detail)
		}
	}
	// The EOP cmdlets exist for every tenant.
	run(t, fresh, "Get-EOPProtectionPolicyRule", nil)
	run(t, fresh, "Get-HostedOutboundSpamFilterRule", nil)

	hard := tenantWith(t, Hardened, 3, Options{})
	if r := run(t, hard, "Get-ATPProtectionPolicyRule", nil); r.Len != 2 {
		t.Errorf("hardened ATP rules = %d, want the Strict and Standard presets", r.Len)
	}
	// A spec's licences win over the posture's.
	lic := New(Options{}).AddTenant(TenantSpec{Domain: "x.onmicrosoft.com", Posture: Hardened, Licenses: []string{}})
	runErr(t, lic, "Get-AtpPolicyForO365", nil)
	alerts := objects(runOn(t, lic, Compliance, "Get-ProtectionAlert", nil))
	if slices.ContainsFunc(alerts, func(o Object) bool { return strings.Contains(o.str("Name"), "malicious URL click") }) {
		t.Error("the URL-click alert is a Plan 2 alert; a tenant without Plan 2 has none")
	}
}

func TestProtectionRulesFollowThePosture(t *testing.T) {
	risky := tenantWith(t, Risky, 3, Options{})
	rules := objects(run(t, risky, "Get-HostedOutboundSpamFilterRule", nil))
	if len(rules) != 1 || rules[0].str("State") != "Enabled" || rules[0].str("HostedOutboundSpamFilterPolicy") != "Sales relay" {
		t.Fatalf("risky outbound rules = %v", rules)
	}
	pol := run(t, risky, "Get-HostedOutboundSpamFilterPolicy", map[string]any{"Identity": "Sales relay"}).Object(0)
	if pol.str("AutoForwardingMode") != "On" || val(t, pol, "IsDefault") != false {
		t.Errorf("custom outbound policy = %v", pol)
	}
	if r := run(t, risky, "Get-EOPProtectionPolicyRule", nil); r.Len != 0 {
		t.Errorf("risky tenant has %d preset rules, want none", r.Len)
	}
	hard := tenantWith(t, Hardened, 3, Options{})
	eop := objects(run(t, hard, "Get-EOPProtectionPolicyRule", map[string]any{"State": "Enabled"}))
	if len(eop) != 2 || !strings.HasPrefix(eop[1].str("AntiPhishPolicy"), "Standard Preset Security Policy") {
		t.Fatalf("hardened EOP rules = %v", eop)
	}
	ap := objects(run(t, hard, "Get-AntiPhishPolicy", nil))
	if len(ap) != 2 || ap[1].str("RecommendedPolicyType") != "Standard" || ap[1].str("Name") != eop[1].str("AntiPhishPolicy") {
		t.Errorf("the Standard preset anti-phish policy is missing or misnamed: %v", ap)
	}
}

func TestManagementRoleAssignmentFollowsThePolicy(t *testing.T) {
	tn := tenantWith(t, Fresh, 3, Options{})
	q := map[string]any{"RoleAssignee": "Default Role Assignment Policy", "Role": "My Marketplace Apps"}
	rows := objects(run(t, tn, "Get-ManagementRoleAssignment", q))
	if len(rows) != 1 || rows[0].str("Name") != "My Marketplace Apps-Default Role Assignment Policy" || rows[0].str("RoleAssigneeType") != "RoleAssignmentPolicy" {
		t.Fatalf("rows = %v", rows)
	}
	run(t, tn, "Remove-ManagementRoleAssignment", map[string]any{"Identity": "My Marketplace Apps-Default Role Assignment Policy"})
	if r := run(t, tn, "Get-ManagementRoleAssignment", q); r.Len != 0 {
		t.Errorf("the removed assignment is still listed")
	}
	roles := val(t, run(t, tn, "Get-RoleAssignmentPolicy", nil).Object(0), "AssignedRoles").([]string)
	if slices.Contains(roles, "My Marketplace Apps") {
		t.Errorf("the policy still holds the removed role: %v", roles)
	}
	e := runErr(t, tn, "Remove-ManagementRoleAssignment", map[string]any{"Identity": "nothing-here"})
	if e.Status != 404 {
		t.Errorf("unknown assignment: %d, want 404", e.Status)
	}
}

// -Delegating picks delegating ($true) or regular ($false) assignments; the
// tenant's are all regular. -GetEffectiveUsers, which would list members,
// is refused as not emulated rather than answered unexpanded.
func TestManagementRoleAssignmentParametersAreHonoured(t *testing.T) {
	tn := tenantWith(t, Fresh, 3, Options{})
	all := run(t, tn, "Get-ManagementRoleAssignment", nil).Len
	if all == 0 {
		t.Fatal("no role assignments")
	}
	if n := run(t, tn, "Get-ManagementRoleAssignment", map[string]any{"Delegating": true}).Len; n != 0 {
		t.Errorf("-Delegating $true: %d rows, want none (every row is Regular)", n)
	}
	if n := run(t, tn, "Get-ManagementRoleAssignment", map[string]any{"Delegating": false}).Len; n != all {
		t.Errorf("-Delegating $false: %d rows, want all %d", n, all)
	}
	if e := runErr(t, tn, "Get-ManagementRoleAssignment", map[string]any{"GetEffectiveUsers": true}); !strings.Contains(e.Detail, "does not emulate") {
		t.Errorf("-GetEffectiveUsers: %+v", e)
	}
}

func TestAuditBypassAssociation(t *testing.T) {
	hard := tenantWith(t, Hardened, 5, Options{})
	rows := objects(run(t, hard, "Get-MailboxAuditBypassAssociation", map[string]any{"ResultSize": "Unlimited"}))
	if len(rows) != 3+5 {
		t.Fatalf("rows = %d, want 3 system mailboxes + 5 mailboxes", len(rows))
	}
	for _, o := range rows {
		if val(t, o, "AuditBypassEnabled") != false {
			t.Errorf("hardened %s has bypass on", o.str("Name"))
		}
	}
	risky := tenantWith(t, Risky, 5, Options{})
	svc := run(t, risky, "Get-MailboxAuditBypassAssociation", map[string]any{"Identity": "svc-archive"}).Object(0)
	if val(t, svc, "AuditBypassEnabled") != true {
		t.Fatal("risky tenant's service account should bypass auditing")
	}
	run(t, risky, "Set-MailboxAuditBypassAssociation", map[string]any{"Identity": "svc-archive", "AuditBypassEnabled": false})
	svc = run(t, risky, "Get-MailboxAuditBypassAssociation", map[string]any{"Identity": "svc-archive"}).Object(0)
	if val(t, svc, "AuditBypassEnabled") != false {
		t.Error("the write is not seen by the next read")
	}
	r := run(t, risky, "Set-MailboxAuditBypassAssociation", map[string]any{"Identity": "svc-archive", "AuditBypassEnabled": false})
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "no settings") {
		t.Errorf("a write that changes nothing warns: %v", r.Warnings)
	}
	runErr(t, risky, "Set-MailboxAuditBypassAssociation", map[string]any{"Identity": "svc-archive"}) // AuditBypassEnabled is mandatory
}

// Get-UnifiedAuditLogRetentionPolicy takes the filters its reference lists:
// a Hardened tenant's policy (twelve months, Exchange record types, no
// operation or user named) is kept or dropped by them; -RecordType is
// refused as not emulated; a duration outside the enum is a binding error.
func TestUnifiedAuditLogRetentionPolicyFilters(t *testing.T) {
	tn := tenantWith(t, Hardened, 3, Options{})
	count := func(p map[string]any) int {
		return runOn(t, tn, Compliance, "Get-UnifiedAuditLogRetentionPolicy", p).Len
	}
	if n := count(nil); n != 1 {
		t.Fatalf("%d policies, want the Hardened tenant's one", n)
	}
	for p, want := range map[string]int{
		`{"RetentionDuration":"TwelveMonths"}`: 1, `{"RetentionDuration":"TenYears"}`: 0,
		`{"Operation":"MailItemsAccessed"}`: 0, `{"UserId":"admin"}`: 0,
	} {
		var params map[string]any
		if err := json.Unmarshal([]byte(p), &params); err != nil {
			t.Fatal(err)
		}
		if n := count(params); n != want {
			t.Errorf("%s: %d policies, want %d", p, n, want)
		}
	}
	for p, want := range map[string]string{"RecordType": "does not emulate", "RetentionDuration": "ParameterBinding"} {
		_, err := tn.Invoke(context.Background(), Compliance, "Get-UnifiedAuditLogRetentionPolicy", map[string]any{p: "Forever"})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("-%s Forever: %v", p, err)
		}
	}
}
