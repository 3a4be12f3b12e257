package directory

import (
	"slices"
	"strings"
	"time"
)

// Protection and client policies the audit controls read beyond the brief's
// core set: sharing, OWA, anti-spam (content and connection filter),
// anti-malware, anti-phishing, role assignment, and on the compliance
// endpoint alert policies and audit log retention. Values follow
// cmdlet-catalog.md; the posture decides the security-relevant ones.

func (t *Tenant) seedPolicies() {
	hard, risky := t.posture == Hardened, t.posture == Risky
	single := func(o Object) *coll {
		return &coll{idProps: []string{"Identity", "Name", "Guid", "DistinguishedName"}, items: []*item{{obj: o}}}
	}
	t.colls["sharing"] = single(t.sharingPolicy(hard, risky))
	t.colls["owa"] = single(t.owaPolicy(hard))
	t.colls["contentFilter"] = single(t.contentFilterPolicy(risky))
	t.colls["connectionFilter"] = single(t.connectionFilterPolicy(risky))
	t.colls["malware"] = single(t.malwarePolicy(hard, risky))
	t.colls["antiPhish"] = single(t.antiPhishPolicy(hard))
	if hard {
		t.colls["antiPhish"].items = append(t.colls["antiPhish"].items, &item{obj: t.presetAntiPhish()})
	}
	t.colls["atpPolicy"] = single(t.atpPolicyForO365())
	t.colls["roleAssignment"] = single(t.roleAssignmentPolicy(hard))
	t.colls["protectionAlert"] = t.protectionAlerts(risky)
	ual := &coll{idProps: []string{"Identity", "Name", "Guid"}}
	if hard {
		ual.items = append(ual.items, &item{obj: t.ualRetentionPolicy()})
	}
	t.colls["ualRetention"] = ual
}

func (t *Tenant) policyTrailer(b *ob, name, container, class string) Object {
	changed := t.at("policy-"+name, 900)
	return t.trailer(b, name, name, t.configDN(name, container), "0.20 (15.0.0.0)", []string{"top", class}, t.created, changed,
		guidOf(t.seed, tag("policy"), tag(name))).o
}

func (t *Tenant) sharingPolicy(hard, risky bool) Object {
	domains := []string{"Anonymous:CalendarSharingFreeBusyReviewer", "*:CalendarSharingFreeBusySimple"}
	switch {
	case hard:
		domains = []string{}
	case risky:
		domains = []string{"Anonymous:CalendarSharingFreeBusyReviewer", "*:CalendarSharingFreeBusyDetail, ContactsSharing"}
	}
	b := &ob{}
	b.list("Domains", domains...).v("Enabled", !hard).v("Default", true)
	return t.policyTrailer(b, "Default Sharing Policy", "CN=Federation,", "msExchSharingPolicy")
}

func (t *Tenant) owaPolicy(hard bool) Object {
	var personal any // null until configured: allowed
	if hard {
		personal = false
	}
	b := &ob{}
	b.v("IsDefault", true).
		v("AdditionalStorageProvidersAvailable", !hard).
		v("PersonalAccountsEnabled", personal).
		v("PersonalAccountCalendarsEnabled", personal).
		v("ConditionalAccessPolicy", "Off").
		v("DirectFileAccessOnPublicComputersEnabled", true).
		v("DirectFileAccessOnPrivateComputersEnabled", true).
		v("WacExternalServicesEnabled", true).
		v("OneWinNativeOutlookEnabled", true).
		v("SetPhotoEnabled", true).
		v("ForceSaveAttachmentFilteringEnabled", false).
		v("ClassicAttachmentsEnabled", true).
		v("ReferenceAttachmentsEnabled", true).
		v("ExternalImageProxyEnabled", true).
		v("InstantMessagingEnabled", true).
		v("ChangePasswordEnabled", true).
		v("ActionForUnknownFileAndMIMETypes", "Allow").
		list("AllowedFileTypes", ".rpmsg", ".xlsx", ".xlsm", ".xlsb", ".tiff", ".pptx", ".pptm", ".ppsx", ".ppsm", ".docx", ".docm", ".pdf", ".txt").
		list("BlockedFileTypes", ".settingcontent-ms", ".printerexport", ".appcontent-ms", ".appref-ms", ".vsmacros")
	return t.policyTrailer(b, "OwaMailboxPolicy-Default", "CN=OWA Mailbox Policies,", "msExchOWAMailboxPolicy")
}

