package directory

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestKnown(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		svc  Service
		name string
		want bool
	}{
		{Exchange, "Get-Mailbox", true},
		{Exchange, "get-mailbox", true},
		{Exchange, "GET-CASMAILBOX", true},
		{Exchange, "Get-DlpCompliancePolicy", false},
		{Compliance, "Get-DlpCompliancePolicy", true},
		{Compliance, "get-retentioncompliancepolicy", true},
		{Compliance, "Get-AdminAuditLogConfig", true},
		{Compliance, "Get-Mailbox", false},
		{Exchange, "Get-Teleporter", false},
		{Compliance, "Get-ProtectionAlert", true},
		{Compliance, "Set-ProtectionAlert", true},
		{Compliance, "Get-UnifiedAuditLogRetentionPolicy", true},
		{Exchange, "Get-ProtectionAlert", false},
	} {
		if got := Known(c.svc, c.name); got != c.want {
			t.Errorf("Known(%v, %q) = %v", c.svc, c.name, got)
		}
	}
	want := []string{"Get-OrganizationConfig", "Set-OrganizationConfig", "Get-TransportConfig", "Set-TransportConfig", "Get-AdminAuditLogConfig",
		"Set-AdminAuditLogConfig", "Get-AcceptedDomain", "Get-RemoteDomain", "Set-RemoteDomain", "Get-Mailbox", "Set-Mailbox", "Get-CASMailbox",
		"Set-CASMailbox", "Get-MailboxPermission", "Add-MailboxPermission", "Remove-MailboxPermission", "Get-InboxRule", "Get-MailboxStatistics",
		"Get-TransportRule", "New-TransportRule", "Set-TransportRule", "Remove-TransportRule", "Get-DkimSigningConfig", "Set-DkimSigningConfig",
		"Get-HostedOutboundSpamFilterPolicy", "Set-HostedOutboundSpamFilterPolicy", "Get-ExternalInOutlook", "Get-DistributionGroup",
		"Set-DistributionGroup", "Get-DistributionGroupMember", "Add-DistributionGroupMember", "Remove-DistributionGroupMember", "Get-Recipient",
		"Get-User", "Get-SharingPolicy", "Set-SharingPolicy", "Get-OwaMailboxPolicy", "Set-OwaMailboxPolicy", "Get-HostedContentFilterPolicy",
		"Set-HostedContentFilterPolicy", "Get-HostedConnectionFilterPolicy", "Set-HostedConnectionFilterPolicy", "Get-MalwareFilterPolicy",
		"Set-MalwareFilterPolicy", "Get-AntiPhishPolicy", "Set-AntiPhishPolicy", "Get-RoleAssignmentPolicy", "Set-ExternalInOutlook",
		"New-DkimSigningConfig", "Enable-TransportRule", "Disable-TransportRule"}
	for _, c := range want {
		if !Known(Exchange, c) {
			t.Errorf("%s is not offered", c)
		}
	}
	tn := New(Options{}).AddTenant(TenantSpec{Domain: "x.onmicrosoft.com"})
	if _, err := tn.Invoke(context.Background(), Exchange, "Get-Teleporter", nil); err == nil || err.(*Error).Status != 403 {
		t.Errorf("unknown cmdlet: %v", err)
	}
}

func TestStoreLookup(t *testing.T) {
	t.Parallel()
	s := New(Options{})
	a := s.AddTenant(TenantSpec{Domain: "Contoso.onmicrosoft.com", ID: "AAAAAAAA-2222-3333-4444-555555555555"})
	for _, k := range []string{"contoso.onmicrosoft.com", "CONTOSO.ONMICROSOFT.COM", "aaaaaaaa-2222-3333-4444-555555555555", "AAAAAAAA-2222-3333-4444-555555555555"} {
		if got, ok := s.Tenant(k); !ok || got != a {
			t.Errorf("Tenant(%q) not found", k)
		}
	}
	if _, ok := s.Tenant("other.onmicrosoft.com"); ok {
		t.Error("found a tenant that was never added")
	}
	if a.MailboxCount() != DefaultMailboxes {
		t.Errorf("MailboxCount = %d", a.MailboxCount())
	}
	if b := s.AddTenant(TenantSpec{Domain: "fabrikam.onmicrosoft.com"}); !isGUID(b.ID()) || b.ID() == a.ID() {
		t.Errorf("derived id %q", b.ID())
	}
	// Re-adding the same id under another domain replaces the tenant: the
	// old domain no longer resolves and Tenants lists each tenant once.
	c := s.AddTenant(TenantSpec{Domain: "northwind.onmicrosoft.com", ID: a.ID()})
	if got, ok := s.Tenant(a.ID()); !ok || got != c {
		t.Error("Tenant(id) does not return the replacement")
	}
	if _, ok := s.Tenant("contoso.onmicrosoft.com"); ok {
		t.Error("the replaced tenant's domain still resolves")
	}
	if all := s.Tenants(); len(all) != 2 || all[0].Domain() != "fabrikam.onmicrosoft.com" || all[1] != c {
		t.Errorf("Tenants after a replace = %d tenants", len(all))
	}
}

