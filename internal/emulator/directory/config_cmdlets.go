package directory

import (
	"strings"
)

// Organization-level configuration cmdlets: one object per tenant
// (organization, transport, admin audit log, external tagging) and small
// collections (accepted and remote domains, DKIM, outbound spam policies).

var (
	enumPublicFolders = enum("Microsoft.Exchange.Data.PublicFoldersDeployment", "None", "Local", "Remote")
	enumEwsPolicy     = enum("Microsoft.Exchange.Data.Directory.EwsApplicationAccessPolicy", "EnforceAllowList", "EnforceBlockList")
	enumShortenScope  = &enumType{typ: "Microsoft.Exchange.Data.ShortenEventScopeMode", names: []string{"None", "EndEarly", "StartLate"}, numeric: true}
	enumDSN           = enum("Microsoft.Exchange.Data.DSNConversionOption", "DoNotConvert", "PreserveDSNBody", "UseExchangeDSNs")
	enumHeaderPromo   = enum("Microsoft.Exchange.Data.HeaderPromotionMode", "MustCreate", "MayCreate", "NoCreate")
	enumOOF           = enum("Microsoft.Exchange.Data.Directory.SystemConfiguration.AllowedOOFType", "External", "ExternalLegacy", "InternalLegacy", "None")
	enumContentType   = enum("Microsoft.Exchange.Data.Directory.SystemConfiguration.ContentType", "MimeHtmlText", "MimeText", "MimeHtml")
	enumByteEncoder   = enum("Microsoft.Exchange.Data.Directory.SystemConfiguration.ByteEncoderTypeFor7BitCharsetsEnum",
		"Use7Bit", "UseQP", "UseBase64", "UseQPHtmlDetectTextPlain", "UseBase64HtmlDetectTextPlain", "UseQPHtml7BitTextPlain", "UseBase64Html7BitTextPlain", "Undefined")
	enumShiftJis  = enum("Microsoft.Exchange.Data.Directory.SystemConfiguration.PreferredInternetCodePageForShiftJisEnum", "50220", "50221", "50222", "Undefined")
	enumCanon     = enum("Microsoft.Exchange.Data.Directory.SystemConfiguration.CanonicalizationType", "Simple", "Relaxed")
	enumAutoFwd   = enum("Microsoft.Exchange.Data.Directory.SystemConfiguration.AutoForwardingMode", "Automatic", "Off", "On")
	enumThreshold = enum("Microsoft.Exchange.Data.Directory.SystemConfiguration.OutboundRecipientLimitsExceededAction", "Alert", "BlockUser", "BlockUserForToday")
)

