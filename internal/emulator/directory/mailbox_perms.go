package directory

import (
	"slices"
	"strconv"
	"strings"
)

// Mailbox permissions (Get/Add/Remove-MailboxPermission) and inbox rules.

var (
	enumRights = enum("Microsoft.Exchange.Management.RecipientTasks.MailboxRights",
		"ChangeOwner", "ChangePermission", "DeleteItem", "ExternalAccount", "FullAccess", "ReadPermission")
	enumRightsRemove = enum("Microsoft.Exchange.Management.RecipientTasks.MailboxRights",
		"ChangeOwner", "ChangePermission", "DeleteItem", "ExternalAccount", "FullAccess", "ReadPermission", "SendAs")
	enumInheritance = enum("System.DirectoryServices.ActiveDirectorySecurityInheritance", "None", "All", "Children", "Descendents", "SelfAndChildren")
)

// perm is one access control entry on a mailbox.
type perm struct {
	user        string
	rights      []string
	deny        bool
	inherited   bool
	sid         string
	inheritance string
}

const selfUser = `NT AUTHORITY\SELF`

func (t *Tenant) sid(k int32) string {
	r := newRNG(t.seed, tag("sid"))
	return "S-1-5-21-" + strconv.FormatUint(r.next()%4000000000, 10) + "-" + strconv.FormatUint(r.next()%4000000000, 10) + "-" +
		strconv.FormatUint(r.next()%4000000000, 10) + "-" + strconv.Itoa(1100+int(k))
}

// genPerms is a mailbox's generated permission list: SELF plus delegated
// FullAccess (1-3 delegates on shared mailboxes, a few user mailboxes too).
func (t *Tenant) genPerms(m *mbx) []perm {
	ps := []perm{{user: selfUser, rights: []string{"FullAccess", "ReadPermission"}, sid: "S-1-5-10", inheritance: "All"}}
	r := newRNG(t.seed, tag("delegates"), uint64(m.i))
	n := 0
	switch m.kind {
	case kShared:
		n = 1 + r.intn(3)
	case kUser:
		if r.chance(0.03) {
			n = 1
		}
	}
	for k := 0; k < n; k++ {
		for try := 0; try < 4; try++ {
			d := int32(r.intn(t.mbx.n))
			dm := t.gen(d)
			if d == m.i || dm.kind != kUser {
				continue
			}
			if slices.ContainsFunc(ps, func(p perm) bool { return p.user == dm.upn() }) {
				break
			}
			ps = append(ps, perm{user: dm.upn(), rights: []string{"FullAccess"}, sid: t.sid(d), inheritance: "All"})
			break
		}
	}
	return ps
}

func (s *mailboxes) permsOf(m *mbx) []perm {
	if p, ok := s.perms[m.i]; ok {
		return p
	}
	return s.t.genPerms(m)
}

func permObject(m *mbx, p perm) Object {
	b := &ob{}
	b.v("Identity", m.alias).
		v("User", p.user).
		list("AccessRights", strings.Join(p.rights, ", ")).
		v("IsInherited", p.inherited).
		v("Deny", p.deny).
		v("InheritanceType", p.inheritance).
		v("UserSid", p.sid).
		v("PrimarySmtpAddress", "").
		v("IsValid", true).
		v("ObjectState", "Unchanged")
	return b.o
}

// userOf resolves the -User of a permission cmdlet to the string the
// service shows, and its SID.
func (cl *call) userOf(id string) (string, string, *Error) {
	if strings.EqualFold(id, selfUser) || strings.EqualFold(id, "SELF") {
		return selfUser, "S-1-5-10", nil
	}
	r, err := cl.resolveRecipient(id)
	if err != nil {
		return "", "", err
	}
	if r.m != nil {
		return r.m.upn(), cl.t.sid(r.m.i), nil
	}
	return r.name(), "S-1-5-21-" + strconv.FormatUint(tag(r.name())%4000000000, 10), nil
}

func getMailboxPermission(cl *call) (*Result, *Error) {
	m, err := cl.resolveMailbox(cl.a.str("Identity"))
	if err != nil {
		return nil, err
	}
	ps := cl.t.mbx.permsOf(&m)
	if u := cl.a.str("User"); u != "" {
		user, _, err := cl.userOf(u)
		if err != nil {
			return nil, err
		}
		ps = slices.DeleteFunc(slices.Clone(ps), func(p perm) bool { return !strings.EqualFold(p.user, user) })
	}
	objs := make([]Object, len(ps))
	for i, p := range ps {
		objs[i] = permObject(&m, p)
	}
	return cl.limitedList(objs), nil
}

