package directory

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Distribution groups, their members, and Get-Recipient over mailboxes and
// groups together.

// member is a group member: a mailbox (mbx >= 0) or a nested group (gid).
type member struct {
	mbx int32
	gid string
}

// recipient is a resolved recipient identity.
type recipient struct {
	m *mbx
	g *item
}

func (r recipient) name() string {
	if r.m != nil {
		return r.m.alias
	}
	return r.g.obj.str("Name")
}

func (r recipient) member() member {
	if r.m != nil {
		return member{mbx: r.m.i}
	}
	return member{mbx: -1, gid: r.g.obj.str("Guid")}
}

func (r recipient) label() string {
	if r.m != nil {
		return r.m.upn()
	}
	return r.g.obj.str("PrimarySmtpAddress")
}

// resolveRecipient resolves an identity across mailboxes and groups.
func (cl *call) resolveRecipient(id string) (recipient, *Error) {
	hits := cl.t.mbx.resolve(id)
	var groups []*item
	c := cl.t.colls["group"]
	for _, it := range c.items {
		if !it.visibleAt.After(cl.now) && matchID(it.obj, id, c.idProps) {
			groups = append(groups, it)
		}
	}
	switch {
	case len(hits)+len(groups) == 0:
		return recipient{}, cl.t.errNotFound(id)
	case len(hits)+len(groups) > 1:
		return recipient{}, errAmbiguous(id)
	case len(hits) == 1:
		m := cl.t.mbx.mailbox(hits[0])
		return recipient{m: &m}, nil
	}
	return recipient{g: groups[0]}, nil
}

type groupSpec struct {
	name, alias string
	security    bool
	members     int
	nested      string // name of a group nested as a member
}

func (t *Tenant) seedGroups() *coll {
	c := &coll{idProps: []string{"Identity", "Name", "Alias", "PrimarySmtpAddress", "Guid", "ExternalDirectoryObjectId", "DistinguishedName"}}
	specs := []groupSpec{
		{name: "All Staff", alias: "allstaff", members: 200},
		{name: "Sales", alias: "salesteam", members: 12},
		{name: "IT Admins", alias: "itadmins", security: true, members: 4},
		{name: "Finance", alias: "finance", members: 8, nested: "IT Admins"},
	}
	for k := 1; k <= min(t.mbx.n/500, 100); k++ {
		specs = append(specs, groupSpec{name: "Project Team " + itoa3(k), alias: "project" + itoa3(k), members: 5 + k%15})
	}
	for _, s := range specs {
		r := newRNG(t.seed, tag("group"), tag(s.name))
		var ms []member
		if s.name == "IT Admins" || s.name == "All Staff" {
			ms = append(ms, member{mbx: 0})
		}
		for tries := 0; len(ms) < min(s.members, t.mbx.n) && tries < s.members*4; tries++ {
			i := int32(r.intn(t.mbx.n))
			if s.name == "All Staff" && t.mbx.n <= 400 {
				i = int32(tries) // small tenants: everyone
				if int(i) >= t.mbx.n {
					break
				}
			}
			if m := t.gen(i); m.kind == kUser && !slices.Contains(ms, member{mbx: i}) {
				ms = append(ms, member{mbx: i})
			}
		}
		if s.nested != "" {
			ms = append(ms, member{mbx: -1, gid: guidOf(t.seed, tag("group-guid"), tag(s.nested))})
		}
		c.items = append(c.items, &item{obj: t.groupObject(s, r), members: ms})
	}
	return c
}

