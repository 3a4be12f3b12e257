package emulator

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/exoplay/exoplay/internal/emulator/entra"
	"github.com/exoplay/exoplay/internal/emulator/exchange"
)

// Knob types, shared with the Exchange front end.
type (
	LatencySpec = exchange.LatencySpec
	FaultSpec   = exchange.FaultSpec
	FaultRule   = exchange.FaultRule
	FaultKind   = exchange.FaultKind
	RateBudget  = exchange.RateBudget
	Strictness  = exchange.Strictness
)

// Parsers of the knob syntaxes used by flags and scenario files.
var (
	ParseLatency = exchange.ParseLatency
	ParseFaults  = exchange.ParseFaults
	ParseRate    = exchange.ParseRate
)

// TenantSpec describes one emulated organization.
type TenantSpec struct {
	// Domain is the initial domain; a bare name gets ".onmicrosoft.com".
	Domain string `json:"domain" yaml:"domain"`
	// ID is the tenant GUID; "" derives one from Domain (stable across runs).
	ID string `json:"id,omitempty" yaml:"id,omitempty"`
	// Mailboxes is the number of generated mailboxes (0 = the directory's default, 25).
	Mailboxes int `json:"mailboxes,omitempty" yaml:"mailboxes,omitempty"`
}

// Options configure Start. Zero values get the documented defaults.
type Options struct {
	Tenants []TenantSpec // default: contoso + fabrikam
	Seed    int64        // generated data, latency draws and faults derive from it

	Latency        LatencySpec
	ConcurrencyCap int           // per-tenant requests in flight; 0 = 3, < 0 = unlimited
	RetryAfter     time.Duration // Retry-After of the cap's and rate budget's 429s; default 1 s
	RateBudget     RateBudget    // per-tenant requests per window; zero = none
	Faults         FaultSpec
	PageSize       int // page size without a Prefer header; default 1000
	// Strict relaxes the service's strict behaviours one by one, or picks
	// the form of an answer; the zero value is the service (BEHAVIOURS.md).
	Strict Strictness

	// AuthorityLatency delays every Entra (authority) answer by this much:
	// discovery and token round trips of a real sign-in take time too
	// (assumption: a fixed delay; real Entra answers in ~50–300 ms). 0 = none.
	AuthorityLatency time.Duration

	TokenLifetime    time.Duration // default 1 h
	TokenEarlyExpiry time.Duration // tokens' exp this much before expires_in says (fault knob)
	DeviceCodePolls  int           // polls answered authorization_pending; default 1
	NextLinkTTL      time.Duration // default 30 min
	ReplicationDelay time.Duration // new objects answer 404 this long

	Apps []entra.App // extra apps, e.g. a certificate app a test registers
	// AppSpecs are extra apps in flag and scenario form (certificate files,
	// federated credentials trusting the emulator's managed identity).
	AppSpecs []AppSpec
	Users    []entra.User // extra users, e.g. a partner (GDAP) user
	// IdentityHeader is the managed identity endpoint's secret (IDENTITY_HEADER);
	// "" = a random one. ManagedIdentities default to one system-assigned
	// identity in the first tenant.
	IdentityHeader    string
	ManagedIdentities []entra.ManagedIdentity

	// Addr is the host the listeners bind to; default 127.0.0.1.
	Addr string
	// Port is the port of the one listener; 0 = a free port.
	Port int
	// ErrorLog receives the HTTP servers' own errors (TLS handshakes, ...); nil = discarded.
	ErrorLog io.Writer
	// AccessLog, when set, gets one line per request (listener, method, path,
	// status, bytes, duration); never headers or bodies.
	AccessLog io.Writer
	Now       func() time.Time // nil = time.Now

	// Replay is a directory of cassettes (`exoplay run --record`): every
	// InvokeCommand is answered from them (package replay); Entra ID is
	// still the emulator's. "" = the emulated directory answers.
	Replay string
}

// ErrReplay is what Start's error wraps when Options.Replay cannot be read:
// the caller's input is wrong, not the emulator.
var ErrReplay = errors.New("--replay")

