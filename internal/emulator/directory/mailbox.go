package directory

import (
	"strconv"
	"strings"
	"sync"
	"time"
)

// Mailboxes are generated, not stored: mailbox i is a pure function of
// (tenant seed, i). Writes are kept as per-mailbox overrides (property name
// -> wire value), which are never mutated once stored: a write installs a
// new map, so a Result built earlier keeps a consistent view.

type mkind uint8

const (
	kUser mkind = iota
	kShared
	kRoom
	kEquipment
)

var kindDetails = [...]string{"UserMailbox", "SharedMailbox", "RoomMailbox", "EquipmentMailbox"}

// mbx is one generated mailbox (plus its override map, if written).
type mbx struct {
	t                 *Tenant
	i                 int32
	kind              mkind
	alias, display    string
	first, last       string
	pop, imap         bool
	smtpAuth          any // nil (follow org), false (explicitly on) or true
	fwd               string
	deliverAndForward bool
	auditOff          bool
	fullAudit         bool // hardened tenants extend the audit action sets
	hidden            bool
	litHold           bool
	disabled          bool
	archive           bool
	created           time.Time
	items             int
	size              int64
	lastLogon         time.Time
	rules             int  // ordinary inbox rules
	ruleFwd           bool // plus one that forwards outside
	dept, title, city string
	ov                map[string]any

	// computed once per materialisation: several properties repeat them
	cGUID, cExGUID, cOID, cUPN string
}

var firstNames = []string{"Adele", "Alex", "Allan", "Bianca", "Brian", "Carlos", "Chen", "Christie", "Daniel", "Debra", "Diego", "Elena",
	"Emily", "Enrico", "Fatima", "Grady", "Hannah", "Henrietta", "Isaiah", "Ivan", "Jamal", "Johanna", "Joni", "Jorge",
	"Kenji", "Lee", "Lidia", "Lynne", "Megan", "Miriam", "Nestor", "Nina", "Olga", "Omar", "Patti", "Pradeep",
	"Priya", "Quentin", "Rafael", "Raul", "Sakura", "Samir", "Sara", "Sven", "Tariq", "Tomasz", "Uma", "Valentina",
	"Victor", "Wei", "Wendy", "Xavier", "Yara", "Yusuf", "Zoe", "Zoltan", "Aisha", "Bruno", "Camille", "Dmitri",
	"Eva", "Farah", "Gustav", "Hiroshi"}

var lastNames = []string{"Vance", "Wilber", "Deyoung", "Tanaka", "Johnson", "Garcia", "Cline", "Lopez", "Patel", "Berg", "Kim", "Nakamura",
	"Brown", "Rossi", "Haddad", "Archie", "Schmidt", "Cooper", "Okafor", "Petrov", "Hughes", "Lindqvist", "Sherman", "Ramos",
	"Sato", "Gu", "Holloway", "Robbins", "Bowen", "Graham", "Fernandez", "Novak", "Ivanova", "Farouk", "Fernandes", "Gupta",
	"Sharma", "Dubois", "Silva", "Moreno", "Yamamoto", "Aziz", "Davis", "Eriksson", "Khan", "Kowalski", "Iyer", "Romano",
	"Marin", "Zhang", "Clarke", "Lefebvre", "Nasser", "Demir", "Martin", "Horvath", "Bello", "Costa", "Laurent", "Volkov",
	"Novotna", "Rahman", "Larsen", "Mori"}

var sharedNames = []string{"Accounts Payable", "Marketing", "Helpdesk", "Reception", "Payroll", "Legal", "Projects", "Events", "Careers", "Press"}
var roomNames = []string{"Meeting Room", "Conference Room", "Huddle Room", "Training Room"}
var departments = []string{"Sales", "Finance", "IT", "Marketing", "Operations", "HR", "Legal", "Engineering", "Support"}
var titles = []string{"Analyst", "Manager", "Engineer", "Consultant", "Director", "Specialist", "Coordinator", "Associate"}
var cities = []string{"Seattle", "London", "Berlin", "Paris", "Tokyo", "Sydney", "Toronto", "Madrid", "Amsterdam"}
var outsideDomains = []string{"gmail.com", "outlook.com", "yahoo.com", "proton.me", "gmx.de", "icloud.com"}

// special mailboxes every tenant has (as far as its size allows).
var specials = []struct {
	alias, display string
	kind           mkind
}{
	{"admin", "Tenant Admin", kUser},
	{"info", "Info", kShared},
	{"sales", "Sales", kShared},
	{"boardroom", "Boardroom", kRoom},
	{"support", "Support", kShared},
}

// mailbox finding rates per posture: POP on, IMAP on, forwarding outside,
// audit off, SMTP AUTH explicitly allowed, an inbox rule forwarding outside.
var findingRates = map[Posture]struct{ pop, imap, fwd, auditOff, smtpOn, ruleFwd float64 }{
	Fresh:    {0.85, 0.85, 0.02, 0.02, 0.01, 0.02},
	Risky:    {0.95, 0.95, 0.06, 0.08, 0.05, 0.05},
	Hardened: {0.03, 0.03, 0.002, 0, 0, 0.003},
}

