package directory

import (
	"time"
)

// seedConfig generates the tenant's configuration objects. Values follow
// cmdlet-catalog.md; the posture decides the security-relevant ones.
func (t *Tenant) seedConfig() {
	hard, risky := t.posture == Hardened, t.posture == Risky
	t.singletons["org"] = t.orgConfig(hard, risky)
	t.singletons["transport"] = t.transportConfig(risky)
	t.singletons["audit"] = t.auditConfig(risky)
	t.singletons["externalInOutlook"] = t.externalInOutlook(hard)
	t.colls["acceptedDomain"] = t.acceptedDomains()
	t.colls["remoteDomain"] = t.remoteDomains(hard)
	t.colls["dkim"] = t.dkimConfigs(hard)
	t.colls["outboundSpam"] = t.outboundSpam(hard)
	t.colls["outboundSpamRule"] = t.outboundSpamRules()
	t.colls["eopRule"] = t.eopRules()
	t.colls["atpRule"] = t.atpRules()
	t.colls["transportRule"] = t.transportRules(hard, risky)
	t.colls["dlp"] = t.dlpPolicies(hard, risky)
	t.colls["retention"] = t.retentionPolicies(hard, risky)
	t.colls["group"] = t.seedGroups()
	t.seedPolicies()
	for _, c := range t.colls {
		c.shape = c.shapeObj()
	}
}

func (t *Tenant) orgConfig(hard, risky bool) Object {
	b := &ob{}
	changed := t.at("org-changed", 900)
	b.v("DisplayName", t.short).
		v("DelayedDelicensingEnabled", false).
		v("DelayedDelicensingEnabledState", "Enabled: False").
		v("OAuth2ClientProfileEnabled", !risky).
		v("AuditDisabled", risky).
		v("CustomerLockBoxEnabled", hard).
		v("IsDehydrated", false).
		v("EwsEnabled", nil).
		v("EwsAllowOutlook", nil).
		v("EwsAllowMacOutlook", nil).
		v("EwsApplicationAccessPolicy", nil).
		v("MailTipsAllTipsEnabled", true).
		v("MailTipsExternalRecipientsTipsEnabled", hard).
		v("MailTipsGroupMetricsEnabled", true).
		v("MailTipsLargeAudienceThreshold", 25).
		v("MailTipsMailboxSourcedTipsEnabled", true).
		v("ConnectorsEnabled", true).
		v("ConnectorsEnabledForOutlook", true).
		v("ConnectorsEnabledForTeams", true).
		v("ConnectorsEnabledForYammer", true).
		v("PublicFoldersEnabled", "Local").
		v("ActivityBasedAuthenticationTimeoutEnabled", true).
		v("ActivityBasedAuthenticationTimeoutInterval", "06:00:00").
		v("ActivityBasedAuthenticationTimeoutWithSingleSignOnEnabled", true).
		v("DefaultAuthenticationPolicy", nil).
		v("SendFromAliasEnabled", false).
		v("BookingsEnabled", true).
		v("SmtpActionableMessagesEnabled", true).
		v("LinkPreviewEnabled", true).
		v("MessageRemindersEnabled", true).
		v("FocusedInboxOn", nil).
		v("MessageRecallEnabled", nil).
		v("AutoExpandingArchiveEnabled", false).
		v("ElcProcessingDisabled", false).
		v("DirectReportsGroupAutoCreationEnabled", false).
		list("IPListBlocked").
		v("MaskClientIpInReceivedHeadersEnabled", true).
		v("UnblockUnsafeSenderPromptEnabled", true).
		v("WorkspaceTenantEnabled", true).
		v("IsMixedMode", true).
		v("HierarchicalAddressBookRoot", nil).
		v("HybridConfigurationStatus", "Unknown").
		v("RejectDirectSend", hard).
		v("ShortenEventScopeDefault", "None")
	return t.trailer(b, t.domain, t.domain, "CN="+t.domain+",CN=ConfigurationUnits,DC="+t.forest+",DC=PROD,DC=OUTLOOK,DC=COM",
		"0.20 (15.0.0.0)", []string{"top", "container", "msExchOrganizationContainer"}, t.created, changed, guidOf(t.seed, tag("org"))).o
}