// Well-known demo identities.
const (
	// DemoClientID is a confidential app consented in every tenant with
	// Exchange.ManageAsApp; its secret is Emulator.DemoSecret (random per Start).
	DemoClientID = "0e0e0e0e-de30-4a99-8c1e-00000000a001"
	// DemoPublicClientID is the Exchange Online module's public client id:
	// device code, interactive, ROPC and refresh work with it.
	DemoPublicClientID = "fb78d390-0c51-40cd-8e17-fdbfab77341b"
	// DemoUserPassword is the password of every tenant's admin@<domain>.
	DemoUserPassword = "Emulator-Admin-1!"
	// SystemMailboxAnchor is the org-level anchor mailbox clients send as
	// APP:SystemMailbox{...}@<tenant>.
	SystemMailboxAnchor = exchange.SystemMailbox
)

var defaultTenants = []TenantSpec{{Domain: "contoso.onmicrosoft.com"}, {Domain: "fabrikam.onmicrosoft.com"}}

// DefaultTenants returns the tenants Start serves when Options.Tenants is
// empty (a copy the caller may change).
func DefaultTenants() []TenantSpec { return slices.Clone(defaultTenants) }

// NormalizeDomain lower-cases a domain and gives a bare name ".onmicrosoft.com".
func NormalizeDomain(d string) string {
	d = strings.ToLower(strings.TrimSpace(d))
	if d != "" && !strings.Contains(d, ".") {
		d += ".onmicrosoft.com"
	}
	return d
}

// TenantID derives the GUID of a tenant from its domain: a version-4-shaped
// UUID from a SHA-256 of the normalized domain, so it is stable across runs.
func TenantID(domain string) string {
	s := sha256.Sum256([]byte("exoplay-emulator-tenant:" + NormalizeDomain(domain)))
	s[6] = s[6]&0x0f | 0x40
	s[8] = s[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}

// tenants returns the specs with domains normalized and IDs filled in.
// Entries naming the same organization (same domain, IDs equal or one left
// out) are merged, as a playbook may list one organization twice;
// conflicting ones are refused.
func (o *Options) tenants() ([]TenantSpec, error) {
	specs := o.Tenants
	if len(specs) == 0 {
		specs = defaultTenants
	}
	out := make([]TenantSpec, 0, len(specs))
	explicit := make([]bool, 0, len(specs))
	byDomain := map[string]int{}
	for _, t := range specs {
		t.Domain = NormalizeDomain(t.Domain)
		t.ID = strings.ToLower(strings.TrimSpace(t.ID))
		if t.Domain == "" && t.ID != "" {
			// Known by GUID only (a playbook's tenant_id): give it a domain of its own.
			t.Domain = "tenant-" + strings.SplitN(t.ID, "-", 2)[0] + ".onmicrosoft.com"
		}
		if t.Domain == "" {
			return nil, fmt.Errorf("emulator: a tenant has neither a domain nor an id")
		}
		if t.Mailboxes < 0 {
			return nil, fmt.Errorf("emulator: tenant %s: negative mailbox count", t.Domain)
		}
		if i, ok := byDomain[t.Domain]; ok {
			prev := &out[i]
			switch {
			case t.ID != "" && explicit[i] && t.ID != prev.ID:
				return nil, fmt.Errorf("emulator: tenant %s is listed with two ids (%s and %s)", t.Domain, prev.ID, t.ID)
			case t.ID != "":
				prev.ID, explicit[i] = t.ID, true
			}
			prev.Mailboxes = max(prev.Mailboxes, t.Mailboxes)
			continue
		}
		explicit = append(explicit, t.ID != "")
		if t.ID == "" {
			t.ID = TenantID(t.Domain)
		}
		byDomain[t.Domain] = len(out)
		out = append(out, t)
	}
	seen := map[string]string{}
	for _, t := range out {
		if d, ok := seen[t.ID]; ok {
			return nil, fmt.Errorf("emulator: tenant id %s is given to both %s and %s", t.ID, d, t.Domain)
		}
		seen[t.ID] = t.Domain
	}
	return out, nil
}