func TestDeterminism(t *testing.T) {
	t.Parallel()
	dump := func(seed int64) [][]Object {
		tn := New(Options{Seed: seed}).AddTenant(TenantSpec{Domain: "contoso.onmicrosoft.com", Mailboxes: 300})
		var out [][]Object
		for _, c := range []struct {
			svc    Service
			cmdlet string
			p      map[string]any
		}{
			{Exchange, "Get-Mailbox", map[string]any{"ResultSize": "Unlimited"}},
			{Exchange, "Get-CASMailbox", map[string]any{"ResultSize": "Unlimited"}},
			{Exchange, "Get-Recipient", map[string]any{"ResultSize": "Unlimited"}},
			{Exchange, "Get-OrganizationConfig", nil},
			{Exchange, "Get-TransportRule", nil},
			{Exchange, "Get-DistributionGroupMember", map[string]any{"Identity": "All Staff", "ResultSize": "Unlimited"}},
			{Exchange, "Get-MailboxPermission", map[string]any{"Identity": "info"}},
			{Exchange, "Get-InboxRule", map[string]any{"Mailbox": "admin", "IncludeHidden": true}},
			{Exchange, "Get-MailboxStatistics", map[string]any{"Identity": "admin"}},
			{Compliance, "Get-DlpCompliancePolicy", nil},
		} {
			out = append(out, objects(runOn(t, tn, c.svc, c.cmdlet, c.p)))
		}
		return out
	}
	a, b := dump(42), dump(42)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two stores with the same seed differ")
	}
	if reflect.DeepEqual(a, dump(43)) {
		t.Fatal("a different store seed produced the same tenant")
	}
}

func TestReplicationDelay(t *testing.T) {
	t.Parallel()
	clock := newClock()
	tn := tenantWith(t, Fresh, 25, Options{ReplicationDelay: 6 * time.Second, Now: clock.now})
	r := run(t, tn, "New-TransportRule", map[string]any{"Name": "External warning", "FromScope": "NotInOrganization", "PrependSubject": "[External] "})
	if r.Len != 1 || r.Write == nil || r.Object(0).str("Name") != "External warning" {
		t.Fatalf("New-TransportRule returned %d objects, write %v", r.Len, r.Write)
	}
	e := runErr(t, tn, "Get-TransportRule", map[string]any{"Identity": "External warning"})
	if e.Status != 404 {
		t.Errorf("read right after create: %d, want 404", e.Status)
	}
	if e := runErr(t, tn, "Set-TransportRule", map[string]any{"Identity": "External warning", "Mode": "Audit"}); e.Status != 404 {
		t.Errorf("set right after create: %d", e.Status)
	}
	before := run(t, tn, "Get-TransportRule", nil).Len
	clock.advance(6 * time.Second)
	got := run(t, tn, "Get-TransportRule", map[string]any{"Identity": "External warning"}).Object(0)
	if got.str("FromScope") != "NotInOrganization" || got.str("PrependSubject") != "[External] " {
		t.Errorf("created rule = %v", got.Map())
	}
	if after := run(t, tn, "Get-TransportRule", nil).Len; after != before+1 {
		t.Errorf("list after replication: %d, want %d", after, before+1)
	}
}

