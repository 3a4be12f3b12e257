package directory

import (
	"strings"
)

// Role-based access and audit bypass: Get-/Remove-ManagementRoleAssignment
// and Get-/Set-MailboxAuditBypassAssociation.
//
// Management role assignments: one row per role a role assignment policy or
// role group holds. The Default Role Assignment Policy's rows are derived
// from the policy's AssignedRoles when read, so Remove-ManagementRoleAssignment
// and Get-RoleAssignmentPolicy can never disagree. Row names are
// "<Role>-<Assignee>" and the add-in roles are "My Custom Apps", "My
// Marketplace Apps", "My ReadWriteMailbox Apps" (D1
// Get-ManagementRoleAssignment; Maester Test-MtExoOutlookAddin reads
// -RoleAssignee "Default Role Assignment Policy"). Scope values are D1's
// documented ones; which role groups exist is an assumption (the usual
// Organization Management assignments, trimmed).
//
// Audit bypass: one row per mailbox plus system mailboxes, AuditBypassEnabled
// false (R1: 242 rows, all false, on a small live tenant). A Risky tenant
// has one service account with bypass on (assumption).

// roleGroupAssignments are the fixed role group rows (assumption: a subset).
var roleGroupAssignments = [][2]string{
	{"Organization Management", "Mail Recipients"},
	{"Organization Management", "Organization Client Access"},
	{"Organization Management", "Transport Rules"},
	{"Organization Management", "Role Management"},
	{"Compliance Management", "Audit Logs"},
	{"Recipient Management", "Mail Recipients"},
}

func (t *Tenant) roleAssignmentRow(role, assignee, assigneeType string) Object {
	name := role + "-" + assignee
	if len(name) > 64 { // the service cuts names to 64 characters [D]
		name = name[:64]
	}
	recipientRead, recipientWrite, configWrite := "Organization", "Organization", "OrganizationConfig"
	if assigneeType == "RoleAssignmentPolicy" {
		recipientRead, recipientWrite, configWrite = "MyGAL", "Self", "None"
	}
	b := &ob{}
	b.v("Role", role).
		v("RoleAssigneeType", assigneeType).
		v("RoleAssignee", assignee).
		v("RoleAssigneeName", assignee).
		v("AssignmentMethod", "Direct").
		v("EffectiveUserName", "All Group Members").
		v("AssignmentChain", nil).
		v("CustomRecipientWriteScope", nil).
		v("CustomConfigWriteScope", nil).
		v("CustomResourceScope", nil).
		v("RecipientReadScope", recipientRead).
		v("ConfigReadScope", "OrganizationConfig").
		v("RecipientWriteScope", recipientWrite).
		v("ConfigWriteScope", configWrite).
		v("Enabled", true).
		v("RoleAssignmentDelegationType", "Regular")
	if assigneeType == "RoleAssignmentPolicy" {
		b.o.set("EffectiveUserName", "All Policy Assignees")
	}
	return t.trailer(b, name, name, t.configDN(name, "CN=Role Assignments,CN=RBAC,"), "0.11 (14.0.550.0)",
		[]string{"top", "msExchRoleAssignment"}, t.created, t.created, guidOf(t.seed, tag("roleassign"), tag(name))).o
}

// roleAssignments lists every row, the policy's first (read under the lock).
// behaviour dir.role-assignment.derived
func (t *Tenant) roleAssignments() []Object {
	var out []Object
	for _, it := range t.colls["roleAssignment"].items {
		pol := it.obj.str("Name")
		roles, _ := it.obj.Get("AssignedRoles")
		rs, _ := roles.([]string)
		for _, r := range rs {
			out = append(out, t.roleAssignmentRow(r, pol, "RoleAssignmentPolicy"))
		}
	}
	for _, g := range roleGroupAssignments {
		out = append(out, t.roleAssignmentRow(g[1], g[0], "RoleGroup"))
	}
	return out
}

var enumAssigneeType = enum("Microsoft.Exchange.Data.Directory.SystemConfiguration.RoleAssigneeType",
	"User", "SecurityGroup", "RoleAssignmentPolicy", "ForeignSecurityPrincipal", "RoleGroup", "LinkedRoleGroup", "Computer", "PartnerLinkedRoleGroup")

