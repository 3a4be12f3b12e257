package directory

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Posture is how well a generated tenant is configured; it decides which
// audit controls (exchange-audit-controls.md) find something.
type Posture int

const (
	// PostureAuto (the zero value of TenantSpec.Posture) derives the posture
	// from the tenant seed: about 40% Fresh, 30% Risky, 30% Hardened.
	PostureAuto Posture = iota
	// Fresh has the service defaults: auto-forwarding allowed, no external
	// sender warning, DKIM off on custom domains, a few risky mailboxes.
	Fresh
	// Risky is Fresh plus bad changes: SMTP AUTH on, audit off, a redirect
	// rule and a spam-bypass rule, more forwarding and POP/IMAP.
	Risky
	// Hardened passes the controls; only rare mailbox-level findings remain.
	Hardened
)

func (p Posture) String() string {
	switch p {
	case Fresh:
		return "Fresh"
	case Risky:
		return "Risky"
	case Hardened:
		return "Hardened"
	}
	return "Auto"
}

// Tenant is one emulated organization.
type Tenant struct {
	opts    Options
	id      string
	domain  string // initial domain, <short>.onmicrosoft.com
	short   string // contoso
	custom  string // contoso.com: the default custom domain
	seed    uint64
	posture Posture
	// licenses decide which Defender cmdlets exist and which add-on data
	// is seeded (licences.go).
	licenses []string
	forest   string // EURPR05A001 (the directory partition)
	dc       string // domain controller FQDN named in not-found errors
	server   string // OriginatingServer of config objects
	created  time.Time
	orgID    string // OrganizationId of every object
	k        tenantStrings

	mu         sync.RWMutex
	singletons map[string]Object // org, transport, audit, externalInOutlook
	colls      map[string]*coll
	mbx        *mailboxes
}

// ID is the tenant GUID.
func (t *Tenant) ID() string { return t.id }

// Domain is the initial domain (<name>.onmicrosoft.com).
func (t *Tenant) Domain() string { return t.domain }

// Posture tells how compliant the generated data is.
func (t *Tenant) Posture() Posture { return t.posture }

// MailboxCount is the number of mailboxes.
func (t *Tenant) MailboxCount() int { return t.mbx.n }

var forests = []string{"EURPR05A001", "EURPR03A005", "NAMPR07A003", "NAMPR19A010", "APCPR01A012", "GBRP265A018"}

func newTenant(opts Options, spec TenantSpec) *Tenant {
	domain := strings.ToLower(strings.TrimSpace(spec.Domain))
	if domain == "" {
		domain = "contoso.onmicrosoft.com"
	}
	if !strings.Contains(domain, ".") {
		domain += ".onmicrosoft.com"
	}
	seed := uint64(spec.Seed)
	if seed == 0 {
		seed = tag(domain) ^ uint64(opts.Seed)*0x9e3779b97f4a7c15
	}
	t := &Tenant{opts: opts, domain: domain, seed: seed}
	t.short = strings.TrimSuffix(domain, ".onmicrosoft.com")
	if i := strings.Index(t.short, "."); i >= 0 {
		t.short = t.short[:i]
	}
	t.custom = t.short + ".com"
	t.id = strings.ToLower(strings.TrimSpace(spec.ID))
	if t.id == "" {
		t.id = guidOf(seed, tag("tenant-id"))
	}
	r := newRNG(seed, tag("profile"))
	switch x := r.intn(10); {
	case spec.Posture >= Fresh && spec.Posture <= Hardened:
		t.posture = spec.Posture
	case x < 4:
		t.posture = Fresh
	case x < 7:
		t.posture = Risky
	default:
		t.posture = Hardened
	}
	t.licenses = defaultLicenses(t.posture)
	if spec.Licenses != nil {
		t.licenses = slices.Clone(spec.Licenses)
	}
	t.forest = pick(r, forests)
	region := t.forest[:3]
	t.dc = fmt.Sprintf("%s%dPR%02dA%03dDC%02d.%s.prod.outlook.com", region[:2], 1+r.intn(9), 1+r.intn(20), 1+r.intn(20), 1+r.intn(6), t.forest)
	t.server = fmt.Sprintf("%s%dP%03dMB%04d.%sprd%02d.prod.outlook.com", region[:2], 1+r.intn(9), 100+r.intn(800), r.intn(10000), strings.ToLower(region[:3]), 1+r.intn(20))
	// Tenants were created between 2016 and 2024.
	t.created = time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.intn(8*365*24)) * time.Hour).Add(time.Duration(r.intn(3600)) * time.Second)

	n := spec.Mailboxes
	if n <= 0 {
		n = DefaultMailboxes
	}
	f := t.forest + ".PROD.OUTLOOK.COM"
	t.orgID = fmt.Sprintf("%s/Microsoft Exchange Hosted Organizations/%s - %s/ConfigurationUnits/%s/Configuration", f, t.domain, f, t.domain)
	t.k = tenantStrings{
		personCategory: t.forest + ".PROD.OUTLOOK.COM/Configuration/Schema/Person",
		ouRoot:         t.domain + "/",
		mailboxPlan:    "ExchangeOnlineEnterprise-" + guidOf(t.seed, 0x706c616e),
		serverName:     strings.ToLower(t.server[:13]),
	}
	t.mbx = newMailboxes(t, n)
	t.singletons = map[string]Object{}
	t.colls = map[string]*coll{}
	t.seedConfig()
	return t
}