func (t *Tenant) transportConfig(risky bool) Object {
	b := &ob{}
	b.v("AddressBookPolicyRoutingEnabled", false).
		v("AllowLegacyTLSClients", nil).
		v("AnonymousSenderToRecipientRatePerHour", 1800).
		v("ClearCategories", true).
		v("ConvertDisclaimerWrapperToEml", false).
		v("DSNConversionMode", "PreserveDSNBody").
		v("EnableExternalHTTPMailDelivery", false).
		v("ExternalDsnMaxMessageAttachSize", formatSize(10*mb)).
		v("ExternalPostmasterAddress", nil).
		list("GenerateCopyOfDSNFor").
		v("HeaderPromotionModeSetting", "NoCreate").
		v("HygieneSuite", "Premium").
		list("InternalSMTPServers").
		v("InternalDsnMaxMessageAttachSize", formatSize(10*mb)).
		v("JournalingReportNdrTo", "<>").
		v("MaxDumpsterSizePerDatabase", formatSize(18*mb)).
		v("MaxDumpsterTime", "7.00:00:00").
		v("MaxReceiveSize", "Unlimited").
		v("MaxRecipientEnvelopeLimit", "Unlimited").
		v("MaxSendSize", "Unlimited").
		v("MessageExpiration", "1.00:00:00").
		v("MigrationEnabled", true).
		v("OrganizationFederatedMailbox", "FederatedEmail.4c1f4d8b-8179-4148-93bf-00a95fa1e042@"+t.domain).
		v("QueueDiagnosticsAggregationInterval", "00:01:00").
		v("ReplyAllStormProtectionEnabled", true).
		v("ReplyAllStormDetectionMinimumRecipients", 2500).
		v("ReplyAllStormDetectionMinimumReplies", 10).
		v("ReplyAllStormBlockDurationHours", 6).
		v("Rfc2231EncodingEnabled", false).
		v("SafetyNetHoldTime", "7.00:00:00").
		v("SmtpClientAuthenticationDisabled", !risky).
		list("SupervisionTags", "Reject", "Allow").
		list("TLSReceiveDomainSecureList").
		list("TLSSendDomainSecureList").
		v("TransportRuleAttachmentTextScanLimit", formatSize(1*mb)).
		v("TransportRuleCollectionRegexCharsLimit", formatSize(20*kb)).
		list("TransportRuleConfig", "TransportRuleLimit:300", "TransportRuleSizeLimit:8192").
		v("TransportRuleLimit", 300).
		v("TransportRuleMinProductVersion", "14.0.0.0").
		v("TransportRuleRegexValidationTimeout", "00:00:00.3000000").
		v("TransportRuleSizeLimit", formatSize(8*kb)).
		v("VoicemailJournalingEnabled", true)
	return t.trailer(b, "Transport Settings", "Transport Settings", t.configDN("Transport Settings", ""), "0.1 (8.0.535.0)",
		[]string{"top", "container", "msExchTransportSettings"}, t.created, t.at("transport-changed", 900), guidOf(t.seed, tag("transport"))).o
}

func (t *Tenant) auditConfig(risky bool) Object {
	b := &ob{}
	b.v("AdminAuditLogEnabled", true).
		v("LogLevel", "None").
		v("TestCmdletLoggingEnabled", false).
		list("AdminAuditLogCmdlets", "*").
		list("AdminAuditLogParameters", "*").
		list("AdminAuditLogExcludedCmdlets").
		v("AdminAuditLogAgeLimit", "90.00:00:00").
		v("AdminAuditLogMailbox", "").
		i32("LoadBalancerCount", 3).
		v("RefreshInterval", 10).
		list("PartitionInfo").
		v("UnifiedAuditLogIngestionEnabled", !risky).
		dateUTC("UnifiedAuditLogFirstOptInDate", t.at("ual-optin", 30))
	return t.trailer(b, "Admin Audit Log Settings", "Admin Audit Log Settings", t.configDN("Admin Audit Log Settings", "CN=Global Settings,"), "0.10 (14.0.100.0)",
		[]string{"top", "msExchAdminAuditLogConfig"}, t.created, t.at("audit-changed", 900), guidOf(t.seed, tag("audit"))).o
}

