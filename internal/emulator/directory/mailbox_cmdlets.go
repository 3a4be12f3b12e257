package directory

import (
	"strings"
)

var (
	enumMailboxRTD = enum("Microsoft.Exchange.Data.Directory.Recipient.RecipientTypeDetails",
		"DiscoveryMailbox", "EquipmentMailbox", "GroupMailbox", "LegacyMailbox", "LinkedMailbox", "LinkedRoomMailbox", "RoomMailbox",
		"SchedulingMailbox", "SharedMailbox", "TeamMailbox", "UserMailbox")
	enumCASRTD = enum("Microsoft.Exchange.Data.Directory.Recipient.RecipientTypeDetails",
		"DiscoveryMailbox", "EquipmentMailbox", "LegacyMailbox", "LinkedMailbox", "LinkedRoomMailbox", "MailUser", "RoomMailbox",
		"SharedMailbox", "TeamMailbox", "UserMailbox")
	enumAuditAction = enum("Microsoft.Exchange.Data.Directory.MailboxAuditOperations",
		"None", "AddFolderPermissions", "ApplyRecord", "Copy", "Create", "FolderBind", "HardDelete", "MailboxLogin", "MailItemsAccessed",
		"MessageBind", "ModifyFolderPermissions", "Move", "MoveToDeletedItems", "RecordDelete", "RemoveFolderPermissions", "SearchQueryInitiated",
		"Send", "SendAs", "SendOnBehalf", "SoftDelete", "Update", "UpdateCalendarDelegation", "UpdateComplianceTag", "UpdateFolderPermissions",
		"UpdateInboxRules")
	enumAuditSet    = enum("System.String", "Admin", "Delegate", "Owner")
	enumMailboxType = enum("Microsoft.Exchange.Management.RecipientTasks.ConvertibleMailboxSubType", "Regular", "Room", "Equipment", "Shared", "Workspace", "Desk")
	enumMime        = &enumType{typ: "Microsoft.Exchange.Data.Directory.Recipient.MimeTextFormat",
		names: []string{"TextOnly", "HtmlOnly", "HtmlAndTextAlternative", "TextEnrichedOnly", "TextEnrichedAndTextAlternative", "BestBodyFormat", "Tnef"}, numeric: true}
)

func mailboxGetParams(rtd *enumType, switches ...string) []param {
	ps := []param{pID(), pStr("Anr"), filterParam(), {name: "RecipientTypeDetails", typ: pEnumList, enum: rtd}, resultSizeParam(), pStr("SortBy")}
	for _, s := range switches {
		ps = append(ps, pSw(s))
	}
	return ps
}

// The switches of Get-Mailbox and of Get-CASMailbox differ; each list is
// the cmdlet reference's (Exchange Online parameters of each page).
var (
	getMailboxSwitches = []string{"Archive", "GroupMailbox", "InactiveMailboxOnly", "IncludeInactiveMailbox", "SoftDeletedMailbox", "PublicFolder",
		"Migration", "IncludeAcceptMessagesOnlyFromWithDisplayNames", "IncludeGrantSendOnBehalfToWithDisplayNames", "IncludeEmailAddressDisplayNames"}
	getCASMailboxSwitches = []string{"ProtocolSettings", "ActiveSyncDebugLogging", "ActiveSyncSuppressReadReceipt", "ReadIsOptimizedForAccessibility",
		"RecalculateHasActiveSyncDevicePartnership"}
)