// gen builds mailbox i from the seed; it does not look at overrides.
func (t *Tenant) gen(i int32) mbx {
	r := newRNG(t.seed, 0x6d62780000000000, uint64(i))
	m := mbx{t: t, i: i}
	if int(i) < len(specials) {
		s := specials[i]
		m.alias, m.display, m.kind = s.alias, s.display, s.kind
		m.first, m.last, _ = strings.Cut(s.display, " ")
	} else {
		x := r.intn(100)
		switch {
		case x < 88 || (i < 10 && t.posture != Hardened):
			m.kind = kUser
			j := int(i) - len(specials)
			pair := j % (len(firstNames) * len(lastNames))
			m.first = firstNames[pair%len(firstNames)]
			m.last = lastNames[(pair/len(firstNames)+pair)%len(lastNames)]
			m.display = m.first + " " + m.last
			m.alias = strings.ToLower(m.first + "." + m.last)
			if cycle := j / (len(firstNames) * len(lastNames)); cycle > 0 {
				m.alias += strconv.Itoa(cycle + 1)
			}
		case x < 96:
			m.kind = kShared
			base := pick(r, sharedNames)
			m.display = base + " " + strconv.Itoa(int(i))
			m.alias = strings.ToLower(strings.ReplaceAll(base, " ", "")) + strconv.Itoa(int(i))
		default:
			m.kind = kRoom
			base := pick(r, roomNames)
			m.display = base + " " + strconv.Itoa(int(i))
			m.alias = strings.ToLower(strings.ReplaceAll(base, " ", "")) + strconv.Itoa(int(i))
		}
	}
	rate := findingRates[t.posture]
	user := m.kind == kUser
	m.pop = r.chance(rate.pop)
	m.imap = r.chance(rate.imap)
	if user && r.chance(rate.fwd) {
		m.fwd = strings.ToLower(m.first+"."+m.last) + strconv.Itoa(r.intn(100)) + "@" + pick(r, outsideDomains)
		m.deliverAndForward = r.chance(0.5)
	}
	m.auditOff = r.chance(rate.auditOff)
	if r.chance(rate.smtpOn) {
		m.smtpAuth = false
	} else if t.posture == Hardened && r.chance(0.1) {
		m.smtpAuth = true
	}
	m.ruleFwd = user && r.chance(rate.ruleFwd)
	m.rules = r.intn(3)
	m.fullAudit = t.posture == Hardened
	m.hidden = m.kind != kUser && r.chance(0.3)
	m.litHold = user && r.chance(0.05)
	m.archive = user && r.chance(0.2)
	switch m.kind {
	case kShared:
		m.disabled = t.posture == Hardened || r.chance(0.4)
	case kRoom, kEquipment:
		m.disabled = true
	}
	m.created = t.created.Add(time.Duration(r.intn(5*365*24*3600)) * time.Second)
	m.items = r.intn(60000)
	m.size = int64(m.items) * int64(20*1024+r.intn(100*1024))
	if r.chance(0.9) {
		m.lastLogon = m.created.Add(time.Duration(r.intn(400*24*3600)) * time.Second)
	}
	m.dept, m.title, m.city = pick(r, departments), pick(r, titles), pick(r, cities)
	// Mailboxes 5-9 of every non-hardened tenant carry one finding each, so
	// even a 25-mailbox tenant fails the mailbox-level controls.
	if t.posture != Hardened {
		switch i {
		case 1: // the shared mailbox "info" can be signed in to
			m.disabled = false
		case 5:
			m.fwd, m.deliverAndForward = strings.ToLower(m.first)+".private@"+outsideDomains[0], true
		case 6:
			m.pop, m.imap = true, true
		case 7:
			m.ruleFwd = true
		case 8:
			m.auditOff = true
		case 9:
			m.smtpAuth = false
		}
	}
	return m
}

// mailbox returns mailbox i with its current overrides applied.
func (s *mailboxes) mailbox(i int32) mbx { return s.t.withOverrides(i, s.ov[i]) }

// withOverrides is mailbox i as generated, seen through the override map ov
// (nil when it was never written); a Result keeps the ov it was made with.
func (t *Tenant) withOverrides(i int32, ov map[string]any) mbx {
	m := t.gen(i)
	if ov != nil {
		m.ov = ov
		if k, ok := ov["_kind"].(mkind); ok {
			m.kind = k
		}
	}
	return m
}

// Derived identity values.

func (m *mbx) upn() string {
	if m.cUPN == "" {
		m.cUPN = m.alias + "@" + m.t.custom
	}
	return m.cUPN
}

func (m *mbx) guid() string {
	if m.cGUID == "" {
		m.cGUID = guidOf(m.t.seed, 0x67756964, uint64(m.i))
	}
	return m.cGUID
}