func (t *Tenant) groupObject(s groupSpec, r *rng) Object {
	guid := guidOf(t.seed, tag("group-guid"), tag(s.name))
	created := t.created.Add(time.Duration(r.intn(4*365*24)) * time.Hour).Truncate(time.Second)
	typ, rtd := "Universal", "MailUniversalDistributionGroup"
	if s.security {
		typ, rtd = "Universal, SecurityEnabled", "MailUniversalSecurityGroup"
	}
	smtp := s.alias + "@" + t.custom
	owner := guidOf(t.seed, 0x6f626a69, 0) // the admin mailbox's object id
	b := &ob{}
	b.v("GroupType", typ).
		v("SamAccountName", s.alias+strconv.Itoa(r.intn(900)+100)).
		list("ManagedBy", owner).
		v("MemberJoinRestriction", "Closed").
		v("MemberDepartRestriction", pickStr(s.security, "Closed", "Open")).
		v("ReportToManagerEnabled", false).
		v("ReportToOriginatorEnabled", true).
		v("SendOofMessageToOriginatorEnabled", false).
		v("Alias", s.alias).
		v("DisplayName", s.name).
		v("PrimarySmtpAddress", smtp).
		list("EmailAddresses", "SMTP:"+smtp, "smtp:"+s.alias+"@"+t.short+".onmicrosoft.com").
		v("RecipientType", rtd).
		v("RecipientTypeDetails", rtd).
		v("RequireSenderAuthenticationEnabled", true).
		v("HiddenFromAddressListsEnabled", false).
		v("ModerationEnabled", false).
		list("ModeratedBy").
		list("AcceptMessagesOnlyFromSendersOrMembers").
		list("GrantSendOnBehalfTo").
		v("ExternalDirectoryObjectId", guidOf(t.seed, tag("group-oid"), tag(s.name))).
		v("IsDirSynced", false)
	o := t.trailer(b, s.name, s.name, t.userDN(s.name), "0.10 (14.0.100.0)", []string{"top", "group"}, created, created, guid).o
	return o
}

// groupAsRecipient renders a group with the Get-Recipient property set.
func groupAsRecipient(o Object) Object { return recipientTable().project(o) }

var enumGroupRTD = enum("Microsoft.Exchange.Data.Directory.Recipient.RecipientTypeDetails", "MailNonUniversalGroup", "MailUniversalDistributionGroup", "MailUniversalSecurityGroup", "RoomList")
var enumRecipientType = enum("Microsoft.Exchange.Data.Directory.Recipient.RecipientType",
	"DynamicDistributionGroup", "MailContact", "MailNonUniversalGroup", "MailUniversalDistributionGroup", "MailUniversalSecurityGroup", "MailUser", "PublicFolder", "UserMailbox")
var enumRecipientRTD = enum("Microsoft.Exchange.Data.Directory.Recipient.RecipientTypeDetails",
	"DiscoveryMailbox", "DynamicDistributionGroup", "EquipmentMailbox", "GroupMailbox", "GuestMailUser", "LegacyMailbox", "LinkedMailbox",
	"LinkedRoomMailbox", "MailContact", "MailForestContact", "MailNonUniversalGroup", "MailUniversalDistributionGroup", "MailUniversalSecurityGroup",
	"MailUser", "PublicFolder", "PublicFolderMailbox", "RemoteEquipmentMailbox", "RemoteRoomMailbox", "RemoteSharedMailbox", "RemoteTeamMailbox",
	"RemoteUserMailbox", "RoomList", "RoomMailbox", "SchedulingMailbox", "SharedMailbox", "SharedWithMailUser", "TeamMailbox", "UserMailbox")
var enumJoin = enum("Microsoft.Exchange.Data.Directory.Recipient.MemberUpdateType", "Open", "Closed", "ApprovalRequired")
var enumDepart = enum("Microsoft.Exchange.Data.Directory.Recipient.MemberUpdateType", "Open", "Closed")

