package directory

import (
	"strings"
	"testing"
)

func TestMailboxIdentityForms(t *testing.T) {
	t.Parallel()
	tn := New(Options{Seed: 3}).AddTenant(TenantSpec{Domain: "contoso.onmicrosoft.com", Mailboxes: 3000})
	m := tn.gen(1234)
	for _, id := range []string{
		m.alias,
		strings.ToUpper(m.alias),
		m.upn(),
		m.coexistSmtp(),
		m.guid(),
		m.exGuid(),
		m.objectID(),
		m.dn(),
		tn.forest + ".PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/" + tn.domain + "/" + m.alias,
		"NAMPRD01\\" + m.alias,
		m.legacyDN(),
	} {
		r := run(t, tn, "Get-Mailbox", map[string]any{"Identity": id})
		if r.Len != 1 || r.Object(0).str("Alias") != m.alias {
			t.Errorf("Identity %q resolved to %d objects (%v)", id, r.Len, r.Object(0).str("Alias"))
		}
	}
	// Other mailbox-identity cmdlets share the resolution.
	for _, c := range []string{"Get-CASMailbox", "Get-MailboxStatistics", "Get-MailboxPermission", "Get-Recipient"} {
		if r := run(t, tn, c, map[string]any{"Identity": m.upn()}); r.Len < 1 {
			t.Errorf("%s by UPN returned nothing", c)
		}
	}
}

func TestIdentityNotFoundAndAmbiguous(t *testing.T) {
	t.Parallel()
	tn := New(Options{}).AddTenant(TenantSpec{Domain: "fabrikam.onmicrosoft.com"})
	e := runErr(t, tn, "Get-Mailbox", map[string]any{"Identity": "ghost@fabrikam.com"})
	want := "The operation couldn't be performed because object 'ghost@fabrikam.com' couldn't be found on '" + tn.dc + "'."
	if e.Status != 404 || e.Code != "NotFound" || e.ErrorID != "Ex6F9304" || e.Detail != want || e.Message != "Error executing cmdlet" ||
		!strings.HasSuffix(e.ExceptionType, "ManagementObjectNotFoundException") || e.Target != "ghost@fabrikam.com" {
		t.Errorf("not found error = %+v", e)
	}
	// The shared mailbox "sales" and the group named "Sales" are both recipients.
	e = runErr(t, tn, "Get-Recipient", map[string]any{"Identity": "sales"})
	if e.ErrorID != "Ex9E65A2" || !strings.HasSuffix(e.ExceptionType, "ManagementObjectAmbiguousException") {
		t.Errorf("ambiguous error = %+v", e)
	}
	// Each cmdlet only sees its own object class, so they resolve.
	if r := run(t, tn, "Get-Mailbox", map[string]any{"Identity": "sales"}); r.Object(0).str("RecipientTypeDetails") != "SharedMailbox" {
		t.Errorf("Get-Mailbox sales = %v", r.Object(0).str("RecipientTypeDetails"))
	}
	if r := run(t, tn, "Get-DistributionGroup", map[string]any{"Identity": "sales"}); r.Object(0).str("Name") != "Sales" {
		t.Errorf("Get-DistributionGroup sales = %v", r.Object(0).str("Name"))
	}
	// Config objects resolve by Name, DistinguishedName and Guid.
	rd := run(t, tn, "Get-RemoteDomain", map[string]any{"Identity": "Default"}).Object(0)
	for _, id := range []string{rd.str("DistinguishedName"), rd.str("Guid"), "default"} {
		if r := run(t, tn, "Get-RemoteDomain", map[string]any{"Identity": id}); r.Len != 1 {
			t.Errorf("Get-RemoteDomain %q: %d", id, r.Len)
		}
	}
}

func TestIdentityAfterWrite(t *testing.T) {
	t.Parallel()
	tn := New(Options{}).AddTenant(TenantSpec{Domain: "contoso.onmicrosoft.com"})
	run(t, tn, "Set-Mailbox", map[string]any{"Identity": "admin", "EmailAddresses": ht("Add", "smtp:boss@contoso.com")})
	if r := run(t, tn, "Get-Mailbox", map[string]any{"Identity": "boss@contoso.com"}); r.Object(0).str("Alias") != "admin" {
		t.Errorf("new proxy address does not resolve")
	}
	run(t, tn, "Set-Mailbox", map[string]any{"Identity": "admin", "EmailAddresses": ht("Remove", "smtp:boss@contoso.com")})
	runErr(t, tn, "Get-Mailbox", map[string]any{"Identity": "boss@contoso.com"})
}

func TestReplacedProxyAddressesStopResolving(t *testing.T) {
	t.Parallel()
	tn := New(Options{}).AddTenant(TenantSpec{Domain: "contoso.onmicrosoft.com"})
	run(t, tn, "Set-Mailbox", map[string]any{"Identity": "admin", "EmailAddresses": []any{"SMTP:admin@contoso.com", "smtp:root@contoso.com"}})
	runErr(t, tn, "Get-Mailbox", map[string]any{"Identity": "admin@contoso.onmicrosoft.com"})
	if r := run(t, tn, "Get-Mailbox", map[string]any{"Identity": "root@contoso.com"}); r.Object(0).str("Alias") != "admin" {
		t.Error("new proxy address does not resolve")
	}
	if e := runErr(t, tn, "Set-Mailbox", map[string]any{"Identity": "admin", "EmailAddresses": []any{"smtp:a@contoso.com"}}); e.Status != 400 {
		t.Errorf("a proxy list without a primary address: %d", e.Status)
	}
}
