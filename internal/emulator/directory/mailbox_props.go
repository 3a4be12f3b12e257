package directory

import (
	"strconv"
	"strings"
	"sync"
	"time"
)

// mprop is one property of a mailbox-backed object (Get-Mailbox,
// Get-CASMailbox, Get-Recipient, Get-MailboxStatistics): its name, wire
// annotations and how to compute it from a generated mailbox.
type mprop struct {
	name, odata, dtype string
	get                func(m *mbx) any
}

// mtable is an ordered property table with a case-insensitive index.
type mtable struct {
	props  []mprop
	byName map[string]int
}

func newTable(props ...mprop) *mtable {
	t := &mtable{props: props, byName: make(map[string]int, len(props))}
	for i, p := range props {
		t.byName[strings.ToLower(p.name)] = i
	}
	return t
}

func (t *mtable) prop(name string) (*mprop, bool) {
	i, ok := t.byName[strings.ToLower(name)]
	if !ok {
		return nil, false
	}
	return &t.props[i], true
}

// object materialises one mailbox through the table.
func (t *mtable) object(m *mbx) Object {
	o := make(Object, len(t.props))
	for i := range t.props {
		p := &t.props[i]
		o[i] = Prop{Name: p.name, Value: m.get(p), ODataType: p.odata, DataType: p.dtype}
	}
	return o
}

// project renders a stored object (a group) with the table's property names
// and annotations, so groups and mailboxes share one output shape.
func (t *mtable) project(o Object) Object {
	out := make(Object, len(t.props))
	for i := range t.props {
		p := &t.props[i]
		v, _ := o.Get(p.name)
		out[i] = Prop{Name: p.name, Value: v, ODataType: p.odata, DataType: p.dtype}
	}
	return out
}

// filterable reports whether a -Filter may name the property: any property
// of the table or of the full mailbox (OPATH filters on directory
// attributes, not on what the cmdlet displays).
func (t *mtable) filterable(name string) bool {
	_, ok := t.prop(name)
	if !ok {
		_, ok = mailboxTable().prop(name)
	}
	return ok
}

// getter returns a filter accessor for mailbox m.
func (t *mtable) getter(m *mbx) func(string) any {
	return func(name string) any {
		p, ok := t.prop(name)
		if !ok {
			if p, ok = mailboxTable().prop(name); !ok {
				return nil
			}
		}
		return m.get(p)
	}
}

func pv(name string, get func(m *mbx) any) mprop { return mprop{name: name, get: get} }
func pa(name string, get func(m *mbx) []string) mprop {
	return mprop{name: name, odata: "#Collection(String)", get: func(m *mbx) any {
		if v := get(m); v != nil {
			return v
		}
		return nil
	}}
}
func pg(name string, get func(m *mbx) string) mprop {
	return mprop{name: name, odata: "#Guid", dtype: "System.Guid", get: func(m *mbx) any { return get(m) }}
}
func pd(name string, get func(m *mbx) time.Time) mprop {
	return mprop{name: name, dtype: "System.DateTime", get: func(m *mbx) any {
		if t := get(m); !t.IsZero() {
			return formatDate(t)
		}
		return nil
	}}
}
func pdu(name string, get func(m *mbx) time.Time) mprop {
	return mprop{name: name, dtype: "System.DateTime", get: func(m *mbx) any {
		if t := get(m); !t.IsZero() {
			return formatDateUTC(t)
		}
		return nil
	}}
}
func pconst(name string, v any) mprop { return pv(name, func(*mbx) any { return v }) }
func pempty(name string) mprop        { return pa(name, func(*mbx) []string { return []string{} }) }

const zeroGUID = "00000000-0000-0000-0000-000000000000"