func (t *Tenant) externalInOutlook(hard bool) Object {
	b := &ob{}
	allow := []string{""} // the service's quirk: an empty AllowList comes back as [""]
	if hard {
		allow = []string{"partner." + t.short + ".example"}
	}
	b.v("Enabled", hard).arr("AllowList", allow)
	return t.trailer(b, "ExternalInOutlook", t.domain+"\\ExternalInOutlook", t.configDN("ExternalInOutlook", ""), "0.20 (15.0.0.0)",
		[]string{"top", "msExchExternalInOutlook"}, t.created, t.at("eio-changed", 900), guidOf(t.seed, tag("eio"))).o
}

func (t *Tenant) acceptedDomains() *coll {
	c := &coll{idProps: []string{"Identity", "Name", "DomainName", "Guid", "DistinguishedName"}}
	add := func(domain string, isDefault, initial, coexist bool) {
		b := &ob{}
		b.v("DomainName", domain).
			v("CatchAllRecipientID", nil).
			v("DomainType", "Authoritative").
			v("MatchSubDomains", false).
			v("AddressBookEnabled", true).
			v("Default", isDefault).
			v("EmailOnly", false).
			v("ExternallyManaged", false).
			v("AuthenticationType", "Managed").
			v("LiveIdInstanceType", "Business").
			v("PendingRemoval", false).
			v("PendingCompletion", false).
			v("FederatedOrganizationLink", "Federation").
			v("MailFlowRegion", "").
			v("AzureProvisioningRegion", "").
			v("OutboundOnly", false).
			v("PerimeterDuplicateDetected", false).
			v("IsDefaultFederatedDomain", false).
			v("EnableNego2Authentication", false).
			v("InitialDomain", initial).
			v("IsCoexistenceDomain", coexist).
			v("SendingFromDomainDisabled", false).
			v("SendingToDomainDisabled", false).
			v("SmtpDaneStatus", "Disabled").
			v("RawAuthenticationType", "Managed").
			v("CanHaveCloudCache", false)
		created := t.created
		if !initial && !coexist {
			created = t.at("domain-"+domain, 200)
		}
		t.trailer(b, domain, domain, t.configDN(domain, "CN=Accepted Domains,CN=Transport Settings,"), "0.20 (15.0.0.0)",
			[]string{"top", "msExchAcceptedDomain"}, created, created, guidOf(t.seed, tag("accepted"), tag(domain)))
		c.items = append(c.items, &item{obj: b.o})
	}
	add(t.custom, true, false, false)
	add(t.domain, false, true, false)
	add(t.short+".mail.onmicrosoft.com", false, false, true)
	return c
}

func (t *Tenant) remoteDomain(name, domain string, autoForward bool) Object {
	b := &ob{}
	changed := t.at("remote-"+name, 900)
	b.v("DomainName", domain).
		v("IsInternal", false).
		v("TargetDeliveryDomain", false).
		v("ByteEncoderTypeFor7BitCharsets", "Undefined").
		v("CharacterSet", "iso-8859-1").
		v("NonMimeCharacterSet", "iso-8859-1").
		v("AllowedOOFType", "External").
		v("AutoReplyEnabled", true).
		v("AutoForwardEnabled", autoForward).
		v("DeliveryReportEnabled", true).
		v("NDREnabled", true).
		v("MeetingForwardNotificationEnabled", false).
		v("ContentType", "MimeHtmlText").
		v("DisplaySenderName", true).
		v("PreferredInternetCodePageForShiftJis", "Undefined").
		v("RequiredCharsetCoverage", nil).
		v("TNEFEnabled", nil).
		v("LineWrapSize", "Unlimited").
		v("TrustedMailOutboundEnabled", false).
		v("TrustedMailInboundEnabled", false).
		v("UseSimpleDisplayName", false).
		v("NDRDiagnosticInfoEnabled", true).
		v("MessageCountThreshold", 2147483647)
	return t.trailer(b, name, name, t.configDN(name, "CN=Internet Message Formats,CN=Global Settings,"), "0.1 (8.0.535.0)",
		[]string{"top", "msExchDomainContentConfig"}, t.created, changed, guidOf(t.seed, tag("remote"), tag(name))).o
}

