package directory

import (
	"fmt"
	"time"
)

// Rules that scope protection policies to recipients, and the preset
// security policies they enable: Get-HostedOutboundSpamFilterRule (custom
// outbound spam policies), Get-EOPProtectionPolicyRule and
// Get-ATPProtectionPolicyRule (the Standard and Strict presets), plus
// Get-AtpPolicyForO365. Precedence matters to the audit
// (exchange-audit-controls.md, "Precedence matters"): presets first, then
// enabled custom policies, then Default.
//
// Evidence: the cmdlet and property names are D1 (office-docs-powershell
// Get-/New-EOPProtectionPolicyRule, Get-/New-ATPProtectionPolicyRule,
// Get-/New-HostedOutboundSpamFilterRule); preset policy names follow R1
// ("Standard Preset Security Policy<13 digits>"). Which tenants have which
// rules is an assumption tied to the posture: a Risky tenant has a custom
// outbound policy that allows auto-forwarding, enabled for a sales group; a
// Hardened tenant has the Standard and Strict presets turned on; presets of
// a tenant that never turned them on return nothing [I].

var enumRuleStateP = enum("Microsoft.Exchange.MessagingPolicies.Rules.RuleState", "Enabled", "Disabled")

// presetStamp is the 13-digit suffix the service appends to preset policy
// names (a creation time in ms).
func (t *Tenant) presetStamp(kind string) string {
	return fmt.Sprintf("%d", t.at("preset-"+kind, 600).UnixMilli())
}

// protectionRule builds a rule row; links names the policies it applies
// (HostedContentFilterPolicy: ..., AntiPhishPolicy: ...).
func (t *Tenant) protectionRule(name, container string, prio int, state string, links [][2]string, sentToMemberOf, fromMemberOf []string, created time.Time) Object {
	b := &ob{}
	for _, l := range links {
		b.v(l[0], l[1])
	}
	b.i32("Priority", prio).
		v("State", state).
		v("Comments", nil).
		v("Description", "").
		v("RuleVersion", "15.0.5.2").
		arr("Conditions", nil).
		arr("Exceptions", nil).
		arr("SentTo", nil).
		arr("SentToMemberOf", sentToMemberOf).
		arr("RecipientDomainIs", nil).
		arr("From", nil).
		arr("FromMemberOf", fromMemberOf).
		arr("SenderDomainIs", nil).
		arr("ExceptIfSentTo", nil).
		arr("ExceptIfSentToMemberOf", nil).
		arr("ExceptIfRecipientDomainIs", nil)
	return t.trailer(b, name, name, t.configDN(name, container), "0.1 (8.0.535.0)",
		[]string{"top", "msExchTransportRule"}, created, created, guidOf(t.seed, tag("prule"), tag(name))).o
}

func (t *Tenant) outboundSpamRules() *coll { // behaviour dir.outbound-rules.custom
	c := &coll{idProps: []string{"Identity", "Name", "Guid", "DistinguishedName"}}
	if t.posture == Risky {
		c.items = append(c.items, &item{obj: t.protectionRule("Sales relay", "CN=HostedOutboundSpamFilterVersioned,CN=Rules,CN=Transport Settings,", 0, "Enabled",
			[][2]string{{"HostedOutboundSpamFilterPolicy", "Sales relay"}}, nil, []string{"sales@" + t.custom}, t.at("outbound-rule", 600))})
	}
	return c
}

// customOutboundPolicy is the Risky tenant's extra outbound spam policy.
func (t *Tenant) customOutboundPolicy() Object {
	b := &ob{}
	b.v("ConfigurationType", "HostedOutboundSpamFilterPolicy").
		v("IsDefault", false).
		v("Enabled", true).
		v("RecommendedPolicyType", "Custom").
		v("RecipientLimitExternalPerHour", 0).
		v("RecipientLimitInternalPerHour", 0).
		v("RecipientLimitPerDay", 0).
		v("ActionWhenThresholdReached", "BlockUserForToday").
		v("AutoForwardingMode", "On").
		v("NotifyOutboundSpam", false).
		list("NotifyOutboundSpamRecipients").
		v("BccSuspiciousOutboundMail", false).
		list("BccSuspiciousOutboundAdditionalRecipients")
	return t.policyTrailer(b, "Sales relay", "CN=Outbound Spam Filter,CN=Transport Settings,", "msExchHostedOutboundSpamFilterConfig")
}