// namedACE resolves what Add- and Remove-MailboxPermission name: the
// -Identity mailbox and the entry of -User, -AccessRights, -Deny and
// -InheritanceType (default All).
func (cl *call) namedACE() (mbx, perm, *Error) {
	m, err := cl.resolveMailbox(cl.a.str("Identity"))
	if err != nil {
		return mbx{}, perm{}, err
	}
	user, sid, err := cl.userOf(cl.a.str("User"))
	if err != nil {
		return mbx{}, perm{}, err
	}
	rights, _ := cl.a["AccessRights"].([]string)
	ace := perm{user: user, rights: rights, deny: cl.a.boolean("Deny"), sid: sid, inheritance: "All"}
	if s, ok := cl.a["InheritanceType"].(string); ok {
		ace.inheritance = s
	}
	return m, ace, nil
}

func addMailboxPermission(cl *call) (*Result, *Error) {
	m, ace, err := cl.namedACE()
	if err != nil {
		return nil, err
	}
	ps := slices.Clone(cl.t.mbx.permsOf(&m))
	pos := slices.IndexFunc(ps, func(p perm) bool { return strings.EqualFold(p.user, ace.user) && p.deny == ace.deny && !p.inherited })
	if pos >= 0 {
		missing := slices.DeleteFunc(slices.Clone(ace.rights), func(r string) bool { return slices.Contains(ps[pos].rights, r) })
		if len(missing) == 0 {
			return emptyResult(nil, "An existing permission entry was found for user: "+ace.user+"."), nil
		}
		p := ps[pos]
		p.rights = append(slices.Clone(p.rights), missing...)
		ps[pos] = p
	} else {
		ps = append(ps, ace)
	}
	cl.t.mbx.perms[m.i] = ps
	row := permObject(&m, ace)
	return &Result{Len: 1, Object: func(int) Object { return row }, Write: cl.wrote()}, nil
}

func removeMailboxPermission(cl *call) (*Result, *Error) {
	m, ace, err := cl.namedACE()
	if err != nil {
		return nil, err
	}
	ps := slices.Clone(cl.t.mbx.permsOf(&m))
	pos := slices.IndexFunc(ps, func(p perm) bool {
		return strings.EqualFold(p.user, ace.user) && p.deny == ace.deny && !p.inherited &&
			slices.ContainsFunc(ace.rights, func(r string) bool { return slices.Contains(p.rights, r) })
	})
	if pos < 0 {
		return emptyResult(nil, "Can't remove the access control entry on the object \""+m.dn()+"\" for account \""+ace.user+"\" because the ACE doesn't exist on the object."), nil
	}
	p := ps[pos]
	p.rights = slices.DeleteFunc(slices.Clone(p.rights), func(r string) bool { return slices.Contains(ace.rights, r) })
	if len(p.rights) == 0 {
		ps = slices.Delete(ps, pos, pos+1)
	} else {
		ps[pos] = p
	}
	cl.t.mbx.perms[m.i] = ps
	return emptyResult(cl.wrote()), nil
}

// Inbox rules are generated per mailbox and read-only.

const junkRuleIdentity uint64 = 721857812023476225