func (t *Tenant) remoteDomains(hard bool) *coll {
	c := &coll{idProps: []string{"Identity", "Name", "DomainName", "Guid", "DistinguishedName"}}
	c.items = append(c.items, &item{obj: t.remoteDomain("Default", "*", !hard)})
	if t.posture != Fresh {
		c.items = append(c.items, &item{obj: t.remoteDomain("Fabrikam", "fabrikam.com", t.posture == Risky)})
	}
	return c
}

func (t *Tenant) dkimConfig(domain string, enabled, isDefault bool) Object {
	b := &ob{}
	created := t.at("dkim-"+domain, 400)
	dash := func(s string) string {
		out := []byte(s)
		for i := range out {
			if out[i] == '.' {
				out[i] = '-'
			}
		}
		return string(out)
	}
	status := "Valid"
	if !enabled {
		status = "CnameMissing"
	}
	sel := func(n string) string {
		return "selector" + n + "-" + dash(domain) + "._domainkey." + t.short + ".y-v1.dkim.mail.microsoft"
	}
	key := "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + guidOf(t.seed, tag("dkimkey"), tag(domain))[:24] + ";"
	b.v("Domain", domain).
		v("Enabled", enabled).
		v("Status", status).
		v("IsDefault", isDefault).
		v("Selector1KeySize", 2048).
		v("Selector2KeySize", 2048).
		v("Selector1CNAME", sel("1")).
		v("Selector2CNAME", sel("2")).
		v("Selector1PublicKey", key).
		v("Selector2PublicKey", key).
		v("HeaderCanonicalization", "Relaxed").
		v("BodyCanonicalization", "Relaxed").
		v("Algorithm", "RsaSHA256").
		v("NumberOfBytesToSign", "All").
		v("IncludeSignatureCreationTime", true).
		v("IncludeKeyExpiration", false).
		dateUTC("KeyCreationTime", created).
		dateUTC("LastChecked", created).
		dateUTC("RotateOnDate", created).
		v("SelectorBeforeRotateOnDate", "selector2").
		v("SelectorAfterRotateOnDate", "selector1")
	o := t.trailer(b, domain, domain, t.configDN(domain, "CN=Dkim Signing Config,CN=Transport Settings,"), "0.20 (15.0.0.0)",
		[]string{"top", "msExchDkimSigningConfig"}, created, created, guidOf(t.seed, tag("dkim"), tag(domain))).o
	for i := range o { // UInt16 key sizes carry #Decimal
		if o[i].Name == "Selector1KeySize" || o[i].Name == "Selector2KeySize" {
			o[i].ODataType = "#Decimal"
		}
	}
	return o
}

func (t *Tenant) dkimConfigs(hard bool) *coll {
	c := &coll{idProps: []string{"Identity", "Name", "Domain", "Guid", "DistinguishedName"}}
	c.items = append(c.items, &item{obj: t.dkimConfig(t.domain, true, true)})
	c.items = append(c.items, &item{obj: t.dkimConfig(t.custom, hard, false)})
	return c
}