func TestResultSize(t *testing.T) {
	t.Parallel()
	tn := New(Options{}).AddTenant(TenantSpec{Domain: "big.onmicrosoft.com", Mailboxes: 1500})
	for _, c := range []struct {
		rs       any
		wantLen  int
		wantWarn string
	}{
		{nil, 1000, "By default, only the first 1000 items are returned."},
		{"Unlimited", 1500, ""},
		{"unlimited", 1500, ""},
		{float64(10), 10, "increase the value for the ResultSize parameter"},
		{"1500", 1500, ""},
		{float64(2000), 1500, ""},
	} {
		p := map[string]any{}
		if c.rs != nil {
			p["ResultSize"] = c.rs
		}
		r := run(t, tn, "Get-Mailbox", p)
		warned := len(r.Warnings) == 1 && strings.Contains(r.Warnings[0], c.wantWarn)
		if r.Len != c.wantLen || (c.wantWarn == "" && len(r.Warnings) != 0) || (c.wantWarn != "" && !warned) {
			t.Errorf("ResultSize %v: Len %d warnings %q", c.rs, r.Len, r.Warnings)
		}
	}
	// A filter counts matches, not mailboxes.
	all := run(t, tn, "Get-CASMailbox", map[string]any{"ResultSize": "Unlimited"})
	want := 0
	for _, o := range objects(all) {
		if val(t, o, "PopEnabled") == true {
			want++
		}
	}
	got := run(t, tn, "Get-CASMailbox", map[string]any{"ResultSize": "Unlimited", "Filter": "PopEnabled -eq $true"})
	if got.Len != want || want == 0 || want == all.Len {
		t.Errorf("filtered %d, counted %d of %d", got.Len, want, all.Len)
	}
	for _, o := range objects(got) {
		if val(t, o, "PopEnabled") != true {
			t.Fatal("filter returned a mailbox with POP off")
		}
	}
}

func TestMailboxWrites(t *testing.T) {
	t.Parallel()
	tn := tenantWith(t, Risky, 50, Options{})
	fwd := run(t, tn, "Get-Mailbox", map[string]any{"Filter": "ForwardingSmtpAddress -ne $null", "ResultSize": "Unlimited"})
	if fwd.Len == 0 {
		t.Fatal("a risky tenant has no forwarding mailbox")
	}
	id := fwd.Object(0).str("UserPrincipalName")
	run(t, tn, "Set-Mailbox", map[string]any{"Identity": id, "ForwardingSmtpAddress": nil, "DeliverToMailboxAndForward": false})
	o := run(t, tn, "Get-Mailbox", map[string]any{"Identity": id}).Object(0)
	if val(t, o, "ForwardingSmtpAddress") != nil || val(t, o, "DeliverToMailboxAndForward") != false {
		t.Errorf("forwarding not cleared: %v", o.Map()["ForwardingSmtpAddress"])
	}
	if after := run(t, tn, "Get-Mailbox", map[string]any{"Filter": "ForwardingSmtpAddress -ne $null", "ResultSize": "Unlimited"}); after.Len != fwd.Len-1 {
		t.Errorf("filter after write: %d, want %d", after.Len, fwd.Len-1)
	}
	run(t, tn, "Set-Mailbox", map[string]any{"Identity": "admin", "ForwardingSmtpAddress": "boss@gmail.com"})
	if got := run(t, tn, "Get-Mailbox", map[string]any{"Identity": "admin"}).Object(0).str("ForwardingSmtpAddress"); got != "smtp:boss@gmail.com" {
		t.Errorf("ForwardingSmtpAddress = %q", got)
	}
	run(t, tn, "Set-Mailbox", map[string]any{"Identity": "admin", "ForwardingAddress": "info"})
	if got := run(t, tn, "Get-Mailbox", map[string]any{"Identity": "admin"}).Object(0).str("ForwardingAddress"); got != "info" {
		t.Errorf("ForwardingAddress = %q", got)
	}
	if e := runErr(t, tn, "Set-Mailbox", map[string]any{"Identity": "admin", "ForwardingAddress": "nobody"}); e.Status != 404 {
		t.Errorf("forwarding to an unknown recipient: %d", e.Status)
	}
	// Converting to shared changes the type everywhere.
	run(t, tn, "Set-Mailbox", map[string]any{"Identity": "admin", "Type": "Shared"})
	if got := run(t, tn, "Get-Recipient", map[string]any{"Identity": "admin"}).Object(0).str("RecipientTypeDetails"); got != "SharedMailbox" {
		t.Errorf("after -Type Shared: %q", got)
	}
	shared := run(t, tn, "Get-Mailbox", map[string]any{"RecipientTypeDetails": "SharedMailbox", "ResultSize": "Unlimited"})
	if !slices.ContainsFunc(objects(shared), func(o Object) bool { return o.str("Alias") == "admin" }) {
		t.Error("-RecipientTypeDetails SharedMailbox misses the converted mailbox")
	}
	// CAS settings.
	run(t, tn, "Set-CASMailbox", map[string]any{"Identity": "admin", "PopEnabled": false, "SmtpClientAuthenticationDisabled": true})
	o = run(t, tn, "Get-CASMailbox", map[string]any{"Identity": "admin"}).Object(0)
	if val(t, o, "PopEnabled") != false || val(t, o, "SmtpClientAuthenticationDisabled") != true {
		t.Errorf("CAS write not visible")
	}
	run(t, tn, "Set-CASMailbox", map[string]any{"Identity": "admin", "SmtpClientAuthenticationDisabled": nil})
	if v := val(t, run(t, tn, "Get-CASMailbox", map[string]any{"Identity": "admin"}).Object(0), "SmtpClientAuthenticationDisabled"); v != nil {
		t.Errorf("$null should restore the org default, got %v", v)
	}
}