// Shared property getters.
var (
	mName        = pv("Name", func(m *mbx) any { return m.alias })
	mAlias       = pv("Alias", func(m *mbx) any { return m.alias })
	mDisplayName = pv("DisplayName", func(m *mbx) any { return m.display })
	mPrimarySmtp = pv("PrimarySmtpAddress", func(m *mbx) any { return m.upn() })
	mEmail       = pa("EmailAddresses", func(m *mbx) []string { return m.emailAddresses() })
	mExtID       = pv("ExternalDirectoryObjectId", func(m *mbx) any { return m.objectID() })
	mRTD         = pv("RecipientTypeDetails", func(m *mbx) any { return kindDetails[m.kind] })
	mRT          = pconst("RecipientType", "UserMailbox")
	mHidden      = pv("HiddenFromAddressListsEnabled", func(m *mbx) any { return m.hidden })
	mIdentity    = pv("Identity", func(m *mbx) any { return m.objectID() })
	mGUID        = pg("Guid", func(m *mbx) string { return m.guid() })
	mDN          = pv("DistinguishedName", func(m *mbx) any { return m.dn() })
	mCreated     = pd("WhenCreated", func(m *mbx) time.Time { return m.created })
	mChanged     = pd("WhenChanged", func(m *mbx) time.Time { return m.created.Add(36 * time.Hour) })
	mLegacyDN    = pv("LegacyExchangeDN", func(m *mbx) any { return m.legacyDN() })
	mSam         = pv("SamAccountName", func(m *mbx) any {
		return "$" + strings.ToUpper(m.objectID()[:6]) + "-" + strings.ToUpper(m.objectID()[24:30])
	})
)

// recipientTrailer is the common tail of recipient objects.
func recipientTrailer() []mprop {
	return []mprop{
		mIdentity,
		pv("Id", func(m *mbx) any { return m.objectID() }),
		pconst("IsValid", true),
		pconst("ExchangeVersion", "0.20 (15.0.0.0)"),
		mName,
		mDN,
		pv("ObjectCategory", func(m *mbx) any { return m.t.k.personCategory }),
		pa("ObjectClass", func(*mbx) []string { return []string{"top", "person", "organizationalPerson", "user"} }),
		mChanged,
		mCreated,
		pdu("WhenChangedUTC", func(m *mbx) time.Time { return m.created.Add(36 * time.Hour) }),
		pdu("WhenCreatedUTC", func(m *mbx) time.Time { return m.created }),
		pg("ExchangeObjectId", func(m *mbx) string { return m.guid() }),
		pv("OrganizationalUnitRoot", func(m *mbx) any { return m.t.k.ouRoot }),
		pv("OrganizationId", func(m *mbx) any { return m.t.orgID }),
		mGUID,
		pv("OriginatingServer", func(m *mbx) any { return m.t.server }),
		pconst("ObjectState", "Unchanged"),
	}
}

