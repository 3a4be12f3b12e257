package directory

import "sync"

// Get-User: the user side of each mailbox (every emulated user has one).

var enumUserRTD = enum("Microsoft.Exchange.Data.Directory.Recipient.RecipientTypeDetails",
	"DisabledUser", "DiscoveryMailbox", "EquipmentMailbox", "GuestMailUser", "GroupMailbox", "LegacyMailbox", "LinkedMailbox",
	"LinkedRoomMailbox", "LinkedUser", "MailUser", "PublicFolderMailbox", "RemoteEquipmentMailbox", "RemoteRoomMailbox",
	"RemoteSharedMailbox", "RemoteTeamMailbox", "RemoteUserMailbox", "RoomMailbox", "SchedulingMailbox", "SharedMailbox",
	"SharedWithMailUser", "TeamMailbox", "User", "UserMailbox")

var userTable = sync.OnceValue(func() *mtable {
	return newTable(
		pv("UserPrincipalName", func(m *mbx) any { return m.upn() }),
		mDisplayName,
		pv("FirstName", func(m *mbx) any { return m.first }),
		pv("LastName", func(m *mbx) any { return m.last }),
		pv("WindowsEmailAddress", func(m *mbx) any { return m.upn() }),
		mRT,
		mRTD,
		pv("AccountDisabled", func(m *mbx) any { return m.disabled }),
		mExtID,
		pconst("IsDirSynced", false),
		pconst("RemotePowerShellEnabled", true),
		pv("Department", func(m *mbx) any { return m.dept }),
		pv("Title", func(m *mbx) any { return m.title }),
		pv("Company", func(m *mbx) any { return m.t.short }),
		pconst("Manager", nil),
		pv("Office", func(m *mbx) any { return m.city }),
		pv("City", func(m *mbx) any { return m.city }),
		pconst("CountryOrRegion", nil),
		pconst("IsVIP", false),
		mGUID,
		mIdentity,
		mName,
		mDN,
		mCreated,
		mChanged,
	)
})

func userCmdlets() []*cmdlet {
	ps := []param{pID(), pStr("Anr"), filterParam(), {name: "RecipientTypeDetails", typ: pEnumList, enum: enumUserRTD}, resultSizeParam(),
		pStr("SortBy"), pSw("IsVIP"), pSw("IncludeDirectReportsWithDisplayNames"), pSw("IncludeManagerWithDisplayName"), pSw("PublicFolder")}
	return []*cmdlet{{name: "Get-User", services: []Service{Exchange, Compliance}, params: ps, run: func(cl *call) (*Result, *Error) {
		if cl.a.boolean("IsVIP") || cl.a.boolean("PublicFolder") {
			return &Result{}, nil // no VIPs or public folder users are modelled
		}
		return cl.listMailboxes(userTable())
	}}}
}