func groupCmdlets() []*cmdlet {
	return []*cmdlet{
		{name: "Get-DistributionGroup", params: []param{pID(), pStr("Anr"), filterParam(), pStr("ManagedBy"),
			{name: "RecipientTypeDetails", typ: pEnumList, enum: enumGroupRTD}, resultSizeParam(), pStr("SortBy"),
			pSw("IncludeAcceptMessagesOnlyFromDLMembersWithDisplayNames"), pSw("IncludeAcceptMessagesOnlyFromSendersOrMembersWithDisplayNames"),
			pSw("IncludeAcceptMessagesOnlyFromWithDisplayNames"), pSw("IncludeBypassModerationFromSendersOrMembersWithDisplayNames"),
			pSw("IncludeGrantSendOnBehalfToWithDisplayNames"), pSw("IncludeManagedByWithDisplayNames"), pSw("IncludeModeratedByWithDisplayNames")},
			run: getDistributionGroup},
		{name: "Set-DistributionGroup", params: []param{pReq(pID()),
			pBoolP("RequireSenderAuthenticationEnabled"), pBoolP("HiddenFromAddressListsEnabled"), pBoolP("ModerationEnabled"),
			pBoolP("ReportToManagerEnabled"), pBoolP("ReportToOriginatorEnabled"), pBoolP("SendOofMessageToOriginatorEnabled"),
			pMultiP("ManagedBy"), pMultiP("ModeratedBy"), pMultiP("AcceptMessagesOnlyFromSendersOrMembers"), pMultiP("GrantSendOnBehalfTo"),
			pEnumP("MemberJoinRestriction", enumJoin), pEnumP("MemberDepartRestriction", enumDepart),
			{name: "PrimarySmtpAddress", typ: pSmtp, prop: "PrimarySmtpAddress"}, pMultiP("EmailAddresses"),
			pStrP("DisplayName"), pStrP("Alias"), pStrP("Name"), pSw("BypassSecurityGroupManagerCheck"),
		}, run: func(cl *call) (*Result, *Error) { return cl.setColl(cl.t.colls["group"], cl.a.str("Identity")) }},
		{name: "Get-DistributionGroupMember", params: []param{pReq(pID()), resultSizeParam(), pSw("IncludeSoftDeletedObjects")}, run: getGroupMembers},
		{name: "Add-DistributionGroupMember", params: []param{pReq(pID()), pReq(pStr("Member")), pSw("BypassSecurityGroupManagerCheck")}, run: addGroupMember},
		{name: "Remove-DistributionGroupMember", params: []param{pReq(pID()), pReq(pStr("Member")), pSw("BypassSecurityGroupManagerCheck")}, run: removeGroupMember},
		{name: "Get-Recipient", services: []Service{Exchange, Compliance}, params: []param{pID(), pStr("Anr"), filterParam(),
			{name: "RecipientType", typ: pEnumList, enum: enumRecipientType}, {name: "RecipientTypeDetails", typ: pEnumList, enum: enumRecipientRTD},
			{name: "Properties", typ: pMulti}, pStr("PropertySet"), pSw("IncludeSoftDeletedRecipients"), pSw("IncludeManagerWithDisplayName"),
			pStr("Capabilities"), pStr("AuthenticationType"), pStr("RecipientPreviewFilter"), resultSizeParam(), pStr("SortBy")}, run: getRecipient},
	}
}

func getDistributionGroup(cl *call) (*Result, *Error) {
	c := cl.t.colls["group"]
	kinds, _ := cl.a["RecipientTypeDetails"].([]string)
	anr := strings.ToLower(cl.a.str("Anr"))
	var owner string
	if mb := cl.a.str("ManagedBy"); mb != "" {
		r, err := cl.resolveRecipient(mb)
		if err != nil {
			return nil, err
		}
		if r.m != nil {
			owner = r.m.objectID()
		} else {
			owner = r.g.obj.str("ExternalDirectoryObjectId")
		}
	}
	if len(kinds) > 0 || anr != "" || owner != "" {
		c = c.where(func(o Object) bool {
			if len(kinds) > 0 && !slices.Contains(kinds, o.str("RecipientTypeDetails")) {
				return false
			}
			if anr != "" && !strings.HasPrefix(strings.ToLower(o.str("Name")), anr) && !strings.HasPrefix(strings.ToLower(o.str("Alias")), anr) {
				return false
			}
			if owner != "" {
				mb, _ := o.Get("ManagedBy")
				if l, _ := mb.([]string); !containsFold(l, owner) {
					return false
				}
			}
			return true
		})
	}
	return cl.getColl(c)
}

var memberTable = sync.OnceValue(func() *mtable {
	return newTable(mName, mDisplayName, mAlias, mPrimarySmtp, mRT, mRTD, mExtID, mGUID, mIdentity)
})

func (cl *call) memberObject(ms member) Object {
	if ms.mbx >= 0 {
		m := cl.t.mbx.mailbox(ms.mbx)
		return memberTable().object(&m)
	}
	for _, it := range cl.t.colls["group"].items {
		if it.obj.str("Guid") == ms.gid {
			return memberTable().project(it.obj)
		}
	}
	return nil
}

func getGroupMembers(cl *call) (*Result, *Error) {
	it, _, err := cl.find(cl.t.colls["group"], cl.a.str("Identity"))
	if err != nil {
		return nil, err
	}
	objs := make([]Object, 0, len(it.members))
	for _, ms := range it.members {
		if o := cl.memberObject(ms); o != nil {
			objs = append(objs, o)
		}
	}
	return cl.limitedList(objs), nil
}