func (t *Tenant) contentFilterPolicy(risky bool) Object {
	spam, allowed := "MoveToJmf", []string{}
	if risky {
		spam, allowed = "AddXHeader", []string{"partner-mail.example"}
	}
	b := &ob{}
	b.v("IsDefault", true).v("RecommendedPolicyType", "Custom").
		v("SpamAction", spam).v("HighConfidenceSpamAction", "MoveToJmf").v("PhishSpamAction", "MoveToJmf").
		v("HighConfidencePhishAction", "Quarantine").v("BulkSpamAction", "MoveToJmf").v("BulkThreshold", 7).
		v("QuarantineRetentionPeriod", 15).
		list("AllowedSenders").list("AllowedSenderDomains", allowed...).list("BlockedSenders").list("BlockedSenderDomains").
		v("ZapEnabled", true).v("SpamZapEnabled", true).v("PhishZapEnabled", true).v("InlineSafetyTipsEnabled", true).
		v("MarkAsSpamBulkMail", "On").v("TestModeAction", "None").v("BulkMovesEnabled", "NotSet").v("IntraOrgFilterState", "Default").
		v("EnableRegionBlockList", false).v("EnableLanguageBlockList", false).list("RegionBlockList").list("LanguageBlockList").
		v("DownloadLink", false).v("AddXHeaderValue", "").v("ModifySubjectValue", "").
		list("RedirectToRecipients").list("TestModeBccToRecipients").list("FalsePositiveAdditionalRecipients").
		v("SpamQuarantineTag", "DefaultFullAccessPolicy").v("HighConfidenceSpamQuarantineTag", "DefaultFullAccessPolicy").
		v("PhishQuarantineTag", "DefaultFullAccessPolicy").v("HighConfidencePhishQuarantineTag", "AdminOnlyAccessPolicy").
		v("BulkQuarantineTag", "DefaultFullAccessPolicy")
	return t.policyTrailer(b, "Default", "CN=Hosted Content Filter,CN=Transport Settings,", "msExchHostedContentFilterConfig")
}

func (t *Tenant) connectionFilterPolicy(risky bool) Object {
	allow := []string{}
	if risky {
		allow = []string{"203.0.113.5", "198.51.100.0/24"}
	}
	b := &ob{}
	b.v("IsDefault", true).list("IPAllowList", allow...).list("IPBlockList").v("EnableSafeList", risky).
		v("DirectoryBasedEdgeBlockMode", "Default")
	return t.policyTrailer(b, "Default", "CN=Hosted Connection Filter,CN=Transport Settings,", "msExchHostedConnectionFilterConfig")
}

var defaultFileTypes = []string{"ace", "apk", "app", "appx", "ani", "arj", "bat", "cab", "cmd", "com", "deb", "dex", "dll", "docm", "elf", "exe",
	"hta", "img", "iso", "jar", "jnlp", "kext", "lha", "lib", "library", "lnk", "lzh", "macho", "msc", "msi", "msix", "msp", "mst", "pif",
	"ppa", "ppam", "reg", "rev", "scf", "scr", "sct", "sys", "uif", "vb", "vbe", "vbs", "vxd", "wsc", "wsf", "wsh", "xll", "xz", "z"}

func (t *Tenant) malwarePolicy(hard, risky bool) Object {
	addr := ""
	if hard {
		addr = "secops@" + t.custom
	}
	// A Risky tenant turned the file filter and ZAP off and lets users
	// release malware from quarantine (assumption: the "bad changes" of the
	// posture; the service's defaults are the Fresh values, R1).
	filter, zap, tag := !risky, !risky, "AdminOnlyAccessPolicy" // behaviour dir.malware.risky
	if risky {
		tag = "DefaultFullAccessPolicy"
	}
	b := &ob{}
	b.v("IsDefault", true).v("RecommendedPolicyType", "Custom").v("EnableFileFilter", filter).v("FileTypeAction", "Reject").
		list("FileTypes", defaultFileTypes...).v("ZapEnabled", zap).v("QuarantineTag", tag).
		v("EnableInternalSenderAdminNotifications", hard).v("InternalSenderAdminAddress", addr).
		v("EnableExternalSenderAdminNotifications", false).v("ExternalSenderAdminAddress", "").
		v("CustomNotifications", false).v("CustomFromAddress", "").v("CustomFromName", "").
		v("CustomExternalBody", "").v("CustomExternalSubject", "").v("CustomInternalBody", "").v("CustomInternalSubject", "").
		v("IsPolicyOverrideApplied", false)
	return t.policyTrailer(b, "Default", "CN=Malware Filter,CN=Transport Settings,", "msExchMalwareFilterConfig")
}