func (t *Tenant) outboundSpam(hard bool) *coll {
	b := &ob{}
	mode, action := "Automatic", "BlockUserForToday"
	ext, inter, day := 0, 0, 0
	var notify []string
	if hard {
		mode, action = "Off", "BlockUser"
		ext, inter, day = 400, 800, 800
		notify = []string{"soc@" + t.custom}
	}
	b.v("ConfigurationType", "HostedOutboundSpamFilterPolicy").
		v("IsDefault", true).
		v("Enabled", false).
		v("RecommendedPolicyType", "Custom").
		v("RecipientLimitExternalPerHour", ext).
		v("RecipientLimitInternalPerHour", inter).
		v("RecipientLimitPerDay", day).
		v("ActionWhenThresholdReached", action).
		v("AutoForwardingMode", mode).
		v("NotifyOutboundSpam", hard).
		list("NotifyOutboundSpamRecipients", notify...).
		v("BccSuspiciousOutboundMail", hard).
		list("BccSuspiciousOutboundAdditionalRecipients", notify...)
	changed := t.at("outbound-changed", 900)
	t.trailer(b, "Default", "Default", t.configDN("Default", "CN=Outbound Spam Filter,CN=Transport Settings,"), "0.20 (15.0.0.0)",
		[]string{"top", "msExchHostedOutboundSpamFilterConfig"}, t.created, changed, guidOf(t.seed, tag("outbound")))
	c := &coll{idProps: []string{"Identity", "Name", "Guid", "DistinguishedName"}, items: []*item{{obj: b.o}}}
	if t.posture == Risky {
		c.items = append(c.items, &item{obj: t.customOutboundPolicy()})
	}
	return c
}

func (t *Tenant) transportRules(hard, risky bool) *coll {
	c := &coll{idProps: []string{"Identity", "Name", "Guid", "ImmutableId", "DistinguishedName"}}
	add := func(o Object) { c.items = append(c.items, &item{obj: o}) }
	created := t.at("rules", 700)
	if hard {
		add(t.transportRule(ruleSpec{Name: "External sender warning", FromScope: "NotInOrganization", PrependSubject: "[External] ",
			SenderAddressLocation: "Header", SetAuditSeverity: "Low"}, len(c.items), created))
	}
	if risky {
		add(t.transportRule(ruleSpec{Name: "Copy finance mail to archive", RedirectMessageTo: []string{"archive@" + t.short + "-backup.example"},
			SentToScope: "InOrganization"}, len(c.items), created))
		add(t.transportRule(ruleSpec{Name: "Allow partner newsletters", SenderDomainIs: []string{"partner-mail.example", "news." + t.short + "-partner.example"},
			SetSCL: intPtr(-1)}, len(c.items), created))
	}
	if t.posture == Fresh {
		add(t.transportRule(ruleSpec{Name: "Legal disclaimer", SentToScope: "NotInOrganization", ApplyHtmlDisclaimerText: "<p>This message is confidential.</p>",
			ApplyHtmlDisclaimerLocation: "Append"}, len(c.items), created))
	}
	return c
}

func intPtr(n int) *int { return &n }

// unifiedLocations are the locations DLP and retention policies share: all
// of SharePoint and OneDrive, and all of Exchange when the policy covers it.
func (b *ob) unifiedLocations(exchange bool) *ob {
	loc := []string{}
	if exchange {
		loc = []string{"All"}
	}
	return b.list("ExchangeLocation", loc...).
		list("ExchangeLocationException").
		list("SharePointLocation", "All").
		list("SharePointLocationException").
		list("OneDriveLocation", "All").
		list("OneDriveLocationException")
}