func (m *mbx) exGuid() string {
	if m.cExGUID == "" {
		m.cExGUID = guidOf(m.t.seed, 0x65786775, uint64(m.i))
	}
	return m.cExGUID
}

func (m *mbx) objectID() string {
	if m.cOID == "" {
		m.cOID = guidOf(m.t.seed, 0x6f626a69, uint64(m.i))
	}
	return m.cOID
}
func (m *mbx) dn() string { return m.t.userDN(m.alias) }
func (m *mbx) legacyDN() string {
	return "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=" + strings.ReplaceAll(m.exGuid(), "-", "")[:32] + "-" + m.alias
}
func (m *mbx) coexistSmtp() string { return m.alias + "@" + m.t.short + ".onmicrosoft.com" }

// get returns a property's current value: the override if written, else the
// generated value from the first table that has the property.
func (m *mbx) get(p *mprop) any {
	if v, ok := m.ov[p.name]; ok {
		return v
	}
	return p.get(m)
}

// emailAddresses is the current proxy address list.
func (m *mbx) emailAddresses() []string {
	if v, ok := m.ov["EmailAddresses"].([]string); ok {
		return v
	}
	return []string{"SMTP:" + m.upn(), "smtp:" + m.coexistSmtp(), "SPO:SPO_" + m.objectID() + "@SPO_" + m.t.id}
}

// baseIdentities are the identity strings of the generated mailbox: what
// the index holds.
func (m *mbx) baseIdentities() []string {
	return []string{m.alias, m.upn(), m.coexistSmtp(), m.guid(), m.exGuid(), m.objectID(), m.legacyDN()}
}

// identities lists the strings that resolve to this mailbox now, including
// proxy addresses a write added.
func (m *mbx) identities() []string {
	if _, ok := m.ov["EmailAddresses"]; !ok {
		return m.baseIdentities()
	}
	// The UPN stays an identity; the proxy addresses are what was written.
	ids := []string{m.alias, m.upn(), m.guid(), m.exGuid(), m.objectID(), m.legacyDN()}
	for _, a := range m.emailAddresses() {
		if p, addr, ok := strings.Cut(a, ":"); ok && strings.EqualFold(p, "smtp") {
			ids = append(ids, addr)
		}
	}
	return ids
}

// matches reports whether the identity string names this mailbox.
func (m *mbx) matches(id string) bool {
	leaf := identityLeaf(id)
	for _, x := range m.identities() {
		if strings.EqualFold(x, id) || strings.EqualFold(x, leaf) {
			return true
		}
	}
	return false
}

func (m *mbx) auditAdmin() []string {
	if m.fullAudit {
		return []string{"Update", "MoveToDeletedItems", "SoftDelete", "HardDelete", "SendAs", "SendOnBehalf", "Create", "UpdateFolderPermissions",
			"UpdateInboxRules", "UpdateCalendarDelegation", "ApplyRecord", "MailItemsAccessed", "Send", "Copy", "FolderBind", "Move"}
	}
	return []string{"Update", "MoveToDeletedItems", "SoftDelete", "HardDelete", "SendAs", "SendOnBehalf", "Create", "UpdateFolderPermissions",
		"UpdateInboxRules", "UpdateCalendarDelegation", "ApplyRecord", "MailItemsAccessed", "Send"}
}

func (m *mbx) auditDelegate() []string {
	if m.fullAudit {
		return []string{"Update", "MoveToDeletedItems", "SoftDelete", "HardDelete", "SendAs", "SendOnBehalf", "Create", "UpdateFolderPermissions",
			"UpdateInboxRules", "ApplyRecord", "MailItemsAccessed", "FolderBind", "Move"}
	}
	return []string{"Update", "MoveToDeletedItems", "SoftDelete", "HardDelete", "SendAs", "SendOnBehalf", "Create", "UpdateFolderPermissions",
		"UpdateInboxRules", "ApplyRecord", "MailItemsAccessed"}
}

func (m *mbx) auditOwner() []string {
	if m.fullAudit {
		return []string{"Update", "MoveToDeletedItems", "SoftDelete", "HardDelete", "UpdateFolderPermissions", "UpdateInboxRules",
			"UpdateCalendarDelegation", "ApplyRecord", "MailItemsAccessed", "Send", "Create", "MailboxLogin", "Move"}
	}
	return []string{"Update", "MoveToDeletedItems", "SoftDelete", "HardDelete", "UpdateFolderPermissions", "UpdateInboxRules",
		"UpdateCalendarDelegation", "ApplyRecord", "MailItemsAccessed", "Send"}
}

// quotaStrings caches the few quota values every mailbox prints.
var quotaStrings sync.Map // int64 -> string

func (m *mbx) quota(def int64) string {
	if m.kind == kShared || m.kind == kRoom {
		def /= 2
	}
	if s, ok := quotaStrings.Load(def); ok {
		return s.(string)
	}
	s := formatSize(def)
	quotaStrings.Store(def, s)
	return s
}