func (t *Tenant) antiPhishPolicy(hard bool) Object {
	threshold, authFail, mip, action := 1, "MoveToJmf", false, "NoAction"
	protectedUsers, protectedDomains := []string{}, []string{}
	if hard {
		threshold, authFail, mip, action = 2, "Quarantine", true, "Quarantine"
		// "Display name;address" is the parameter's documented form [D].
		protectedUsers, protectedDomains = []string{"Tenant Admin;admin@" + t.custom}, []string{t.custom}
	}
	b := &ob{}
	b.v("Enabled", true).v("IsDefault", true).v("RecommendedPolicyType", "Custom").v("ImpersonationProtectionState", "Automatic").
		v("EnableSpoofIntelligence", true).v("EnableMailboxIntelligence", true).v("EnableMailboxIntelligenceProtection", mip).
		v("EnableTargetedUserProtection", hard).v("EnableTargetedDomainsProtection", hard).v("EnableOrganizationDomainsProtection", hard).
		v("EnableFirstContactSafetyTips", hard).v("EnableSimilarUsersSafetyTips", hard).v("EnableSimilarDomainsSafetyTips", hard).
		v("EnableUnusualCharactersSafetyTips", hard).v("EnableUnauthenticatedSender", true).v("EnableViaTag", true).
		v("EnableSuspiciousSafetyTip", false).v("HonorDmarcPolicy", true).v("DmarcRejectAction", "Reject").
		v("DmarcQuarantineAction", "Quarantine").v("AuthenticationFailAction", authFail).v("PhishThresholdLevel", threshold).
		v("TargetedUserProtectionAction", action).v("MailboxIntelligenceProtectionAction", action).
		v("TargetedDomainProtectionAction", action).
		v("TargetedUserQuarantineTag", "DefaultFullAccessPolicy").v("MailboxIntelligenceQuarantineTag", "DefaultFullAccessPolicy").
		v("TargetedDomainQuarantineTag", "DefaultFullAccessPolicy").v("SpoofQuarantineTag", "DefaultFullAccessPolicy").
		arr("TargetedUsersToProtect", protectedUsers).arr("TargetedDomainsToProtect", protectedDomains).list("ExcludedDomains").list("ExcludedSenders").
		v("PolicyTag", "")
	return t.policyTrailer(b, "Office365 AntiPhish Default", "CN=Phishing Filter,CN=Transport Settings,", "msExchAntiPhishConfig")
}

func (t *Tenant) roleAssignmentPolicy(hard bool) Object {
	roles := []string{"MyBaseOptions", "MyContactInformation", "MyProfileInformation", "MyRetentionPolicies", "MyTextMessaging",
		"MyVoiceMail", "MyDistributionGroupMembership"}
	if !hard {
		roles = append(roles, "My Custom Apps", "My Marketplace Apps", "My ReadWriteMailbox Apps")
	}
	b := &ob{}
	b.v("IsDefault", true).v("Description", "This policy grants end users the permission to set their options in Outlook on the web and perform other self-administration tasks.").
		list("AssignedRoles", roles...).list("RoleAssignments")
	return t.policyTrailer(b, "Default Role Assignment Policy", "CN=Policies,CN=RBAC,", "msExchRBACPolicy")
}

// systemAlerts are the alert policies with the GUIDs every tenant shares.
var systemAlerts = []struct{ name, guid, severity, category, op string }{
	{"Suspicious email sending patterns detected", "be215649-fba8-4339-9ddd-05991a43b948", "Medium", "ThreatManagement", "CompromisedAccount"},
	{"Suspicious connector activity", "8bb9c6c8-dc12-40e1-5bb8-08da05b13393", "High", "ThreatManagement", "SuspiciousConnector"},
	{"Suspicious Email Forwarding Activity", "bfd48f06-0865-41a6-85ff-adb746423ebf", "High", "ThreatManagement", "SuspiciousForwarding"},
	{"Messages have been delayed", "37a4e852-e711-45ca-b0f4-b076bae3adfd", "High", "MailFlow", "MessagesDelayed"},
	{"Tenant restricted from sending unprovisioned email", "5ed2d687-9bd3-49e7-9b56-b7dc0d9af5cb", "High", "ThreatManagement", "TenantRestrictedUnprovisioned"},
	{"Tenant restricted from sending email", "a7032ff5-7eee-412b-805b-d1295c7e0932", "High", "ThreatManagement", "TenantRestricted"},
	{"A potentially malicious URL click was detected", "a74bb32a-541b-47fb-adfd-f8c62ce3d59b", "High", "ThreatManagement", "MaliciousUrlClick"},
	{"Creation of forwarding/redirect rule", "d59a8fd4-1272-41ee-9408-86f7bcf72479", "Informational", "ThreatManagement", "NewForwardingRule"},
	{"Elevation of Exchange admin privilege", "17d51759-88e1-40c1-8df3-20bcf2e43057", "Low", "AccessGovernance", "ExchangeAdminElevation"},
}