var mailboxTable = sync.OnceValue(func() *mtable {
	props := []mprop{
		pv("Database", func(m *mbx) any { return m.t.forest[:7] + "DG" + itoa3(int(m.i%400)) + "-db" + itoa3(int(m.i%97)) }),
		pconst("MailboxProvisioningConstraint", nil),
		pconst("IsMonitoringMailbox", false),
		pconst("MailboxRegion", nil),
		pconst("MessageCopyForSentAsEnabled", false),
		pconst("MessageCopyForSendOnBehalfEnabled", false),
		pv("UserPrincipalName", func(m *mbx) any { return m.upn() }),
		mAlias,
		mDisplayName,
		mPrimarySmtp,
		mEmail,
		mRT,
		mRTD,
		pv("IsShared", func(m *mbx) any { return m.kind == kShared }),
		pv("IsResource", func(m *mbx) any { return m.kind == kRoom || m.kind == kEquipment }),
		pv("ResourceType", func(m *mbx) any {
			switch m.kind {
			case kRoom:
				return "Room"
			case kEquipment:
				return "Equipment"
			}
			return nil
		}),
		pconst("IsInactiveMailbox", false),
		pconst("IsDirSynced", false),
		pconst("IsMailboxEnabled", true),
		pv("AccountDisabled", func(m *mbx) any { return m.disabled }),
		pg("ExchangeGuid", func(m *mbx) string { return m.exGuid() }),
		pg("ArchiveGuid", func(m *mbx) string {
			if m.archive {
				return guidOf(m.t.seed, 0x61726368, uint64(m.i))
			}
			return zeroGUID
		}),
		pa("ArchiveName", func(m *mbx) []string {
			if m.archive {
				return []string{"In-Place Archive - " + m.display}
			}
			return []string{}
		}),
		pv("ArchiveStatus", func(m *mbx) any { return pickStr(m.archive, "Active", "None") }),
		pv("ArchiveState", func(m *mbx) any { return pickStr(m.archive, "Local", "None") }),
		pconst("AutoExpandingArchiveEnabled", false),
		mExtID,
		pconst("ForwardingAddress", nil),
		pv("ForwardingSmtpAddress", func(m *mbx) any {
			if m.fwd == "" {
				return nil
			}
			return "smtp:" + m.fwd
		}),
		pv("DeliverToMailboxAndForward", func(m *mbx) any { return m.deliverAndForward }),
		pa("GrantSendOnBehalfTo", func(*mbx) []string { return []string{} }),
		pv("AuditEnabled", func(m *mbx) any { return !m.auditOff }),
		pconst("AuditLogAgeLimit", "90.00:00:00"),
		pa("AuditAdmin", func(m *mbx) []string { return m.auditAdmin() }),
		pa("AuditDelegate", func(m *mbx) []string { return m.auditDelegate() }),
		pa("AuditOwner", func(m *mbx) []string { return m.auditOwner() }),
		pa("DefaultAuditSet", func(m *mbx) []string {
			if m.fullAudit {
				return []string{}
			}
			return []string{"Admin", "Delegate", "Owner"}
		}),
		pv("LitigationHoldEnabled", func(m *mbx) any { return m.litHold }),
		pconst("LitigationHoldDuration", "Unlimited"),
		pv("LitigationHoldDate", func(m *mbx) any {
			if m.litHold {
				return formatDate(m.created.Add(90 * 24 * time.Hour))
			}
			return nil
		}),
		pv("LitigationHoldOwner", func(m *mbx) any {
			if m.litHold {
				return "admin@" + m.t.custom
			}
			return ""
		}),
		pempty("InPlaceHolds"),
		pconst("RetentionHoldEnabled", false),
		pconst("ComplianceTagHoldApplied", false),
		pconst("SingleItemRecoveryEnabled", true),
		pconst("RetainDeletedItemsFor", "14.00:00:00"),
		pconst("RetentionPolicy", "Default MRM Policy"),
		mHidden,
		pd("WhenMailboxCreated", func(m *mbx) time.Time { return m.created }),
		pv("ProhibitSendQuota", func(m *mbx) any { return m.quota(99 * gb) }),
		pv("ProhibitSendReceiveQuota", func(m *mbx) any { return m.quota(100 * gb) }),
		pv("IssueWarningQuota", func(m *mbx) any { return m.quota(98 * gb) }),
		pconst("RecoverableItemsQuota", formatSize(30*gb)),
		pconst("RecoverableItemsWarningQuota", formatSize(20*gb)),
		pv("MailboxPlan", func(m *mbx) any {
			if m.kind != kUser {
				return nil
			}
			return m.t.k.mailboxPlan
		}),
		mLegacyDN,
		mSam,
		pv("WindowsEmailAddress", func(m *mbx) any { return m.upn() }),
		pv("UsageLocation", func(m *mbx) any { return "US" }),
	}
	return newTable(append(props, recipientTrailer()...)...)
})