func addGroupMember(cl *call) (*Result, *Error)    { return editGroupMembers(cl, true) }
func removeGroupMember(cl *call) (*Result, *Error) { return editGroupMembers(cl, false) }

// editGroupMembers is Add- (add) or Remove-DistributionGroupMember: the
// -Member recipient joins or leaves the -Identity group's member list.
func editGroupMembers(cl *call, add bool) (*Result, *Error) {
	c := cl.t.colls["group"]
	it, pos, err := cl.find(c, cl.a.str("Identity"))
	if err != nil {
		return nil, err
	}
	r, err := cl.resolveRecipient(cl.a.str("Member"))
	if err != nil {
		return nil, err
	}
	ms := r.member()
	k := slices.Index(it.members, ms)
	members := slices.Clone(it.members)
	switch {
	case add && k >= 0:
		return nil, errExec(excMemberExists, cl.a.str("Member"), "The recipient \"%s\" is already a member of the group \"%s\".", r.label(), it.obj.str("Name"))
	case add && r.g == it:
		return nil, errExec(excValidation, cl.a.str("Member"), "The group \"%s\" can't be a member of itself.", it.obj.str("Name"))
	case add:
		members = append(members, ms)
	case k < 0:
		return nil, errExec(excMemberMissing, cl.a.str("Member"), "The recipient \"%s\" isn't a member of the group \"%s\".", r.label(), it.obj.str("Name"))
	default:
		members = slices.Delete(members, k, k+1)
	}
	c.items[pos] = &item{obj: it.obj, visibleAt: it.visibleAt, members: members}
	return emptyResult(cl.wrote()), nil
}

// rrow is a Get-Recipient row: a mailbox row or a group object.
type rrow struct {
	m mrow
	g Object
}

func getRecipient(cl *call) (*Result, *Error) {
	tbl := recipientTable()
	s := cl.t.mbx
	f, id, err := cl.listArgs(tbl)
	if err != nil {
		return nil, err
	}
	if id != "" {
		r, err := cl.resolveRecipient(id)
		if err != nil {
			return nil, err
		}
		if r.m != nil {
			return cl.identityRow(tbl, r.m, f), nil
		}
		g := groupAsRecipient(r.g.obj)
		if f != nil && !f.match(func(p string) any { v, _ := g.Get(p); return v }) {
			return &Result{}, nil
		}
		return listResult([]Object{g}), nil
	}
	types, _ := cl.a["RecipientType"].([]string)
	details, _ := cl.a["RecipientTypeDetails"].([]string)
	anr := strings.ToLower(cl.a.str("Anr"))
	keep := func(get func(string) any) bool {
		if len(types) > 0 && !slices.Contains(types, str(get("RecipientType"))) {
			return false
		}
		if len(details) > 0 && !slices.Contains(details, str(get("RecipientTypeDetails"))) {
			return false
		}
		if anr != "" {
			hit := false
			for _, p := range []string{"Name", "DisplayName", "Alias", "PrimarySmtpAddress", "FirstName", "LastName"} {
				if v, _ := get(p).(string); strings.HasPrefix(strings.ToLower(v), anr) {
					hit = true
				}
			}
			if !hit {
				return false
			}
		}
		return f == nil || f.match(get)
	}
	stopAt := cl.scanLimit()
	var rows []rrow
	plain := f == nil && len(types) == 0 && len(details) == 0 && anr == ""
	for i := int32(0); int(i) < s.n && (stopAt < 0 || len(rows) < stopAt); i++ {
		if !plain {
			m := s.mailbox(i)
			if !keep(tbl.getter(&m)) {
				continue
			}
		}
		rows = append(rows, rrow{m: mrow{i, s.ov[i]}})
	}
	for _, it := range cl.t.colls["group"].visible(cl.now) {
		if stopAt >= 0 && len(rows) >= stopAt {
			break
		}
		g := groupAsRecipient(it.obj)
		if !plain && !keep(func(p string) any { v, _ := g.Get(p); return v }) {
			continue
		}
		rows = append(rows, rrow{g: g})
	}
	n, warn := cl.limit(len(rows))
	rows = rows[:n]
	return &Result{Len: n, Warnings: warn, Object: func(k int) Object {
		if rows[k].g != nil {
			return rows[k].g
		}
		m := cl.t.withOverrides(rows[k].m.i, rows[k].m.ov)
		return tbl.object(&m)
	}}, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