func (t *Tenant) protectionAlerts(risky bool) *coll {
	c := &coll{idProps: []string{"Identity", "Name", "Guid", "ImmutableId", "DistinguishedName"}}
	created := t.created.Add(2 * time.Hour)
	for _, a := range systemAlerts {
		if a.name == "A potentially malicious URL click was detected" && !t.licensed(LicenseDefenderP2) {
			continue // behaviour dir.alert.url-click-p2 (a Plan 2 alert, licences.go)
		}
		disabled := risky && a.name == "Suspicious Email Forwarding Activity"
		b := &ob{}
		b.v("Severity", a.severity).v("Category", a.category).v("ThreatType", "Activity").v("AggregationType", "None").
			list("Operation", a.op).v("StreamType", "Activity").v("AlertScenario", "Activity").v("Scenario", "AuditProtectionAlert").
			v("Workload", "AuditAlerting").v("Mode", "Enforce").v("IsSystemRule", true).v("Disabled", disabled).
			v("NotificationEnabled", true).list("NotifyUser", "TenantAdmins").v("Comment", "").
			guid("CorrelationPolicyId", zeroGUID).v("ExternalScenarioData", nil).v("Filter", nil).v("Threshold", nil).
			v("TimeWindow", nil).v("ReadOnly", false).v("Priority", 0).guid("ImmutableId", a.guid).v("Policy", a.guid)
		o := t.ffoTrailer(b, a.name, "msExchUnifiedRule", created, created, a.guid).o
		c.items = append(c.items, &item{obj: o})
	}
	return c
}

// enumUALRetention is UnifiedAuditLogRetentionDuration as the cmdlet
// reference lists it.
var enumUALRetention = enum("UnifiedAuditLogRetentionDuration", "ThreeMonths", "SixMonths", "NineMonths", "TwelveMonths", "TenYears")

// getUALRetentionPolicy lists the policies, filtered as the cmdlet
// reference says: -Operation, -RecordType and -UserId keep the policies
// that name the value, -RetentionDuration those of that duration.
// -RecordType is an AuditRecordType whose several hundred members the
// emulator does not hold, so it refuses it rather than answer an unknown
// member with no policy.
// behaviour dir.ual-retention.filters (internal/emulator/BEHAVIOURS.md)
func getUALRetentionPolicy(cl *call) (*Result, *Error) {
	if cl.a.has("RecordType") {
		return nil, errExec(excValidation, "", "The emulator does not emulate Get-UnifiedAuditLogRetentionPolicy -RecordType (it does not hold the AuditRecordType members); filter the answer instead.")
	}
	names := func(o Object, prop, want string) bool {
		v, _ := o.Get(prop)
		l, _ := v.([]string)
		return slices.ContainsFunc(l, func(x string) bool { return strings.EqualFold(x, want) })
	}
	c := cl.t.colls["ualRetention"].where(func(o Object) bool {
		if op := cl.a.str("Operation"); op != "" && !names(o, "Operations", op) {
			return false
		}
		if u := cl.a.str("UserId"); u != "" && !names(o, "UserIds", u) {
			return false
		}
		d, ok := cl.a["RetentionDuration"].(string)
		return !ok || o.str("RetentionDuration") == d
	})
	return cl.getColl(c)
}

func (t *Tenant) ualRetentionPolicy() Object {
	created := t.at("ual-retention", 500)
	b := &ob{}
	b.v("Description", "").list("RecordTypes", "ExchangeAdmin", "ExchangeItem", "ExchangeItemGroup", "ExchangeAggregatedOperation",
		"ExchangeItemAggregated").list("Operations").list("UserIds").v("RetentionDuration", "TwelveMonths").v("Priority", 100).
		v("Enabled", true)
	return t.ffoTrailer(b, "Exchange audit 1 year", "msExchUnifiedPolicy", created, created, guidOf(t.seed, tag("ual"))).o
}