func getManagementRoleAssignment(cl *call) (*Result, *Error) {
	if cl.a.boolean("GetEffectiveUsers") {
		// The service lists each member of the assignee as a row of its own;
		// the emulator keeps no role group membership to expand, so it says
		// so rather than answer the unexpanded rows.
		// behaviour dir.role-assignment.effective-users
		return nil, errExec(excValidation, "", "The emulator does not emulate Get-ManagementRoleAssignment -GetEffectiveUsers (it keeps no role group membership).")
	}
	c := &coll{idProps: []string{"Identity", "Name", "Guid", "DistinguishedName"}}
	for _, o := range cl.t.roleAssignments() {
		c.items = append(c.items, &item{obj: o})
	}
	c = c.where(func(o Object) bool {
		if r := cl.a.str("Role"); r != "" && !strings.EqualFold(o.str("Role"), r) {
			return false
		}
		if a := cl.a.str("RoleAssignee"); a != "" && !strings.EqualFold(o.str("RoleAssignee"), a) {
			return false
		}
		if ty, ok := cl.a["RoleAssigneeType"].(string); ok && o.str("RoleAssigneeType") != ty {
			return false
		}
		if e, ok := cl.a["Enabled"].(bool); ok {
			if v, _ := o.Get("Enabled"); v != e {
				return false
			}
		}
		// -Delegating $true keeps delegating assignments only, $false regular
		// ones only (D1 Get-ManagementRoleAssignment.md).
		if d, ok := cl.a["Delegating"].(bool); ok && (o.str("RoleAssignmentDelegationType") != "Regular") != d {
			return false
		}
		return true
	})
	if id := cl.a.str("Identity"); id != "" {
		it, _, err := cl.find(c, id)
		if err != nil {
			return nil, err
		}
		return listResult([]Object{it.obj}), nil
	}
	objs := make([]Object, len(c.items))
	for i, it := range c.items {
		objs[i] = it.obj
	}
	return listResult(objs), nil
}

// removeManagementRoleAssignment removes a policy's role (and so its row);
// role group rows are fixed in the emulator and say so.
func removeManagementRoleAssignment(cl *call) (*Result, *Error) {
	id := cl.a.str("Identity")
	pc := cl.t.colls["roleAssignment"]
	for pos, it := range pc.items {
		pol := it.obj.str("Name")
		roles, _ := it.obj.Get("AssignedRoles")
		rs, _ := roles.([]string)
		for _, r := range rs {
			row := cl.t.roleAssignmentRow(r, pol, "RoleAssignmentPolicy")
			if !matchID(row, id, []string{"Identity", "Name", "Guid", "DistinguishedName"}) {
				continue
			}
			n := it.obj.clone()
			kept := make([]string, 0, len(rs))
			for _, x := range rs {
				if x != r {
					kept = append(kept, x)
				}
			}
			n.set("AssignedRoles", kept)
			touch(n, cl.now)
			pc.items[pos] = &item{obj: n, visibleAt: it.visibleAt}
			return emptyResult(cl.wrote()), nil
		}
	}
	for _, g := range roleGroupAssignments {
		if matchID(cl.t.roleAssignmentRow(g[1], g[0], "RoleGroup"), id, []string{"Identity", "Name"}) {
			// behaviour dir.role-assignment.groups-fixed
			return nil, errExec(excValidation, id, "The emulator keeps role group assignments fixed; '%s' was not removed.", id)
		}
	}
	return nil, cl.t.errNotFound(id)
}

// bypassRow is one row of Get-MailboxAuditBypassAssociation.
// behaviour dir.audit-bypass.rows
func (t *Tenant) bypassRow(name, identity string, on bool) Object {
	b := &ob{}
	b.v("AuditBypassEnabled", on).
		v("ObjectId", identity).
		v("Name", name).
		v("Identity", identity).
		v("Id", identity).
		v("IsValid", true).
		v("ExchangeVersion", "0.10 (14.0.100.0)").
		list("ObjectClass", "top", "person", "organizationalPerson", "user").
		dateUTC("WhenChangedUTC", t.at("bypass-"+name, 900)).
		v("ObjectState", "Unchanged")
	return b.o
}