func configCmdlets() []*cmdlet {
	single := func(key string) func(*call) (*Result, *Error) {
		return func(cl *call) (*Result, *Error) { return listResult([]Object{cl.t.singletons[key]}), nil }
	}
	setSingle := func(key string) func(*call) (*Result, *Error) {
		return func(cl *call) (*Result, *Error) { return cl.setSingleton(key) }
	}
	getColl := func(key string) func(*call) (*Result, *Error) {
		return func(cl *call) (*Result, *Error) { return cl.getColl(cl.t.colls[key]) }
	}
	setColl := func(key string) func(*call) (*Result, *Error) {
		return func(cl *call) (*Result, *Error) { return cl.setColl(cl.t.colls[key], cl.a.str("Identity")) }
	}
	return []*cmdlet{
		{name: "Get-OrganizationConfig", run: single("org")},
		{name: "Set-OrganizationConfig", params: []param{
			pBoolP("AuditDisabled"), pBoolP("OAuth2ClientProfileEnabled"), pBoolP("CustomerLockBoxEnabled"), pBoolP("RejectDirectSend"),
			pBoolP("MailTipsAllTipsEnabled"), pBoolP("MailTipsExternalRecipientsTipsEnabled"), pBoolP("MailTipsGroupMetricsEnabled"),
			pIntP("MailTipsLargeAudienceThreshold", 0, 1<<31-1), pBoolP("MailTipsMailboxSourcedTipsEnabled"),
			pNBoolP("EwsEnabled"), pNBoolP("EwsAllowOutlook"), pNBoolP("EwsAllowMacOutlook"), pEnumP("EwsApplicationAccessPolicy", enumEwsPolicy),
			pBoolP("SendFromAliasEnabled"), pBoolP("ActivityBasedAuthenticationTimeoutEnabled"),
			{name: "ActivityBasedAuthenticationTimeoutInterval", typ: pTimeSpan, prop: "ActivityBasedAuthenticationTimeoutInterval"},
			pBoolP("ActivityBasedAuthenticationTimeoutWithSingleSignOnEnabled"),
			pStrP("DefaultAuthenticationPolicy"), pBoolP("BookingsEnabled"), pBoolP("ConnectorsEnabled"), pBoolP("SmtpActionableMessagesEnabled"),
			pNBoolP("FocusedInboxOn"), pEnumP("PublicFoldersEnabled", enumPublicFolders),
			{name: "AutoExpandingArchive", typ: pSwitch, prop: "AutoExpandingArchiveEnabled"},
			pBoolP("ElcProcessingDisabled"), pBoolP("DelayedDelicensingEnabled"), pNBoolP("MessageRecallEnabled"), pMultiP("IPListBlocked"),
			pBoolP("MaskClientIpInReceivedHeadersEnabled"), pBoolP("LinkPreviewEnabled"), pEnumP("ShortenEventScopeDefault", enumShortenScope),
			pBoolP("MessageRemindersEnabled"), pBoolP("DirectReportsGroupAutoCreationEnabled"),
		}, run: setSingle("org")},

		{name: "Get-TransportConfig", run: single("transport")},
		{name: "Set-TransportConfig", params: []param{
			pBoolP("SmtpClientAuthenticationDisabled"), pNBoolP("AllowLegacyTLSClients"),
			{name: "MessageExpiration", typ: pTimeSpan, prop: "MessageExpiration"},
			{name: "MaxRecipientEnvelopeLimit", typ: pUnlimitedInt, prop: "MaxRecipientEnvelopeLimit"},
			pBoolP("ReplyAllStormProtectionEnabled"), pIntP("ReplyAllStormBlockDurationHours", 1, 24),
			pIntP("ReplyAllStormDetectionMinimumRecipients", 1000, 5000), pIntP("ReplyAllStormDetectionMinimumReplies", 5, 20),
			{name: "ExternalPostmasterAddress", typ: pSmtp, prop: "ExternalPostmasterAddress"},
			{name: "JournalingReportNdrTo", typ: pSmtp, prop: "JournalingReportNdrTo"},
			pEnumP("DSNConversionMode", enumDSN), pEnumP("HeaderPromotionModeSetting", enumHeaderPromo),
			pBoolP("AddressBookPolicyRoutingEnabled"), pBoolP("ClearCategories"), pBoolP("ConvertDisclaimerWrapperToEml"),
			pBoolP("Rfc2231EncodingEnabled"), pBoolP("VoicemailJournalingEnabled"),
		}, run: setSingle("transport")},

		{name: "Get-AdminAuditLogConfig", services: []Service{Exchange, Compliance}, run: single("audit")},
		{name: "Set-AdminAuditLogConfig", params: []param{pBoolP("UnifiedAuditLogIngestionEnabled"), pSw("Force")}, run: setSingle("audit")},

		{name: "Get-ExternalInOutlook", params: []param{pID()}, run: getExternalInOutlook},
		{name: "Set-ExternalInOutlook", params: []param{pID(), pBoolP("Enabled"), pMultiP("AllowList")}, run: setExternalInOutlook},

		{name: "Get-AcceptedDomain", params: []param{pID(), resultSizeParam()}, run: getColl("acceptedDomain")},

		{name: "Get-RemoteDomain", params: []param{pID(), resultSizeParam()}, run: getColl("remoteDomain")},
		{name: "Set-RemoteDomain", params: []param{pReq(pID()),
			pBoolP("AutoForwardEnabled"), pBoolP("AutoReplyEnabled"), pBoolP("DeliveryReportEnabled"), pBoolP("NDREnabled"),
			pBoolP("NDRDiagnosticInfoEnabled"), pBoolP("MeetingForwardNotificationEnabled"), pBoolP("DisplaySenderName"), pBoolP("IsInternal"),
			pBoolP("TargetDeliveryDomain"), pBoolP("TrustedMailInboundEnabled"), pBoolP("TrustedMailOutboundEnabled"), pBoolP("UseSimpleDisplayName"),
			pNBoolP("TNEFEnabled"), pEnumP("AllowedOOFType", enumOOF), pEnumP("ContentType", enumContentType),
			pEnumP("ByteEncoderTypeFor7BitCharsets", enumByteEncoder), {name: "LineWrapSize", typ: pUnlimitedInt, prop: "LineWrapSize"},
			pEnumP("PreferredInternetCodePageForShiftJis", enumShiftJis), pStrP("CharacterSet"), pStrP("NonMimeCharacterSet"), pStrP("Name"),
			{name: "RequiredCharsetCoverage", typ: pInt, prop: "RequiredCharsetCoverage"},
		}, run: setColl("remoteDomain")},

		{name: "Get-DkimSigningConfig", params: []param{pID()}, run: getColl("dkim")},
		{name: "Set-DkimSigningConfig", params: []param{pReq(pID()), pBoolP("Enabled"), pEnumP("HeaderCanonicalization", enumCanon),
			pEnumP("BodyCanonicalization", enumCanon), pSw("PublishTxtRecords"), pStrP("AdminDisplayName")}, run: setDkim},
		{name: "New-DkimSigningConfig", params: []param{pReq(pStr("DomainName")), pReq(param{name: "Enabled", typ: pBool}),
			{name: "KeySize", typ: pEnum, enum: enum("System.UInt16", "1024", "2048")},
			pEnumP("HeaderCanonicalization", enumCanon), pEnumP("BodyCanonicalization", enumCanon), pStrP("AdminDisplayName")}, run: newDkim},

		{name: "Get-HostedOutboundSpamFilterPolicy", params: []param{pID()}, run: getColl("outboundSpam")},
		{name: "Set-HostedOutboundSpamFilterPolicy", params: []param{pReq(pID()),
			pEnumP("AutoForwardingMode", enumAutoFwd), pEnumP("ActionWhenThresholdReached", enumThreshold),
			pIntP("RecipientLimitExternalPerHour", 0, 10000), pIntP("RecipientLimitInternalPerHour", 0, 10000), pIntP("RecipientLimitPerDay", 0, 10000),
			pBoolP("NotifyOutboundSpam"), pBoolP("BccSuspiciousOutboundMail"),
			pMultiP("NotifyOutboundSpamRecipients"), pMultiP("BccSuspiciousOutboundAdditionalRecipients"), pStrP("AdminDisplayName"),
		}, run: setColl("outboundSpam")},
	}
}