func TestResultSnapshotIsStable(t *testing.T) {
	t.Parallel()
	tn := New(Options{}).AddTenant(TenantSpec{Domain: "contoso.onmicrosoft.com"})
	r := run(t, tn, "Get-CASMailbox", map[string]any{"Identity": "admin"})
	run(t, tn, "Set-CASMailbox", map[string]any{"Identity": "admin", "PopEnabled": !val(t, r.Object(0), "PopEnabled").(bool)})
	again := run(t, tn, "Get-CASMailbox", map[string]any{"Identity": "admin"})
	if val(t, r.Object(0), "PopEnabled") == val(t, again.Object(0), "PopEnabled") {
		t.Error("a Result built before a write must keep its values and the next read must see the write")
	}
}

func TestMailboxPermissions(t *testing.T) {
	t.Parallel()
	tn := New(Options{}).AddTenant(TenantSpec{Domain: "contoso.onmicrosoft.com", Mailboxes: 40})
	rows := objects(run(t, tn, "Get-MailboxPermission", map[string]any{"Identity": "info"}))
	if len(rows) < 2 || rows[0].str("User") != `NT AUTHORITY\SELF` || !slices.Equal(val(t, rows[0], "AccessRights").([]string), []string{"FullAccess, ReadPermission"}) {
		t.Fatalf("shared mailbox permissions = %v", rows)
	}
	delegate := rows[1].str("User")
	// Adding what exists changes nothing.
	r := run(t, tn, "Add-MailboxPermission", map[string]any{"Identity": "info", "User": delegate, "AccessRights": []any{"FullAccess"}, "AutoMapping": false})
	if r.Write != nil || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "An existing permission entry was found for user") {
		t.Errorf("existing permission: write %v warnings %q", r.Write, r.Warnings)
	}
	var newUser mbx // a user mailbox without a permission on info
	for k := int32(10); ; k++ {
		newUser = tn.gen(k)
		if newUser.kind == kUser && !slices.ContainsFunc(rows, func(o Object) bool { return o.str("User") == newUser.upn() }) {
			break
		}
	}
	r = run(t, tn, "Add-MailboxPermission", map[string]any{"Identity": "info", "User": newUser.alias, "AccessRights": "FullAccess"})
	if r.Write == nil || r.Len != 1 || r.Object(0).str("User") != newUser.upn() {
		t.Fatalf("new permission: write %v len %d", r.Write, r.Len)
	}
	got := run(t, tn, "Get-MailboxPermission", map[string]any{"Identity": "info", "User": newUser.alias})
	if got.Len != 1 {
		t.Errorf("Get -User after Add: %d rows", got.Len)
	}
	if r := run(t, tn, "Remove-MailboxPermission", map[string]any{"Identity": "info", "User": newUser.alias, "AccessRights": "FullAccess", "Confirm": false}); r.Write == nil {
		t.Error("remove wrote nothing")
	}
	r = run(t, tn, "Remove-MailboxPermission", map[string]any{"Identity": "info", "User": newUser.alias, "AccessRights": "FullAccess", "Confirm": false})
	if r.Write != nil || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "ACE doesn't exist") {
		t.Errorf("removing a missing permission: write %v warnings %q", r.Write, r.Warnings)
	}
	if e := runErr(t, tn, "Add-MailboxPermission", map[string]any{"Identity": "info", "User": newUser.alias, "AccessRights": "Everything"}); e.Status != 400 {
		t.Errorf("bad AccessRights: %d", e.Status)
	}
}