// at returns a deterministic instant after the tenant's creation.
func (t *Tenant) at(label string, maxDays int) time.Time {
	r := newRNG(t.seed, tag(label))
	return t.created.Add(time.Duration(r.intn(maxDays*24*3600)+60) * time.Second).Truncate(time.Second)
}

// configDN is the DistinguishedName of a configuration object.
func (t *Tenant) configDN(name, container string) string {
	return fmt.Sprintf("CN=%s,%sCN=Configuration,CN=%s,CN=ConfigurationUnits,DC=%s,DC=PROD,DC=OUTLOOK,DC=COM", name, container, t.domain, t.forest)
}

// userDN is the DistinguishedName of a recipient.
func (t *Tenant) userDN(name string) string {
	return fmt.Sprintf("CN=%s,OU=%s,OU=Microsoft Exchange Hosted Organizations,DC=%s,DC=PROD,DC=OUTLOOK,DC=COM", name, t.domain, t.forest)
}

// trailer appends the common trailing properties of configuration objects
// (cmdlet-catalog.md §0.1).
func (t *Tenant) trailer(b *ob, name, identity, dn, exVersion string, class []string, created, changed time.Time, guid string) *ob {
	return t.appendTrailer(b, trailerSpec{name: name, identity: identity, dn: dn, version: exVersion, class: class, server: t.server,
		category: t.forest + ".PROD.OUTLOOK.COM/Configuration/Schema/ms-Exch-" + strings.TrimPrefix(class[len(class)-1], "msExch")},
		created, changed, guid)
}

// ffoTrailer is the trailer of Security & Compliance objects.
func (t *Tenant) ffoTrailer(b *ob, name string, class string, created, changed time.Time, guid string) *ob {
	id := "FFO.extest.microsoft.com/Microsoft Exchange Hosted Organizations/" + t.domain + "/Configuration/" + name
	return t.appendTrailer(b, trailerSpec{name: name, identity: id, version: "0.20 (15.0.0.0)", class: []string{class},
		dn:       "CN=" + name + ",CN=Configuration,CN=" + t.domain + ",CN=Microsoft Exchange Hosted Organizations,DC=FFO,DC=extest,DC=microsoft,DC=com",
		category: "FFO.extest.microsoft.com/Configuration/Schema/ms-Exch-Unified-Policy"},
		created, changed, guid)
}

// trailerSpec is what tells one kind of trailer from another.
type trailerSpec struct {
	name, identity, dn, version, category string
	class                                 []string
	server                                string // OriginatingServer
}

func (t *Tenant) appendTrailer(b *ob, s trailerSpec, created, changed time.Time, guid string) *ob {
	return b.v("AdminDisplayName", "").
		v("ExchangeVersion", s.version).
		v("Name", s.name).
		v("DistinguishedName", s.dn).
		v("Identity", s.identity).
		v("Id", s.identity).
		v("ObjectCategory", s.category).
		list("ObjectClass", s.class...).
		date("WhenChanged", changed).
		date("WhenCreated", created).
		dateUTC("WhenChangedUTC", changed).
		dateUTC("WhenCreatedUTC", created).
		guid("ExchangeObjectId", guid).
		v("OrganizationalUnitRoot", t.domain).
		v("OrganizationId", t.orgID).
		guid("Guid", guid).
		v("OriginatingServer", s.server).
		v("IsValid", true).
		v("ObjectState", "Unchanged")
}

// tenantStrings are per-tenant values every mailbox object repeats.
type tenantStrings struct {
	personCategory, ouRoot, mailboxPlan, serverName string
}