// bypassExtras are the rows that are not mailboxes of the generated list:
// system mailboxes, and in a Risky tenant a service account with bypass on.
func (t *Tenant) bypassExtras() []Object {
	out := []Object{}
	for _, k := range []string{"SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}", "SystemMailbox{e0dc1c29-89c3-4034-b678-e6c29d823ed9}", "DiscoverySearchMailbox{D919BA05-46A6-415f-80AD-7E09334BB852}"} {
		out = append(out, t.bypassRow(k, k, false))
	}
	if t.posture == Risky { // behaviour dir.audit-bypass.risky
		out = append(out, t.bypassRow("svc-archive", "svc-archive", true))
	}
	return out
}

func getMailboxAuditBypassAssociation(cl *call) (*Result, *Error) {
	t := cl.t
	extras := t.bypassExtras()
	ov := t.bypassOverrides()
	row := func(i int) Object {
		var o Object
		if i < len(extras) {
			o = extras[i]
		} else {
			m := t.mbx.mailbox(int32(i - len(extras)))
			o = t.bypassRow(m.alias, m.objectID(), false)
		}
		if on, ok := ov[strings.ToLower(o.str("Identity"))]; ok {
			o = o.clone()
			o.set("AuditBypassEnabled", on)
		}
		return o
	}
	total := len(extras) + t.mbx.n
	if id := cl.a.str("Identity"); id != "" {
		for i := 0; i < total; i++ {
			if o := row(i); matchID(o, id, []string{"Identity", "Name", "ObjectId"}) {
				return listResult([]Object{o}), nil
			}
		}
		return nil, t.errNotFound(id)
	}
	n, warn := cl.limit(total)
	return &Result{Len: n, Object: row, Warnings: warn}, nil
}

// bypassOverrides are Set-MailboxAuditBypassAssociation's writes, by
// lower-cased identity; stored as a singleton object so reads share the
// tenant lock like every other object.
func (t *Tenant) bypassOverrides() map[string]bool {
	out := map[string]bool{}
	for _, p := range t.singletons["auditBypass"] {
		out[p.Name], _ = p.Value.(bool)
	}
	return out
}

func setMailboxAuditBypassAssociation(cl *call) (*Result, *Error) {
	id := cl.a.str("Identity")
	res, err := getMailboxAuditBypassAssociation(&call{t: cl.t, c: cl.c, a: args{"Identity": id}, now: cl.now})
	if err != nil {
		return nil, err
	}
	o := res.Object(0)
	want := cl.a.boolean("AuditBypassEnabled")
	if cur, _ := o.Get("AuditBypassEnabled"); cur == want {
		return emptyResult(nil, warnNoChange(id)), nil
	}
	ov := cl.t.singletons["auditBypass"].clone()
	key := strings.ToLower(o.str("Identity"))
	if i := ov.index(key); i >= 0 {
		ov[i].Value = want
	} else {
		ov = append(ov, Prop{Name: key, Value: want})
	}
	cl.t.singletons["auditBypass"] = ov
	return emptyResult(cl.wrote()), nil
}

func rbacCmdlets() []*cmdlet {
	return []*cmdlet{
		{name: "Get-ManagementRoleAssignment", params: []param{pID(), pStr("Role"), pStr("RoleAssignee"),
			{name: "RoleAssigneeType", typ: pEnum, enum: enumAssigneeType}, {name: "Enabled", typ: pBool}, {name: "Delegating", typ: pBool},
			pSw("GetEffectiveUsers")}, run: getManagementRoleAssignment},
		{name: "Remove-ManagementRoleAssignment", params: []param{pReq(pID())}, run: removeManagementRoleAssignment},
		{name: "Get-MailboxAuditBypassAssociation", params: []param{pID(), resultSizeParam()}, run: getMailboxAuditBypassAssociation},
		{name: "Set-MailboxAuditBypassAssociation", params: []param{pReq(pID()), pReq(param{name: "AuditBypassEnabled", typ: pBool})},
			run: setMailboxAuditBypassAssociation},
	}
}