func TestDistributionGroupMembers(t *testing.T) {
	t.Parallel()
	tn := New(Options{}).AddTenant(TenantSpec{Domain: "contoso.onmicrosoft.com", Mailboxes: 60})
	members := objects(run(t, tn, "Get-DistributionGroupMember", map[string]any{"Identity": "IT Admins"}))
	if len(members) == 0 || members[0].str("Alias") != "admin" {
		t.Fatalf("IT Admins members = %v", members)
	}
	e := runErr(t, tn, "Add-DistributionGroupMember", map[string]any{"Identity": "IT Admins", "Member": "admin@contoso.com"})
	if e.Status != 400 || !strings.HasSuffix(e.ExceptionType, "MemberAlreadyExistsException") || !strings.Contains(e.Detail, "is already a member of the group") {
		t.Errorf("adding an existing member: %+v", e)
	}
	if e := runErr(t, tn, "Add-DistributionGroupMember", map[string]any{"Identity": "IT Admins", "Member": "IT Admins"}); !strings.Contains(e.Detail, "can't be a member of itself") {
		t.Errorf("adding a group to itself: %+v", e)
	}
	r := run(t, tn, "Add-DistributionGroupMember", map[string]any{"Identity": "IT Admins", "Member": "info"})
	if r.Write == nil || r.Len != 0 {
		t.Errorf("add member: write %v len %d", r.Write, r.Len)
	}
	after := objects(run(t, tn, "Get-DistributionGroupMember", map[string]any{"Identity": "itadmins"}))
	if len(after) != len(members)+1 || after[len(after)-1].str("Alias") != "info" {
		t.Errorf("members after add: %d", len(after))
	}
	run(t, tn, "Remove-DistributionGroupMember", map[string]any{"Identity": "IT Admins", "Member": "info", "Confirm": false})
	e = runErr(t, tn, "Remove-DistributionGroupMember", map[string]any{"Identity": "IT Admins", "Member": "info", "Confirm": false})
	if !strings.HasSuffix(e.ExceptionType, "MemberNotFoundException") {
		t.Errorf("removing a non-member: %+v", e)
	}
	// Nested groups are members too.
	fin := objects(run(t, tn, "Get-DistributionGroupMember", map[string]any{"Identity": "Finance"}))
	if !slices.ContainsFunc(fin, func(o Object) bool { return o.str("RecipientTypeDetails") == "MailUniversalSecurityGroup" }) {
		t.Error("Finance has no nested group member")
	}
}

func TestTransportRuleLifecycle(t *testing.T) {
	t.Parallel()
	tn := tenantWith(t, Fresh, 25, Options{})
	n0 := run(t, tn, "Get-TransportRule", nil).Len
	r := run(t, tn, "New-TransportRule", map[string]any{"Name": "Block exe", "SentToScope": "NotInOrganization", "SetSCL": float64(-1),
		"SenderDomainIs": []any{"spam.example"}, "Priority": float64(0), "Enabled": false})
	o := r.Object(0)
	if val(t, o, "Priority") != 0 || o.str("State") != "Disabled" || val(t, o, "SetSCL") != -1 ||
		!slices.Contains(val(t, o, "Conditions").([]string), rulesNS+"SenderDomainIsPredicate") {
		t.Errorf("new rule = %v", o.Map())
	}
	if e := runErr(t, tn, "New-TransportRule", map[string]any{"Name": "block exe"}); e.Status != 400 {
		t.Errorf("duplicate rule name: %d", e.Status)
	}
	all := objects(run(t, tn, "Get-TransportRule", nil))
	for i, o := range all {
		if val(t, o, "Priority") != i {
			t.Errorf("rule %q has priority %v at position %d", o.str("Name"), val(t, o, "Priority"), i)
		}
	}
	if e := runErr(t, tn, "Set-TransportRule", map[string]any{"Identity": "Block exe", "Enabled": true}); e.Status != 400 {
		t.Errorf("Set-TransportRule -Enabled (a New- parameter only): %d", e.Status)
	}
	run(t, tn, "Enable-TransportRule", map[string]any{"Identity": "Block exe"})
	run(t, tn, "Set-TransportRule", map[string]any{"Identity": "Block exe", "RedirectMessageTo": []any{"x@y.example"}})
	o = run(t, tn, "Get-TransportRule", map[string]any{"Identity": "Block exe"}).Object(0)
	if o.str("State") != "Enabled" || !strings.Contains(o.str("Description"), "Redirect the message to 'x@y.example'") {
		t.Errorf("after set: %v / %q", o.str("State"), o.str("Description"))
	}
	if got := run(t, tn, "Get-TransportRule", map[string]any{"State": "Enabled"}).Len; got == 0 {
		t.Error("-State Enabled found nothing")
	}
	run(t, tn, "Remove-TransportRule", map[string]any{"Identity": "Block exe", "Confirm": false})
	if got := run(t, tn, "Get-TransportRule", nil).Len; got != n0 {
		t.Errorf("after remove: %d rules, want %d", got, n0)
	}
	if e := runErr(t, tn, "Remove-TransportRule", map[string]any{"Identity": "Block exe"}); e.Status != 404 {
		t.Errorf("remove twice: %d", e.Status)
	}
}