func getExternalInOutlook(cl *call) (*Result, *Error) {
	o := cl.t.singletons["externalInOutlook"]
	if id := cl.a.str("Identity"); id != "" && !cl.t.isOrgIdentity(id) && !strings.EqualFold(id, o.str("Identity")) {
		return nil, cl.t.errNotFound(id)
	}
	return listResult([]Object{o}), nil
}

func setExternalInOutlook(cl *call) (*Result, *Error) {
	if id := cl.a.str("Identity"); id != "" && !cl.t.isOrgIdentity(id) && !strings.EqualFold(id, cl.t.singletons["externalInOutlook"].str("Identity")) {
		return nil, cl.t.errNotFound(id)
	}
	return cl.setSingleton("externalInOutlook")
}

// isOrgIdentity accepts what an OrganizationIdParameter may be: the tenant
// GUID, its initial domain or its short name.
func (t *Tenant) isOrgIdentity(id string) bool {
	return strings.EqualFold(id, t.id) || strings.EqualFold(id, t.domain) || strings.EqualFold(id, t.short)
}

func setDkim(cl *call) (*Result, *Error) {
	c := cl.t.colls["dkim"]
	id := cl.a.str("Identity")
	res, err := cl.setColl(c, id)
	if err != nil || res.Write == nil {
		return res, err
	}
	// The status follows Enabled once the CNAMEs are published.
	_, pos, _ := cl.find(c, id)
	o := c.items[pos].obj
	if on, _ := o.Get("Enabled"); on == true && o.str("Status") != "Valid" {
		n := o.clone()
		n.set("Status", "Valid")
		c.items[pos] = &item{obj: n, visibleAt: c.items[pos].visibleAt}
	}
	return res, nil
}

func newDkim(cl *call) (*Result, *Error) {
	domain := strings.ToLower(cl.a.str("DomainName"))
	if _, _, err := cl.find(cl.t.colls["acceptedDomain"], domain); err != nil {
		return nil, errExec(excValidation, domain, "The domain %s isn't an accepted domain of this organization.", domain)
	}
	c := cl.t.colls["dkim"]
	for _, it := range c.items {
		if strings.EqualFold(it.obj.str("Domain"), domain) {
			return nil, errExec("Microsoft.Exchange.Management.Tasks.DkimSigningConfigAlreadyExistsException", domain,
				"A DKIM signing configuration already exists for domain %s. Use Set-DkimSigningConfig to change it.", domain)
		}
	}
	o := cl.t.dkimConfig(domain, cl.a.boolean("Enabled"), false)
	o, _ = cl.applyProps(o)
	if ks, ok := cl.a["KeySize"].(string); ok {
		n := 1024
		if ks == "2048" {
			n = 2048
		}
		o.set("Selector1KeySize", n)
		o.set("Selector2KeySize", n)
	}
	it := &item{obj: o, visibleAt: cl.now.Add(cl.t.opts.ReplicationDelay)}
	c.items = append(c.items, it)
	return &Result{Len: 1, Object: func(int) Object { return o }, Write: cl.wrote()}, nil
}
