package directory

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Transport rules (mail flow rules): Get/New/Set/Remove-TransportRule.

// ruleSpec is the subset of rule conditions and actions the emulator models.
type ruleSpec struct {
	Name                        string
	FromScope, SentToScope      string
	SenderDomainIs              []string
	RecipientDomainIs           []string
	PrependSubject              string
	SetSCL                      *int
	SetAuditSeverity            string
	RedirectMessageTo           []string
	BlindCopyTo                 []string
	ApplyHtmlDisclaimerText     string
	ApplyHtmlDisclaimerLocation string
	SenderAddressLocation       string
}

const rulesNS = "Microsoft.Exchange.MessagingPolicies.Rules.Tasks."

func (t *Tenant) transportRule(s ruleSpec, prio int, created time.Time) Object {
	guid := guidOf(t.seed, tag("rule"), tag(s.Name))
	if s.SenderAddressLocation == "" {
		s.SenderAddressLocation = "Header"
	}
	b := &ob{}
	b.i32("Priority", prio).
		v("DlpPolicy", nil).
		guid("DlpPolicyId", "00000000-0000-0000-0000-000000000000").
		v("Comments", nil).
		v("ManuallyModified", false).
		v("ActivationDate", nil).
		v("ExpiryDate", nil).
		v("Description", "").
		v("RuleVersion", "15.0.5.2").
		arr("Conditions", nil).
		arr("Exceptions", nil).
		arr("Actions", nil).
		v("State", "Enabled").
		v("Mode", "Enforce").
		v("RuleErrorAction", "Ignore").
		v("SenderAddressLocation", s.SenderAddressLocation).
		v("RuleSubType", "None").
		v("UseLegacyRegex", false).
		arr("From", nil).
		v("FromScope", nilIfEmpty(s.FromScope)).
		arr("SentTo", nil).
		v("SentToScope", nilIfEmpty(s.SentToScope)).
		arr("SenderDomainIs", s.SenderDomainIs).
		arr("RecipientDomainIs", s.RecipientDomainIs).
		arr("SubjectContainsWords", nil).
		arr("SenderIpRanges", nil).
		arr("ExceptIfSenderDomainIs", nil).
		arr("ExceptIfFrom", nil).
		v("PrependSubject", nilIfEmpty(s.PrependSubject)).
		v("SetAuditSeverity", nilIfEmpty(s.SetAuditSeverity)).
		v("ApplyRightsProtectionTemplate", nil).
		v("ApplyHtmlDisclaimerText", nilIfEmpty(s.ApplyHtmlDisclaimerText)).
		v("ApplyHtmlDisclaimerLocation", nilIfEmpty(s.ApplyHtmlDisclaimerLocation)).
		v("ApplyHtmlDisclaimerFallbackAction", nil).
		v("SetSCL", nil).
		v("SetHeaderName", nil).
		v("SetHeaderValue", nil).
		arr("RedirectMessageTo", s.RedirectMessageTo).
		arr("BlindCopyTo", s.BlindCopyTo).
		arr("CopyTo", nil).
		arr("AddToRecipients", nil).
		v("RouteMessageOutboundConnector", nil).
		v("DeleteMessage", false).
		v("Quarantine", false).
		v("RejectMessageReasonText", nil).
		v("RejectMessageEnhancedStatusCode", nil).
		v("StopRuleProcessing", false).
		v("RecipientAddressType", "Resolved").
		v("CreatedBy", "Tenant Admin").
		v("LastModifiedBy", "Tenant Admin").
		guid("ImmutableId", guid).
		v("Size", 0)
	o := t.trailer(b, s.Name, s.Name, t.configDN(s.Name, "CN=TransportVersioned,CN=Rules,CN=Transport Settings,"), "0.1 (8.0.535.0)",
		[]string{"top", "msExchTransportRule"}, created, created, guid).o
	if s.SetSCL != nil {
		o.set("SetSCL", *s.SetSCL)
	}
	refreshRule(o)
	return o
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// ruleParts maps rule properties to the predicate/action class names and
// the description lines the service derives from them.
var ruleConditions = []struct{ prop, class, text string }{
	{"FromScope", "FromScopePredicate", "Is received from '%s'"},
	{"SentToScope", "SentToScopePredicate", "Is sent to '%s'"},
	{"From", "FromPredicate", "Is received from '%s'"},
	{"SentTo", "SentToPredicate", "Is sent to '%s'"},
	{"SenderDomainIs", "SenderDomainIsPredicate", "Includes these words in the sender's address domain: '%s'"},
	{"RecipientDomainIs", "RecipientDomainIsPredicate", "Includes these words in a recipient's address domain: '%s'"},
	{"SubjectContainsWords", "SubjectContainsPredicate", "Includes these words in the message subject: '%s'"},
	{"SenderIpRanges", "SenderIpRangesPredicate", "Sender ip addresses belong to one of these ranges: '%s'"},
}

var ruleActions = []struct{ prop, class, text string }{
	{"PrependSubject", "PrependSubjectAction", "Prepend the subject with '%s'"},
	{"SetSCL", "SetSclAction", "Set the spam confidence level (SCL) to '%s'"},
	{"SetAuditSeverity", "SetAuditSeverityAction", "Set audit severity level to '%s'"},
	{"ApplyHtmlDisclaimerText", "ApplyHtmlDisclaimerAction", "Append the disclaimer '%s'"},
	{"RedirectMessageTo", "RedirectMessageAction", "Redirect the message to '%s'"},
	{"BlindCopyTo", "BlindCopyToAction", "Blind carbon copy (Bcc) the message to '%s'"},
	{"CopyTo", "CopyToAction", "Carbon copy (Cc) the message to '%s'"},
	{"AddToRecipients", "AddToRecipientsAction", "Add '%s' to the To box"},
	{"ApplyRightsProtectionTemplate", "RightsProtectMessageAction", "Rights protect message with RMS template: '%s'"},
	{"SetHeaderName", "SetHeaderAction", "Set the message header '%s'"},
	{"RejectMessageReasonText", "RejectMessageAction", "reject the message and include the explanation '%s'"},
	{"DeleteMessage", "DeleteMessageAction", "Delete the message without notifying anyone"},
	{"Quarantine", "QuarantineAction", "Deliver the message to the hosted quarantine"},
	{"StopRuleProcessing", "StopRuleProcessingAction", "Stop processing more rules"},
}

var scopeText = map[string]string{"NotInOrganization": "Outside the organization", "InOrganization": "Inside the organization",
	"ExternalPartner": "Outside the organization (partner)", "ExternalNonPartner": "Outside the organization (non-partner)"}

// refreshRule recomputes Conditions, Actions, Description and Size from the
// rule's properties, as the service does after New/Set.
func refreshRule(o Object) {
	render := func(v any) (string, bool) {
		switch x := v.(type) {
		case nil:
			return "", false
		case bool:
			return "", x
		case string:
			if s, ok := scopeText[x]; ok {
				return s, true
			}
			return x, x != ""
		case []string:
			return strings.Join(x, "' or '"), len(x) > 0
		}
		return fmt.Sprint(v), true
	}
	var conds, acts []string
	desc := "If the message:\r\n"
	for _, c := range ruleConditions {
		v, _ := o.Get(c.prop)
		if s, ok := render(v); ok {
			conds = append(conds, rulesNS+c.class)
			desc += "\t" + fmtText(c.text, s) + "\r\n"
		}
	}
	desc += "Take the following actions:\r\n"
	for _, a := range ruleActions {
		v, _ := o.Get(a.prop)
		if s, ok := render(v); ok {
			acts = append(acts, rulesNS+a.class)
			desc += "\t" + fmtText(a.text, s) + "\r\n"
		}
	}
	if conds == nil {
		desc = strings.Replace(desc, "If the message:\r\n", "If the message:\r\n\tApply this rule to all messages\r\n", 1)
	}
	o.set("Conditions", conds)
	if conds == nil {
		o[o.index("Conditions")].Value = nil
	}
	o.set("Actions", acts)
	o.set("Description", desc)
	o.set("Size", len(desc)*2)
}

func fmtText(format, s string) string {
	if strings.Contains(format, "%s") {
		return fmt.Sprintf(format, s)
	}
	return format
}

var (
	enumScopeFrom = enum("Microsoft.Exchange.MessagingPolicies.Rules.Tasks.FromUserScope", "InOrganization", "NotInOrganization")
	enumScopeTo   = enum("Microsoft.Exchange.MessagingPolicies.Rules.Tasks.ToUserScope", "InOrganization", "NotInOrganization", "ExternalPartner", "ExternalNonPartner")
	enumRuleMode  = enum("Microsoft.Exchange.MessagingPolicies.Rules.RuleMode", "Audit", "AuditAndNotify", "Enforce")
	enumRuleErr   = enum("Microsoft.Exchange.MessagingPolicies.Rules.RuleErrorAction", "Ignore", "Defer")
	enumSenderLoc = enum("Microsoft.Exchange.MessagingPolicies.Rules.SenderAddressLocation", "Header", "Envelope", "HeaderOrEnvelope")
	enumSeverity  = enum("System.String", "DoNotAudit", "Low", "Medium", "High")
	enumDiscLoc   = enum("Microsoft.Exchange.MessagingPolicies.Rules.DisclaimerLocation", "Append", "Prepend")
	enumDiscFall  = enum("Microsoft.Exchange.MessagingPolicies.Rules.DisclaimerFallbackAction", "Wrap", "Ignore", "Reject")
	enumRuleState = enum("Microsoft.Exchange.MessagingPolicies.Rules.RuleState", "Enabled", "Disabled")
	enumMsgType   = enum("Microsoft.Exchange.MessagingPolicies.Rules.MessageType", "OOF", "AutoForward", "Encrypted", "Calendaring", "PermissionControlled", "Voicemail", "Signed", "ApprovalRequest", "ReadReceipt")
)

// ruleParams are the parameters New- and Set-TransportRule share.
func ruleParams() []param {
	return []param{
		pEnumP("FromScope", enumScopeFrom), pEnumP("SentToScope", enumScopeTo),
		pMultiP("SenderDomainIs"), pMultiP("RecipientDomainIs"), pMultiP("ExceptIfSenderDomainIs"), pMultiP("SubjectContainsWords"),
		pMultiP("From"), pMultiP("SentTo"), pMultiP("ExceptIfFrom"), pMultiP("SenderIpRanges"),
		{name: "MessageTypeMatches", typ: pEnum, enum: enumMsgType},
		pStr("HeaderMatchesMessageHeader"), {name: "HeaderMatchesPatterns", typ: pMulti},
		{name: "MessageContainsDataClassifications", typ: pAny},
		pStrP("PrependSubject"), {name: "SetSCL", typ: pInt, prop: "SetSCL", min: -1, max: 9},
		pStrP("SetHeaderName"), pStrP("SetHeaderValue"),
		pMultiP("RedirectMessageTo"), pMultiP("BlindCopyTo"), pMultiP("CopyTo"), pMultiP("AddToRecipients"),
		pBoolP("DeleteMessage"), pBoolP("Quarantine"), pBoolP("StopRuleProcessing"),
		pStrP("RejectMessageReasonText"), pStrP("RejectMessageEnhancedStatusCode"),
		pEnumP("ApplyHtmlDisclaimerLocation", enumDiscLoc), pStrP("ApplyHtmlDisclaimerText"), pEnumP("ApplyHtmlDisclaimerFallbackAction", enumDiscFall),
		pStrP("ApplyRightsProtectionTemplate"), pStrP("RouteMessageOutboundConnector"),
		pEnumP("SetAuditSeverity", enumSeverity),
		{name: "Priority", typ: pInt, min: 0, max: 1 << 20},
		pEnumP("Mode", enumRuleMode), {name: "Enabled", typ: pBool},
		pEnumP("SenderAddressLocation", enumSenderLoc), pEnumP("RuleErrorAction", enumRuleErr),
		pStrP("Comments"), {name: "ActivationDate", typ: pDate, prop: "ActivationDate"}, {name: "ExpiryDate", typ: pDate, prop: "ExpiryDate"},
	}
}

func ruleCmdlets() []*cmdlet {
	newParams := append([]param{pReq(pStr("Name"))}, ruleParams()...)
	// Set-TransportRule has no -Enabled (Enable-/Disable-TransportRule
	// change the state): the cmdlet reference lists it for New- only.
	setParams := append([]param{pReq(pID()), pStrP("Name")}, slices.DeleteFunc(ruleParams(), func(p param) bool { return p.name == "Enabled" })...)
	return []*cmdlet{
		{name: "Get-TransportRule", params: []param{pID(), {name: "State", typ: pEnum, enum: enumRuleState}, pStr("DlpPolicy"),
			{name: "ExcludeConditionActionDetails", typ: pBool}, filterParam(), resultSizeParam()}, run: getTransportRule},
		{name: "New-TransportRule", params: newParams, run: newTransportRule},
		{name: "Set-TransportRule", params: setParams, run: setTransportRule},
		{name: "Remove-TransportRule", params: []param{pReq(pID())}, run: removeTransportRule},
		{name: "Enable-TransportRule", params: []param{pReq(pID())}, run: func(cl *call) (*Result, *Error) { return stateTransportRule(cl, "Enabled") }},
		{name: "Disable-TransportRule", params: []param{pReq(pID())}, run: func(cl *call) (*Result, *Error) { return stateTransportRule(cl, "Disabled") }},
	}
}

func getTransportRule(cl *call) (*Result, *Error) {
	c := cl.t.colls["transportRule"]
	if st, ok := cl.a["State"].(string); ok {
		c = c.where(func(o Object) bool { return o.str("State") == st })
	}
	return cl.getColl(c)
}

func newTransportRule(cl *call) (*Result, *Error) {
	c := cl.t.colls["transportRule"]
	name := cl.a.str("Name")
	for _, it := range c.items {
		if strings.EqualFold(it.obj.str("Name"), name) {
			return nil, errExec("Microsoft.Exchange.MessagingPolicies.Rules.Tasks.RuleAlreadyExistsException", name, "A rule named '%s' already exists.", name)
		}
	}
	prio := len(c.items)
	if p, ok := cl.a["Priority"].(int); ok && p < prio {
		prio = p
	}
	o := cl.t.transportRule(ruleSpec{Name: name}, prio, cl.now.UTC().Truncate(time.Second))
	o, _ = cl.applyProps(o)
	if en, ok := cl.a["Enabled"].(bool); ok && !en {
		o.set("State", "Disabled")
	}
	refreshRule(o)
	it := &item{obj: o, visibleAt: cl.now.Add(cl.t.opts.ReplicationDelay)}
	c.items = append(c.items, nil)
	copy(c.items[prio+1:], c.items[prio:])
	c.items[prio] = it
	renumberRules(c)
	return &Result{Len: 1, Object: func(int) Object { return it.obj }, Write: cl.wrote()}, nil
}

// renumberRules gives each rule its position as Priority (copying objects).
func renumberRules(c *coll) {
	for i, it := range c.items {
		if p, _ := it.obj.Get("Priority"); p != i {
			o := it.obj.clone()
			o.set("Priority", i)
			c.items[i] = &item{obj: o, visibleAt: it.visibleAt}
		}
	}
}

func setTransportRule(cl *call) (*Result, *Error) {
	c := cl.t.colls["transportRule"]
	id := cl.a.str("Identity")
	it, pos, err := cl.find(c, id)
	if err != nil {
		return nil, err
	}
	o, changed := cl.applyProps(it.obj)
	newPrio := pos
	if p, ok := cl.a["Priority"].(int); ok {
		newPrio = min(p, len(c.items)-1)
		changed = changed || newPrio != pos
	}
	if !changed {
		return emptyResult(nil, warnNoChange(id)), nil
	}
	if name := cl.a.str("Name"); name != "" && !strings.EqualFold(name, it.obj.str("Name")) {
		for k, other := range c.items {
			if k != pos && strings.EqualFold(other.obj.str("Name"), name) {
				return nil, errExec("Microsoft.Exchange.MessagingPolicies.Rules.Tasks.RuleAlreadyExistsException", name, "A rule named '%s' already exists.", name)
			}
		}
	}
	renamed(it.obj, o)
	refreshRule(o)
	touch(o, cl.now)
	o.set("LastModifiedBy", "Tenant Admin")
	o.set("ManuallyModified", true)
	c.items = append(c.items[:pos], c.items[pos+1:]...)
	c.items = append(c.items, nil)
	copy(c.items[newPrio+1:], c.items[newPrio:])
	c.items[newPrio] = &item{obj: o, visibleAt: it.visibleAt}
	renumberRules(c)
	return emptyResult(cl.wrote()), nil
}

func removeTransportRule(cl *call) (*Result, *Error) {
	c := cl.t.colls["transportRule"]
	_, pos, err := cl.find(c, cl.a.str("Identity"))
	if err != nil {
		return nil, err
	}
	c.items = append(c.items[:pos:pos], c.items[pos+1:]...)
	renumberRules(c)
	return emptyResult(cl.wrote()), nil
}

func stateTransportRule(cl *call, state string) (*Result, *Error) {
	c := cl.t.colls["transportRule"]
	id := cl.a.str("Identity")
	it, pos, err := cl.find(c, id)
	if err != nil {
		return nil, err
	}
	if it.obj.str("State") == state {
		return emptyResult(nil, warnNoChange(id)), nil
	}
	o := it.obj.clone()
	o.set("State", state)
	touch(o, cl.now)
	c.items[pos] = &item{obj: o, visibleAt: it.visibleAt}
	return emptyResult(cl.wrote()), nil
}