func mailboxCmdlets() []*cmdlet {
	auditList := func(name string) param { return param{name: name, typ: pMulti, enum: enumAuditAction, prop: name} }
	return []*cmdlet{
		{name: "Get-Mailbox", params: append(mailboxGetParams(enumMailboxRTD, getMailboxSwitches...), pStr("MailboxPlan"), pStr("OrganizationalUnit")),
			run: func(cl *call) (*Result, *Error) { return cl.listMailboxes(mailboxTable()) }},
		{name: "Set-Mailbox", params: []param{pReq(pID()),
			pBoolP("AuditEnabled"), {name: "AuditLogAgeLimit", typ: pTimeSpan, prop: "AuditLogAgeLimit"},
			auditList("AuditAdmin"), auditList("AuditDelegate"), auditList("AuditOwner"),
			{name: "DefaultAuditSet", typ: pMulti, enum: enumAuditSet, prop: "DefaultAuditSet"},
			{name: "ForwardingAddress", typ: pString}, {name: "ForwardingSmtpAddress", typ: pString},
			pBoolP("DeliverToMailboxAndForward"), pBoolP("LitigationHoldEnabled"),
			{name: "LitigationHoldDuration", typ: pUnlimitedInt, prop: "LitigationHoldDuration"},
			{name: "RetainDeletedItemsFor", typ: pTimeSpan, prop: "RetainDeletedItemsFor"},
			pBoolP("SingleItemRecoveryEnabled"), pBoolP("RetentionHoldEnabled"), pBoolP("HiddenFromAddressListsEnabled"),
			pBoolP("MessageCopyForSentAsEnabled"), pBoolP("MessageCopyForSendOnBehalfEnabled"), pBoolP("AccountDisabled"),
			{name: "ProhibitSendQuota", typ: pSize, prop: "ProhibitSendQuota"}, {name: "ProhibitSendReceiveQuota", typ: pSize, prop: "ProhibitSendReceiveQuota"},
			{name: "IssueWarningQuota", typ: pSize, prop: "IssueWarningQuota"},
			pMultiP("GrantSendOnBehalfTo"), {name: "Type", typ: pEnum, enum: enumMailboxType}, {name: "EmailAddresses", typ: pMulti},
			pStrP("DisplayName"), pStrP("RetentionPolicy"), pMultiP("ArchiveName"), pSw("Force"),
		}, run: func(cl *call) (*Result, *Error) { return cl.setMailbox(mailboxTable(), setMailboxExtra(cl)) }},

		{name: "Get-CASMailbox", params: mailboxGetParams(enumCASRTD, getCASMailboxSwitches...),
			run: func(cl *call) (*Result, *Error) { return cl.listMailboxes(casTable()) }},
		{name: "Set-CASMailbox", params: []param{pReq(pID()),
			pBoolP("ActiveSyncEnabled"), pBoolP("OWAEnabled"), pBoolP("OWAforDevicesEnabled"), pBoolP("PopEnabled"), pBoolP("ImapEnabled"),
			pBoolP("MAPIEnabled"), pBoolP("EwsEnabled"), pNBoolP("EwsAllowOutlook"), pNBoolP("EwsAllowMacOutlook"), pBoolP("OutlookMobileEnabled"),
			pBoolP("MacOutlookEnabled"), pBoolP("UniversalOutlookEnabled"), pBoolP("OneWinNativeOutlookEnabled"), pBoolP("ShowGalAsDefaultView"),
			pBoolP("PopUseProtocolDefaults"), pBoolP("ImapUseProtocolDefaults"), pBoolP("PopSuppressReadReceipt"), pBoolP("ImapSuppressReadReceipt"),
			pBoolP("ActiveSyncDebugLogging"), pBoolP("ActiveSyncSuppressReadReceipt"), pBoolP("IsOptimizedForAccessibility"), // no ECPEnabled: on-premises only in the reference
			pNBoolP("SmtpClientAuthenticationDisabled"), pEnumP("EwsApplicationAccessPolicy", enumEwsPolicy),
			pMultiP("EwsAllowList"), pMultiP("EwsBlockList"), pMultiP("ActiveSyncAllowedDeviceIDs"), pMultiP("ActiveSyncBlockedDeviceIDs"),
			pStrP("OwaMailboxPolicy"), pStrP("ActiveSyncMailboxPolicy"),
			pEnumP("PopMessagesRetrievalMimeFormat", enumMime), pEnumP("ImapMessagesRetrievalMimeFormat", enumMime),
		}, run: func(cl *call) (*Result, *Error) { return cl.setMailbox(casTable(), nil) }},

		{name: "Get-MailboxStatistics", params: []param{pReq(pID()), pSw("Archive"), pSw("IncludeSoftDeletedRecipients"),
			pSw("IncludeMoveHistory"), pSw("IncludeMoveReport"), pSw("UseCustomRouting")}, run: getMailboxStatistics},

		{name: "Get-InboxRule", params: []param{pStr("Mailbox"), pID(), pSw("IncludeHidden"), resultSizeParam(), {name: "SkipCount", typ: pInt},
			pStr("DescriptionTimeFormat"), pStr("DescriptionTimeZone"), pSw("BypassScopeCheck"), pSw("UseCustomRouting")}, run: getInboxRule},

		{name: "Get-MailboxPermission", params: []param{pReq(pID()), pStr("User"), pSw("Owner"), resultSizeParam(), pSw("GroupMailbox"),
			pSw("IncludeSoftDeletedUserPermissions"), pSw("IncludeUnresolvedPermissions"), pSw("IncludeUserWithDisplayName"),
			pSw("SoftDeletedMailbox"), pSw("ReadFromDomainController"), pSw("UseCustomRouting")}, run: getMailboxPermission},
		{name: "Add-MailboxPermission", params: []param{pReq(pID()), pReq(pStr("User")), pReq(param{name: "AccessRights", typ: pEnumList, enum: enumRights}),
			{name: "AutoMapping", typ: pBool}, {name: "InheritanceType", typ: pEnum, enum: enumInheritance}, pSw("Deny"), pSw("GroupMailbox"),
			pSw("IgnoreDefaultScope")}, run: addMailboxPermission},
		{name: "Remove-MailboxPermission", params: []param{pReq(pID()), pReq(pStr("User")), pReq(param{name: "AccessRights", typ: pEnumList, enum: enumRightsRemove}),
			{name: "InheritanceType", typ: pEnum, enum: enumInheritance}, pSw("Deny"), pSw("GroupMailbox"), pSw("IgnoreDefaultScope"),
			pSw("BypassMasterAccountSid"), pSw("SoftDeletedMailbox"), pSw("ClearAutoMapping"), pSw("ResetDefault")}, run: removeMailboxPermission},
	}
}