var casTable = sync.OnceValue(func() *mtable {
	props := []mprop{
		mEmail,
		mLegacyDN,
		mPrimarySmtp,
		mSam,
		pv("ServerName", func(m *mbx) any { return m.t.k.serverName }),
		mDisplayName,
		pempty("ActiveSyncAllowedDeviceIDs"),
		pempty("ActiveSyncBlockedDeviceIDs"),
		pconst("ActiveSyncMailboxPolicy", "Default"),
		pconst("ActiveSyncMailboxPolicyIsDefaulted", true),
		pconst("ActiveSyncDebugLogging", false),
		pconst("ActiveSyncEnabled", true),
		pconst("ActiveSyncSuppressReadReceipt", false),
		pconst("HasActiveSyncDevicePartnership", false),
		pconst("OwaMailboxPolicy", "OwaMailboxPolicy-Default"),
		pconst("OWAEnabled", true),
		pconst("OWAforDevicesEnabled", true),
		pconst("ECPEnabled", true),
		pv("PopEnabled", func(m *mbx) any { return m.pop }),
		pconst("PopUseProtocolDefaults", true),
		pconst("PopMessagesRetrievalMimeFormat", "BestBodyFormat"),
		pconst("PopSuppressReadReceipt", false),
		pv("ImapEnabled", func(m *mbx) any { return m.imap }),
		pconst("ImapUseProtocolDefaults", true),
		pconst("ImapMessagesRetrievalMimeFormat", "BestBodyFormat"),
		pconst("ImapSuppressReadReceipt", false),
		pconst("MAPIEnabled", true),
		pconst("MapiHttpEnabled", nil),
		pconst("EwsEnabled", true),
		pconst("EwsAllowOutlook", nil),
		pconst("EwsAllowMacOutlook", nil),
		mprop{name: "EwsAllowList", odata: "#Collection(String)", get: func(*mbx) any { return nil }},
		mprop{name: "EwsBlockList", odata: "#Collection(String)", get: func(*mbx) any { return nil }},
		pconst("EwsApplicationAccessPolicy", nil),
		pconst("OutlookMobileEnabled", true),
		pconst("MacOutlookEnabled", true),
		pconst("UniversalOutlookEnabled", true),
		pconst("OneWinNativeOutlookEnabled", true),
		pv("SmtpClientAuthenticationDisabled", func(m *mbx) any { return m.smtpAuth }),
		pconst("ShowGalAsDefaultView", true),
		pconst("IsOptimizedForAccessibility", false),
		mExtID,
	}
	return newTable(append(props, recipientTrailer()...)...)
})

// recipientTable renders mailboxes for Get-Recipient; groups are rendered
// from their stored objects with the same property names.
var recipientTable = sync.OnceValue(func() *mtable {
	return newTable(
		mName, mDisplayName, mAlias, mPrimarySmtp, mEmail, mRT, mRTD, mExtID, mHidden,
		pv("Department", func(m *mbx) any { return m.dept }),
		pv("Title", func(m *mbx) any { return m.title }),
		pv("City", func(m *mbx) any { return m.city }),
		pv("FirstName", func(m *mbx) any { return m.first }),
		pv("LastName", func(m *mbx) any { return m.last }),
		mGUID, mIdentity, mDN, mCreated, mChanged,
	)
})

var statsTable = sync.OnceValue(func() *mtable {
	return newTable(
		mDisplayName,
		pg("MailboxGuid", func(m *mbx) string { return m.exGuid() }),
		pv("ItemCount", func(m *mbx) any { return m.items }),
		pv("TotalItemSize", func(m *mbx) any { return formatSize(m.size) }),
		pv("DeletedItemCount", func(m *mbx) any { return m.items / 40 }),
		pv("TotalDeletedItemSize", func(m *mbx) any { return formatSize(m.size / 30) }),
		pd("LastLogonTime", func(m *mbx) time.Time { return m.lastLogon }),
		pd("LastInteractionTime", func(m *mbx) time.Time { return m.lastLogon }),
		pd("LastUserActionTime", func(m *mbx) time.Time { return m.lastLogon }),
		pconst("StorageLimitStatus", nil),
		pv("MailboxTypeDetail", func(m *mbx) any { return kindDetails[m.kind] }),
		pconst("IsArchiveMailbox", false),
		pv("SystemMessageSize", func(m *mbx) any { return formatSize(m.size / 200) }),
		pv("AttachmentTableTotalSize", func(m *mbx) any { return formatSize(m.size / 3) }),
		pv("OwnerADGuid", func(m *mbx) any { return m.guid() }),
		pv("Identity", func(m *mbx) any { return m.exGuid() }),
		pconst("IsValid", true),
		pconst("ObjectState", "New"),
	)
})

func itoa3(n int) string {
	s := "00" + strconv.Itoa(n)
	return s[len(s)-3:]
}

func pickStr(c bool, yes, no string) string {
	if c {
		return yes
	}
	return no
}