func TestInboxRulesAndStatistics(t *testing.T) {
	t.Parallel()
	tn := tenantWith(t, Fresh, 25, Options{})
	m := tn.gen(7) // carries a forwarding rule in every non-hardened tenant
	rules := objects(run(t, tn, "Get-InboxRule", map[string]any{"Mailbox": m.upn()}))
	var fwd Object
	for _, r := range rules {
		for _, p := range []string{"ForwardTo", "RedirectTo", "ForwardAsAttachmentTo"} {
			if v, _ := r.Get(p); v != nil {
				fwd = r
			}
		}
	}
	if fwd == nil {
		t.Fatalf("mailbox 7 has no forwarding rule: %v", rules)
	}
	if !strings.HasPrefix(fwd.str("Identity"), m.objectID()+`\`) {
		t.Errorf("rule Identity %q", fwd.str("Identity"))
	}
	if _, ok := val(t, fwd, "RuleIdentity").(uint64); !ok {
		t.Error("RuleIdentity is not a UInt64")
	}
	hidden := run(t, tn, "Get-InboxRule", map[string]any{"Mailbox": m.upn(), "IncludeHidden": true})
	if hidden.Len != len(rules)+1 || hidden.Object(0).str("Name") != "Junk E-mail Rule" {
		t.Errorf("IncludeHidden: %d rules", hidden.Len)
	}
	one := run(t, tn, "Get-InboxRule", map[string]any{"Mailbox": m.upn(), "Identity": fwd.str("Identity")})
	if one.Len != 1 {
		t.Errorf("rule by identity: %d", one.Len)
	}
	st := run(t, tn, "Get-MailboxStatistics", map[string]any{"Identity": m.alias}).Object(0)
	if !strings.HasSuffix(st.str("TotalItemSize"), " bytes)") || st.str("MailboxTypeDetail") != "UserMailbox" {
		t.Errorf("statistics = %v", st.Map())
	}
}

func TestComplianceCmdlets(t *testing.T) {
	t.Parallel()
	tn := tenantWith(t, Hardened, 25, Options{})
	dlp := objects(runOn(t, tn, Compliance, "Get-DlpCompliancePolicy", nil))
	ok := slices.ContainsFunc(dlp, func(o Object) bool {
		loc, _ := o.Get("ExchangeLocation")
		return strings.Contains(o.str("Workload"), "Exchange") && slices.Contains(loc.([]string), "All") && val(t, o, "Enabled") == true && o.str("Mode") == "Enable"
	})
	if !ok {
		t.Error("hardened tenant has no enforced Exchange DLP policy")
	}
	if !strings.HasPrefix(dlp[0].str("Identity"), "FFO.extest.microsoft.com/Microsoft Exchange Hosted Organizations/") {
		t.Errorf("DLP Identity %q", dlp[0].str("Identity"))
	}
	one := runOn(t, tn, Compliance, "Get-DlpCompliancePolicy", map[string]any{"Identity": "Exchange PII"})
	if one.Len != 1 {
		t.Errorf("DLP by name: %d", one.Len)
	}
	if r := runOn(t, tn, Compliance, "Get-RetentionCompliancePolicy", nil); r.Len == 0 {
		t.Error("hardened tenant has no retention policy")
	}
}

func TestPropertyAnnotations(t *testing.T) {
	t.Parallel()
	tn := New(Options{}).AddTenant(TenantSpec{Domain: "contoso.onmicrosoft.com"})
	o := run(t, tn, "Get-Mailbox", map[string]any{"Identity": "admin"}).Object(0)
	for _, p := range o {
		switch p.Value.(type) {
		case []string:
			if p.ODataType != "#Collection(String)" {
				t.Errorf("%s is an array without #Collection(String)", p.Name)
			}
		}
		if (p.Name == "Guid" || p.Name == "ExchangeGuid") && (p.DataType != "System.Guid" || !isGUID(p.Value.(string))) {
			t.Errorf("%s annotation %q value %v", p.Name, p.DataType, p.Value)
		}
		if p.Name == "WhenMailboxCreated" && (p.DataType != "System.DateTime" || !strings.HasSuffix(p.Value.(string), ".0000000+00:00")) {
			t.Errorf("WhenMailboxCreated %v %q", p.Value, p.DataType)
		}
	}
	if o[len(o)-1].Name != "ObjectState" {
		t.Errorf("the common trailer must end the object, last is %s", o[len(o)-1].Name)
	}
	dk := run(t, tn, "Get-DkimSigningConfig", map[string]any{"Identity": tn.domain}).Object(0)
	if i := dk.index("Selector1KeySize"); dk[i].ODataType != "#Decimal" || dk[i].Value != 2048 {
		t.Errorf("Selector1KeySize %+v", dk[i])
	}
}

func TestConcurrentInvoke(t *testing.T) {
	t.Parallel()
	tn := New(Options{}).AddTenant(TenantSpec{Domain: "contoso.onmicrosoft.com", Mailboxes: 200})
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 30; i++ {
				var err error
				var r *Result
				switch (w + i) % 6 {
				case 0:
					r, err = tn.Invoke(ctx, Exchange, "Get-CASMailbox", map[string]any{"ResultSize": "Unlimited", "Filter": "PopEnabled -eq $true"})
				case 1:
					r, err = tn.Invoke(ctx, Exchange, "Set-CASMailbox", map[string]any{"Identity": tn.gen(int32(10 + i)).alias, "PopEnabled": i%2 == 0})
				case 2:
					r, err = tn.Invoke(ctx, Exchange, "Get-Recipient", map[string]any{"Identity": "admin"})
				case 3:
					r, err = tn.Invoke(ctx, Exchange, "Add-MailboxPermission", map[string]any{"Identity": "info", "User": tn.gen(int32(20 + w)).alias, "AccessRights": "FullAccess"})
				case 4:
					r, err = tn.Invoke(ctx, Exchange, "Set-RemoteDomain", map[string]any{"Identity": "Default", "AutoForwardEnabled": i%2 == 0})
				case 5:
					r, err = tn.Invoke(ctx, Exchange, "Get-Mailbox", map[string]any{"ResultSize": "Unlimited"})
				}
				if err != nil {
					t.Error(err)
					return
				}
				for k := 0; k < r.Len; k++ {
					_ = r.Object(k)
				}
			}
		}(w)
	}
	wg.Wait()
}

func TestCancelledContext(t *testing.T) {
	t.Parallel()
	tn := New(Options{}).AddTenant(TenantSpec{Domain: "contoso.onmicrosoft.com"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tn.Invoke(ctx, Exchange, "Get-Mailbox", nil); err != context.Canceled {
		t.Errorf("err = %v", err)
	}
}

func TestForcedPosture(t *testing.T) {
	t.Parallel()
	s := New(Options{})
	for _, p := range []Posture{Fresh, Risky, Hardened} {
		for i := 0; i < 5; i++ {
			if got := s.AddTenant(TenantSpec{Domain: p.String() + itoa3(i) + ".onmicrosoft.com", Posture: p}).Posture(); got != p {
				t.Errorf("forced %v, got %v", p, got)
			}
		}
	}
}

func TestPolicyRemediation(t *testing.T) {
	t.Parallel()
	tn := tenantWith(t, Risky, 25, Options{})
	run(t, tn, "Set-SharingPolicy", map[string]any{"Identity": "Default Sharing Policy", "Domains": ht("Remove", "*:CalendarSharingFreeBusyDetail, ContactsSharing")})
	if d := val(t, run(t, tn, "Get-SharingPolicy", nil).Object(0), "Domains").([]string); len(d) != 1 || !strings.HasPrefix(d[0], "Anonymous:") {
		t.Errorf("Domains after Remove = %v", d)
	}
	run(t, tn, "Set-HostedConnectionFilterPolicy", map[string]any{"Identity": "Default", "IPAllowList": nil, "EnableSafeList": false})
	o := run(t, tn, "Get-HostedConnectionFilterPolicy", nil).Object(0)
	if l := val(t, o, "IPAllowList").([]string); len(l) != 0 || val(t, o, "EnableSafeList") != false {
		t.Errorf("connection filter after fix = %v", o.Map())
	}
	r, err := tn.Invoke(context.Background(), Compliance, "Set-ProtectionAlert", map[string]any{"Identity": "Suspicious Email Forwarding Activity", "Disabled": false})
	if err != nil || r.Write == nil {
		t.Fatalf("Set-ProtectionAlert: %v", err)
	}
	if e := runErr(t, tn, "Set-AntiPhishPolicy", map[string]any{"Identity": "Office365 AntiPhish Default", "PhishThresholdLevel": float64(7)}); e.Status != 400 {
		t.Errorf("PhishThresholdLevel 7: %d", e.Status)
	}
	u := run(t, tn, "Get-User", map[string]any{"Identity": "admin"}).Object(0)
	if u.str("UserPrincipalName") != "admin@"+tn.custom || val(t, u, "AccountDisabled") != false {
		t.Errorf("Get-User admin = %v", u.Map())
	}
}

func TestIdentityWithFilterAndParameterSets(t *testing.T) {
	t.Parallel()
	tn := tenantWith(t, Risky, 25, Options{})
	if r := run(t, tn, "Get-Mailbox", map[string]any{"Identity": "admin", "Filter": "RecipientTypeDetails -eq 'SharedMailbox'"}); r.Len != 0 {
		t.Errorf("-Identity with a non-matching -Filter returned %d", r.Len)
	}
	if r := run(t, tn, "Get-Recipient", map[string]any{"Identity": "info", "Filter": "RecipientTypeDetails -eq 'SharedMailbox'"}); r.Len != 1 {
		t.Errorf("-Identity with a matching -Filter returned %d", r.Len)
	}
	if r := run(t, tn, "Get-TransportRule", map[string]any{"Identity": "Allow partner newsletters", "Filter": "SetSCL -eq -1"}); r.Len != 1 {
		t.Errorf("Get-TransportRule -Identity -Filter returned %d", r.Len)
	}
	if e := runErr(t, tn, "Get-Mailbox", map[string]any{"Identity": "admin", "Anr": "ad"}); !strings.Contains(e.Detail, "Parameter set cannot be resolved") {
		t.Errorf("-Identity with -Anr: %q", e.Detail)
	}
	if r := run(t, tn, "Get-Mailbox", map[string]any{"Anr": "Tenant Ad"}); r.Len != 1 || r.Object(0).str("Alias") != "admin" {
		t.Errorf("-Anr found %d", r.Len)
	}
}

func TestRename(t *testing.T) {
	t.Parallel()
	tn := tenantWith(t, Risky, 25, Options{})
	run(t, tn, "Set-TransportRule", map[string]any{"Identity": "Allow partner newsletters", "Name": "Partner allow"})
	o := run(t, tn, "Get-TransportRule", map[string]any{"Identity": "Partner allow"}).Object(0)
	if o.str("Identity") != "Partner allow" || !strings.HasPrefix(o.str("DistinguishedName"), "CN=Partner allow,") {
		t.Errorf("renamed rule: %q %q", o.str("Identity"), o.str("DistinguishedName"))
	}
	runErr(t, tn, "Get-TransportRule", map[string]any{"Identity": "Allow partner newsletters"})
	if e := runErr(t, tn, "Set-TransportRule", map[string]any{"Identity": "Partner allow", "Name": "Copy finance mail to archive"}); e.Status != 400 {
		t.Errorf("rename onto an existing rule: %d", e.Status)
	}
	run(t, tn, "Set-DistributionGroup", map[string]any{"Identity": "Finance", "Name": "Finance Team", "DisplayName": "Finance Team"})
	if r := run(t, tn, "Get-DistributionGroup", map[string]any{"Identity": "Finance Team"}); r.Object(0).str("Identity") != "Finance Team" {
		t.Errorf("renamed group Identity %q", r.Object(0).str("Identity"))
	}
}