func (t *Tenant) eopRules() *coll { // behaviour dir.protection-rules.presets
	c := &coll{idProps: []string{"Identity", "Name", "Guid", "DistinguishedName"}}
	if t.posture != Hardened {
		return c
	}
	for i, kind := range []string{"Strict", "Standard"} {
		policy := kind + " Preset Security Policy" + t.presetStamp(kind)
		c.items = append(c.items, &item{obj: t.protectionRule(kind+" Preset Security Policy", "CN=EOPProtectionPolicyVersioned,CN=Rules,CN=Transport Settings,", i, "Enabled",
			[][2]string{{"HostedContentFilterPolicy", policy}, {"AntiPhishPolicy", policy}, {"MalwareFilterPolicy", policy}},
			[]string{"IT Admins"}, nil, t.at("preset-"+kind, 600))})
	}
	return c
}

func (t *Tenant) atpRules() *coll {
	c := &coll{idProps: []string{"Identity", "Name", "Guid", "DistinguishedName"}}
	if t.posture != Hardened || !t.licensed(LicenseDefenderP1) {
		return c
	}
	for i, kind := range []string{"Strict", "Standard"} {
		policy := kind + " Preset Security Policy" + t.presetStamp(kind)
		c.items = append(c.items, &item{obj: t.protectionRule(kind+" Preset Security Policy", "CN=ATPProtectionPolicyVersioned,CN=Rules,CN=Transport Settings,", i, "Enabled",
			[][2]string{{"SafeAttachmentPolicy", policy}, {"SafeLinksPolicy", policy}}, []string{"IT Admins"}, nil, t.at("preset-"+kind, 600))})
	}
	return c
}

// presetAntiPhish is the Standard preset's anti-phishing policy: impersonation
// protection for the listed users and the organisation's domains, safety
// tips on (values as R1's Standard preset capture).
func (t *Tenant) presetAntiPhish() Object { // behaviour dir.antiphish.hardened
	o := t.antiPhishPolicy(true).clone()
	name := "Standard Preset Security Policy" + t.presetStamp("Standard")
	for _, kv := range []struct {
		k string
		v any
	}{{"IsDefault", false}, {"RecommendedPolicyType", "Standard"}, {"Name", name}, {"Identity", name}, {"Id", name},
		{"DistinguishedName", t.configDN(name, "CN=Phishing Filter,CN=Transport Settings,")}, {"Guid", guidOf(t.seed, tag("preset-ap"))},
		{"ExchangeObjectId", guidOf(t.seed, tag("preset-ap"))}} {
		o.set(kv.k, kv.v)
	}
	return o
}

func (t *Tenant) atpPolicyForO365() Object {
	b := &ob{}
	hard := t.posture == Hardened
	b.v("EnableATPForSPOTeamsODB", hard).v("EnableSafeDocs", hard).v("AllowSafeDocsOpen", false)
	return t.policyTrailer(b, "Default", "CN=Advanced Threat Protection,CN=Transport Settings,", "msExchAtpPolicyForO365")
}

func protectionRuleCmdlets() []*cmdlet {
	get := func(name, key string) *cmdlet {
		return &cmdlet{name: name, params: []param{pID(), {name: "State", typ: pEnum, enum: enumRuleStateP}},
			run: func(cl *call) (*Result, *Error) {
				c := cl.t.colls[key]
				if st, ok := cl.a["State"].(string); ok {
					c = c.where(func(o Object) bool { return o.str("State") == st })
				}
				return cl.getColl(c)
			}}
	}
	atpRule := get("Get-ATPProtectionPolicyRule", "atpRule")
	atpRule.license = LicenseDefenderP1
	atpPolicy := &cmdlet{name: "Get-AtpPolicyForO365", params: []param{pID()}, license: LicenseDefenderP1,
		run: func(cl *call) (*Result, *Error) { return cl.getColl(cl.t.colls["atpPolicy"]) }}
	return []*cmdlet{
		get("Get-HostedOutboundSpamFilterRule", "outboundSpamRule"),
		get("Get-EOPProtectionPolicyRule", "eopRule"),
		atpRule, atpPolicy,
	}
}