var (
	enumSharingAction = enum("System.String", "Off", "On", "Test")
	enumSpamAction    = enum("Microsoft.Exchange.Data.Directory.SystemConfiguration.SpamFilteringAction", "MoveToJmf", "AddXHeader", "ModifySubject", "Redirect", "Delete", "Quarantine", "NoAction")
	enumPhishAction   = enum("Microsoft.Exchange.Data.Directory.SystemConfiguration.PhishFilteringAction", "Redirect", "Quarantine", "Delete", "MoveToJmf")
	enumFileAction    = enum("Microsoft.Exchange.Data.Directory.SystemConfiguration.FileTypeFilteringAction", "Quarantine", "Reject")
	enumImpAction     = enum("Microsoft.Exchange.Data.Directory.SystemConfiguration.ImpersonationAction", "NoAction", "BccMessage", "Delete", "MoveToJmf", "Quarantine", "Redirect")
	enumAuthFail      = enum("Microsoft.Exchange.Data.Directory.SystemConfiguration.SpoofAuthenticationFailAction", "MoveToJmf", "Quarantine")
	enumDmarcReject   = enum("Microsoft.Exchange.Data.Directory.SystemConfiguration.DmarcRejectAction", "Quarantine", "Reject")
	enumDmarcQuar     = enum("Microsoft.Exchange.Data.Directory.SystemConfiguration.DmarcQuarantineAction", "MoveToJmf", "Quarantine")
	enumOwaCA         = enum("Microsoft.Exchange.Data.Directory.SystemConfiguration.PolicyEnum", "Off", "ReadOnly", "ReadOnlyPlusAttachmentsBlocked")
	enumUnknownFile   = enum("Microsoft.Exchange.Data.Directory.SystemConfiguration.AttachmentBlockingActions", "Allow", "ForceSave", "Block")
	enumAlertSeverity = enum("Microsoft.Office.CompliancePolicy.Tasks.RuleSeverity", "Low", "Medium", "High", "Informational")
	enumAlertAgg      = enum("Microsoft.Office.CompliancePolicy.Tasks.AlertAggregationType", "None", "SimpleAggregation", "AnomalousAggregation")
)