// setMailboxExtra handles the Set-Mailbox parameters that are not plain
// property copies: forwarding (recipient and SMTP forms), the mailbox type
// and the proxy address collection.
func setMailboxExtra(cl *call) func(m *mbx, changes map[string]any) *Error {
	return func(m *mbx, changes map[string]any) *Error {
		if cl.a.has("ForwardingAddress") {
			var v any
			if id, _ := cl.a["ForwardingAddress"].(string); id != "" {
				r, err := cl.resolveRecipient(id)
				if err != nil {
					return err
				}
				v = r.name()
			}
			changes["ForwardingAddress"] = v
		}
		if cl.a.has("ForwardingSmtpAddress") {
			var v any
			if s, _ := cl.a["ForwardingSmtpAddress"].(string); s != "" {
				addr := s
				if p, rest, ok := strings.Cut(s, ":"); ok && strings.EqualFold(p, "smtp") {
					addr = rest
				}
				if !strings.Contains(addr, "@") {
					return errConvert("ForwardingSmtpAddress", s, "Microsoft.Exchange.Data.ProxyAddress", "The address '"+s+"' is invalid: it isn't an SMTP address.")
				}
				v = "smtp:" + addr
			}
			changes["ForwardingSmtpAddress"] = v
		}
		if typ, ok := cl.a["Type"].(string); ok {
			k := map[string]mkind{"Regular": kUser, "Room": kRoom, "Equipment": kEquipment, "Shared": kShared, "Workspace": kRoom, "Desk": kRoom}[typ]
			changes["_kind"] = k
		}
		if op, ok := cl.a["EmailAddresses"].(*multiOp); ok {
			norm := func(xs []string) []string {
				out := make([]string, len(xs))
				for i, x := range xs {
					if !strings.Contains(x, ":") {
						x = "smtp:" + x
					}
					out[i] = x
				}
				return out
			}
			op2 := &multiOp{replace: op.replace, values: norm(op.values), add: norm(op.add), remove: norm(op.remove)}
			list := op2.apply(m.emailAddresses())
			primaries := 0
			for _, a := range list {
				if strings.HasPrefix(a, "SMTP:") {
					primaries++
				}
			}
			if primaries != 1 {
				return errExec(excValidation, cl.a.str("Identity"), "The proxy address collection must contain exactly one primary SMTP address (prefix \"SMTP:\").")
			}
			changes["EmailAddresses"] = list
		}
		return nil
	}
}

func getMailboxStatistics(cl *call) (*Result, *Error) {
	m, err := cl.resolveMailbox(cl.a.str("Identity"))
	if err != nil {
		return nil, err
	}
	if cl.a.boolean("Archive") && !m.archive {
		return nil, errExec(excNotFound, cl.a.str("Identity"), "The mailbox '%s' doesn't have an archive.", cl.a.str("Identity"))
	}
	return &Result{Len: 1, Object: cl.t.snapshot(statsTable(), []mrow{{m.i, cl.t.mbx.ov[m.i]}})}, nil
}