func (t *Tenant) inboxRules(m *mbx, hidden bool) []Object {
	r := newRNG(t.seed, tag("inbox"), uint64(m.i))
	owner := m.objectID()
	var out []Object
	add := func(name string, prio int, id uint64, set func(b *ob)) {
		b := &ob{}
		b.v("Name", name).v("Enabled", true).i32("Priority", prio).v("RuleIdentity", id).
			v("Identity", owner+"\\"+strconv.FormatUint(id, 10)).v("MailboxOwnerId", owner).
			v("Description", "").v("ErrorType", "None").v("SupportedByTask", true).v("InError", false)
		for _, p := range []string{"From", "SentTo", "SubjectContainsWords", "BodyContainsWords", "FromAddressContainsWords", "ForwardTo", "RedirectTo", "ForwardAsAttachmentTo"} {
			b.arr(p, nil)
		}
		b.v("MoveToFolder", nil).v("CopyToFolder", nil).v("DeleteMessage", false).v("MarkAsRead", false).v("StopProcessingRules", false).
			v("IsValid", true).v("ObjectState", "Unchanged")
		set(b)
		b.o.set("Description", ruleDescription(b.o))
		out = append(out, b.o)
	}
	if hidden {
		add("Junk E-mail Rule", 0, junkRuleIdentity, func(b *ob) { b.o.set("SupportedByTask", false) })
	}
	templates := []struct {
		name, field, word, folder string
	}{
		{"Newsletters", "SubjectContainsWords", "newsletter", "Newsletters"},
		{"Invoices", "FromAddressContainsWords", "billing", "Invoices"},
		{"Project updates", "SubjectContainsWords", "status report", "Projects"},
	}
	prio := 1
	for k := 0; k < m.rules; k++ {
		tp := templates[(int(m.i)+k)%len(templates)]
		add(tp.name, prio, r.next(), func(b *ob) {
			b.o.set(tp.field, []string{tp.word})
			b.o.set("MoveToFolder", m.alias+":\\Inbox\\"+tp.folder)
			b.o.set("MarkAsRead", tp.folder == "Newsletters")
		})
		prio++
	}
	if m.ruleFwd {
		ext := strings.ToLower(m.first) + "." + strings.ToLower(m.last) + "@" + pick(r, outsideDomains)
		field := pick(r, []string{"ForwardTo", "RedirectTo", "ForwardAsAttachmentTo"})
		add(pick(r, []string{"Forward to personal", "fwd", "Copy everything", "."}), prio, r.next(), func(b *ob) {
			b.o.set(field, []string{"\"" + ext + "\" [SMTP:" + ext + "]"})
		})
	}
	return out
}

func ruleDescription(o Object) string {
	var cond, act []string
	for _, p := range []struct{ prop, text string }{
		{"SubjectContainsWords", "subject includes '%s'"}, {"FromAddressContainsWords", "sender address includes '%s'"},
		{"BodyContainsWords", "body includes '%s'"}, {"From", "the message was received from '%s'"},
	} {
		if v, _ := o.Get(p.prop); v != nil {
			cond = append(cond, fmtText(p.text, strings.Join(v.([]string), "' or '")))
		}
	}
	for _, p := range []struct{ prop, text string }{
		{"MoveToFolder", "move the message to folder '%s'"}, {"ForwardTo", "forward the message to '%s'"},
		{"RedirectTo", "redirect the message to '%s'"}, {"ForwardAsAttachmentTo", "forward the message as an attachment to '%s'"},
	} {
		switch v, _ := o.Get(p.prop); x := v.(type) {
		case string:
			act = append(act, fmtText(p.text, x))
		case []string:
			act = append(act, fmtText(p.text, strings.Join(x, "' or '")))
		}
	}
	if mr, _ := o.Get("MarkAsRead"); mr == true {
		act = append(act, "mark the message as read")
	}
	if len(cond) == 0 {
		cond = []string{"the message is received"}
	}
	return "If " + strings.Join(cond, " and ") + "\r\nTake the following actions:\r\n" + strings.Join(act, "\r\n") + "\r\n"
}

func getInboxRule(cl *call) (*Result, *Error) {
	mid := cl.a.str("Mailbox")
	var m mbx
	if mid == "" {
		m = cl.t.mbx.mailbox(0) // the caller's own mailbox: the tenant admin's
	} else {
		var err *Error
		if m, err = cl.resolveMailbox(mid); err != nil {
			return nil, err
		}
	}
	rules := cl.t.inboxRules(&m, cl.a.boolean("IncludeHidden"))
	if id := cl.a.str("Identity"); id != "" {
		leaf := id
		if i := strings.LastIndex(id, "\\"); i >= 0 {
			leaf = id[i+1:]
		}
		var hit []Object
		for _, o := range rules {
			rid, _ := o.Get("RuleIdentity")
			if strings.EqualFold(o.str("Name"), id) || strings.EqualFold(o.str("Identity"), id) || strconv.FormatUint(rid.(uint64), 10) == leaf {
				hit = append(hit, o)
			}
		}
		switch len(hit) {
		case 0:
			return nil, cl.t.errNotFound(id)
		case 1:
			return listResult(hit), nil
		}
		return nil, errAmbiguous(id)
	}
	if skip, ok := cl.a["SkipCount"].(int); ok && skip > 0 {
		rules = rules[min(skip, len(rules)):]
	}
	return cl.limitedList(rules), nil
}