func (t *Tenant) dlpPolicy(name, mode string, enabled bool, prio int, exchange bool, created time.Time) Object {
	b := &ob{}
	workload := "SharePoint, OneDriveForBusiness, Teams"
	if exchange {
		workload = "Exchange, SharePoint, OneDriveForBusiness, Teams"
	}
	creator := guidOf(t.seed, tag("admin-user"))
	b.v("Type", "Dlp").
		v("Mode", mode).
		v("Enabled", enabled).
		v("Priority", prio).
		v("Workload", workload).
		v("DisplayName", name).
		v("Comment", "").
		unifiedLocations(exchange).
		list("TeamsLocation", "All").
		list("TeamsLocationException").
		list("EndpointDlpLocation").
		list("ThirdPartyAppDlpLocation").
		v("Locations", "[]").
		list("ExchangeSender").
		list("ExchangeSenderMemberOf").
		list("ExchangeAdaptiveScopes").
		v("PolicyCategory", "Unknown").
		v("DistributionStatus", "Success").
		v("DistributionSyncStatus", "Success").
		v("IsSimulationPolicy", false).
		v("PolicyRulesMetaData", "{\"WhenRulesChangedUtc\":\""+formatDateUTC(created)+"\"}").
		v("PolicyConstraints", "{\"AdministrativeUnit\":[]}").
		v("GlobalListType", "None").
		v("CreatedBy", creator).
		v("LastModifiedBy", creator).
		v("ReadOnly", false).
		dateUTC("ModificationTimeUtc", created).
		dateUTC("CreationTimeUtc", created)
	return t.ffoTrailer(b, name, "msExchUnifiedPolicy", created, created, guidOf(t.seed, tag("dlp"), tag(name))).o
}

func (t *Tenant) dlpPolicies(hard, risky bool) *coll {
	c := &coll{idProps: []string{"Identity", "Name", "DisplayName", "Guid", "DistinguishedName"}}
	created := t.at("dlp", 600)
	switch {
	case hard:
		c.items = append(c.items, &item{obj: t.dlpPolicy("Default Office 365 DLP policy", "Enable", true, 0, true, created)},
			&item{obj: t.dlpPolicy("Exchange PII", "Enable", true, 1, true, created.Add(48*time.Hour))})
	case risky:
		c.items = append(c.items, &item{obj: t.dlpPolicy("Default Office 365 DLP policy", "Disable", false, 0, true, created)})
	default:
		c.items = append(c.items, &item{obj: t.dlpPolicy("Default Office 365 DLP policy", "TestWithNotifications", true, 0, true, created)},
			&item{obj: t.dlpPolicy("Teams financial data", "Enable", true, 1, false, created.Add(24*time.Hour))})
	}
	return c
}

func (t *Tenant) retentionPolicy(name string, enabled, exchange bool, created time.Time) Object {
	b := &ob{}
	workload := "SharePoint, OneDriveForBusiness"
	if exchange {
		workload = "Exchange, SharePoint, OneDriveForBusiness, ModernGroup"
	}
	creator := guidOf(t.seed, tag("admin-user"))
	b.v("Comment", "").
		v("Enabled", enabled).
		v("Mode", "Enforce").
		v("Type", "Retention").
		unifiedLocations(exchange).
		list("ModernGroupLocation").
		list("ModernGroupLocationException").
		list("PublicFolderLocation").
		list("SkypeLocation").
		list("SkypeLocationException").
		list("TeamsChannelLocation").
		list("TeamsChatLocation").
		list("AdaptiveScopeLocation").
		v("RestrictiveRetention", false).
		list("Applications").
		v("Workload", workload).
		v("DistributionStatus", "Success").
		v("CreatedBy", creator).
		v("LastModifiedBy", creator)
	return t.ffoTrailer(b, name, "msExchUnifiedPolicy", created, created, guidOf(t.seed, tag("retention"), tag(name))).o
}

func (t *Tenant) retentionPolicies(hard, risky bool) *coll {
	c := &coll{idProps: []string{"Identity", "Name", "Guid", "DistinguishedName"}}
	created := t.at("retention", 600)
	switch {
	case hard:
		c.items = append(c.items, &item{obj: t.retentionPolicy("Mailbox retention 7 years", true, true, created)})
	case risky:
		c.items = append(c.items, &item{obj: t.retentionPolicy("Files 1 year", false, false, created)})
	}
	return c
}