func policyCmdlets() []*cmdlet {
	get := func(name, key string, extra ...param) *cmdlet {
		return &cmdlet{name: name, params: append([]param{pID()}, extra...), run: func(cl *call) (*Result, *Error) { return cl.getColl(cl.t.colls[key]) }}
	}
	set := func(name, key string, ps ...param) *cmdlet {
		return &cmdlet{name: name, params: append([]param{pReq(pID())}, ps...), run: func(cl *call) (*Result, *Error) {
			return cl.setColl(cl.t.colls[key], cl.a.str("Identity"))
		}}
	}
	compliance := []Service{Compliance}
	alertsGet := get("Get-ProtectionAlert", "protectionAlert", pSw("IncludeRuleXml"))
	alertsGet.services = compliance
	alertsSet := set("Set-ProtectionAlert", "protectionAlert", pBoolP("Disabled"), pBoolP("NotificationEnabled"), pMultiP("NotifyUser"),
		pEnumP("Severity", enumAlertSeverity), pStrP("Category"), pEnumP("AggregationType", enumAlertAgg),
		param{name: "Threshold", typ: pInt, prop: "Threshold"}, param{name: "TimeWindow", typ: pInt, prop: "TimeWindow"}, pStrP("Comment"))
	alertsSet.services = compliance
	// No -Identity: the cmdlet reference lists only its filters (D1
	// Get-UnifiedAuditLogRetentionPolicy.md).
	ual := &cmdlet{name: "Get-UnifiedAuditLogRetentionPolicy", services: compliance,
		params: []param{pStr("Operation"), pStr("RecordType"), {name: "RetentionDuration", typ: pEnum, enum: enumUALRetention}, pStr("UserId")},
		run:    getUALRetentionPolicy}
	return []*cmdlet{
		get("Get-SharingPolicy", "sharing"),
		set("Set-SharingPolicy", "sharing", pMultiP("Domains"), pBoolP("Enabled"), pSw("Default"), pStrP("Name")),
		get("Get-OwaMailboxPolicy", "owa"),
		set("Set-OwaMailboxPolicy", "owa", pBoolP("AdditionalStorageProvidersAvailable"), pNBoolP("PersonalAccountsEnabled"),
			pNBoolP("PersonalAccountCalendarsEnabled"), pBoolP("DirectFileAccessOnPublicComputersEnabled"),
			pBoolP("DirectFileAccessOnPrivateComputersEnabled"), pBoolP("WacExternalServicesEnabled"), pBoolP("OneWinNativeOutlookEnabled"),
			pBoolP("ClassicAttachmentsEnabled"), pBoolP("ReferenceAttachmentsEnabled"), pBoolP("ExternalImageProxyEnabled"),
			pBoolP("InstantMessagingEnabled"), pBoolP("ChangePasswordEnabled"), pBoolP("SetPhotoEnabled"),
			pEnumP("ConditionalAccessPolicy", enumOwaCA), pEnumP("ActionForUnknownFileAndMIMETypes", enumUnknownFile), pSw("IsDefault")),
		get("Get-HostedContentFilterPolicy", "contentFilter"),
		set("Set-HostedContentFilterPolicy", "contentFilter", pEnumP("SpamAction", enumSpamAction), pEnumP("HighConfidenceSpamAction", enumSpamAction),
			pEnumP("PhishSpamAction", enumSpamAction), pEnumP("BulkSpamAction", enumSpamAction), pEnumP("HighConfidencePhishAction", enumPhishAction),
			pIntP("BulkThreshold", 1, 9), pIntP("QuarantineRetentionPeriod", 1, 30), pMultiP("AllowedSenderDomains"), pMultiP("AllowedSenders"),
			pMultiP("BlockedSenderDomains"), pMultiP("BlockedSenders"), pBoolP("SpamZapEnabled"), pBoolP("PhishZapEnabled"),
			pBoolP("InlineSafetyTipsEnabled"), pEnumP("MarkAsSpamBulkMail", enumSharingAction)),
		get("Get-HostedConnectionFilterPolicy", "connectionFilter"),
		set("Set-HostedConnectionFilterPolicy", "connectionFilter", pMultiP("IPAllowList"), pMultiP("IPBlockList"), pBoolP("EnableSafeList")),
		get("Get-MalwareFilterPolicy", "malware"),
		set("Set-MalwareFilterPolicy", "malware", pBoolP("EnableFileFilter"), pBoolP("ZapEnabled"), pBoolP("EnableInternalSenderAdminNotifications"),
			pBoolP("EnableExternalSenderAdminNotifications"), pMultiP("FileTypes"), pEnumP("FileTypeAction", enumFileAction),
			param{name: "InternalSenderAdminAddress", typ: pSmtp, prop: "InternalSenderAdminAddress"},
			param{name: "ExternalSenderAdminAddress", typ: pSmtp, prop: "ExternalSenderAdminAddress"}, pStrP("QuarantineTag")),
		get("Get-AntiPhishPolicy", "antiPhish", pSw("Advanced"), pSw("Impersonation"), pSw("Spoof")),
		set("Set-AntiPhishPolicy", "antiPhish", pBoolP("Enabled"), pBoolP("EnableSpoofIntelligence"), pBoolP("EnableMailboxIntelligence"),
			pBoolP("EnableMailboxIntelligenceProtection"), pBoolP("EnableTargetedUserProtection"), pBoolP("EnableTargetedDomainsProtection"),
			pBoolP("EnableOrganizationDomainsProtection"), pBoolP("EnableFirstContactSafetyTips"), pBoolP("EnableSimilarUsersSafetyTips"),
			pBoolP("EnableSimilarDomainsSafetyTips"), pBoolP("EnableUnusualCharactersSafetyTips"), pBoolP("EnableUnauthenticatedSender"),
			pBoolP("EnableViaTag"), pBoolP("HonorDmarcPolicy"), pIntP("PhishThresholdLevel", 1, 4),
			pEnumP("MailboxIntelligenceProtectionAction", enumImpAction), pEnumP("TargetedUserProtectionAction", enumImpAction),
			pEnumP("TargetedDomainProtectionAction", enumImpAction), pEnumP("AuthenticationFailAction", enumAuthFail),
			pEnumP("DmarcRejectAction", enumDmarcReject), pEnumP("DmarcQuarantineAction", enumDmarcQuar),
			pMultiP("TargetedUsersToProtect"), pMultiP("TargetedDomainsToProtect"), pMultiP("ExcludedDomains"), pMultiP("ExcludedSenders")),
		get("Get-RoleAssignmentPolicy", "roleAssignment"),
		alertsGet, alertsSet, ual,
	}
}
