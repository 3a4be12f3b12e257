package directory

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Options configure a Store.
type Options struct {
	// Seed is mixed into every tenant seed that is derived from the domain,
	// so two stores with the same Seed hold identical tenants.
	Seed int64
	// ReplicationDelay hides objects created by New-* until it has passed
	// (the service answers 404 for a few seconds after a create).
	ReplicationDelay time.Duration
	// Now is the clock; nil means time.Now. Generated data never depends on
	// it, only write timestamps and replication do.
	Now func() time.Time
}

// Store holds the emulated tenants.
type Store struct {
	opts Options

	mu      sync.RWMutex
	tenants map[string]*Tenant // by lower-cased id and domain
	order   []*Tenant
}

// New returns an empty store.
func New(opts Options) *Store {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Store{opts: opts, tenants: map[string]*Tenant{}}
}

// TenantSpec describes a tenant to add.
type TenantSpec struct {
	ID        string  // tenant GUID; empty derives one from Domain
	Domain    string  // initial domain, e.g. contoso.onmicrosoft.com
	Mailboxes int     // 0 means 25
	Seed      int64   // 0 derives the seed from Domain and the store's Seed
	Posture   Posture // PostureAuto derives it from the seed; Fresh, Risky or Hardened force it
	// Licenses overrides the licences the posture implies (licences.go);
	// nil keeps them, an empty list means EOP only.
	Licenses []string
}

// DefaultMailboxes is the mailbox count of a tenant whose spec leaves it 0.
const DefaultMailboxes = 25

// AddTenant creates a tenant with generated data and returns it. Adding a
// tenant whose id or domain is already present replaces the old one.
func (s *Store) AddTenant(spec TenantSpec) *Tenant {
	t := newTenant(s.opts, spec)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, key := range []string{strings.ToLower(t.id), strings.ToLower(t.domain)} {
		if old, ok := s.tenants[key]; ok {
			s.drop(old)
		}
	}
	s.tenants[strings.ToLower(t.id)] = t
	s.tenants[strings.ToLower(t.domain)] = t
	s.order = append(s.order, t)
	return t
}

// drop forgets a replaced tenant under both its keys and in the listing, so
// neither Tenant nor Tenants can return it any more. Caller holds s.mu.
func (s *Store) drop(old *Tenant) {
	for _, key := range []string{strings.ToLower(old.id), strings.ToLower(old.domain)} {
		if s.tenants[key] == old {
			delete(s.tenants, key)
		}
	}
	s.order = slices.DeleteFunc(s.order, func(x *Tenant) bool { return x == old })
}

// Tenant finds a tenant by GUID or initial domain, case-insensitively.
func (s *Store) Tenant(key string) (*Tenant, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.tenants[strings.ToLower(strings.TrimSpace(key))]
	return t, ok
}

// Tenants lists the tenants in the order they were added.
func (s *Store) Tenants() []*Tenant {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]*Tenant(nil), s.order...)
}

// Service is the endpoint a cmdlet is invoked on.
type Service int

const (
	// Exchange is the Exchange Online REST endpoint (outlook.office365.com).
	Exchange Service = iota
	// Compliance is the Security & Compliance endpoint (ps.compliance.protection.outlook.com).
	Compliance
)

func (s Service) String() string {
	switch s {
	case Exchange:
		return "Exchange"
	case Compliance:
		return "Compliance"
	}
	return fmt.Sprintf("Service(%d)", int(s))
}

// Known reports whether the service offers cmdlet (name case-insensitive).
// The protocol layer answers an unknown cmdlet itself (403 with a NUL body on
// Exchange, JSON 403 on Compliance).
func Known(svc Service, cmdlet string) bool {
	_, ok := lookupCmdlet(svc, cmdlet)
	return ok
}

// Cmdlets lists the canonical names of the cmdlets a service offers.
func Cmdlets(svc Service) []string {
	var out []string
	for _, c := range registry() {
		if c.on(svc) {
			out = append(out, c.name)
		}
	}
	return out
}

// Result is what a cmdlet returned.
type Result struct {
	Len      int                // number of objects (already cut to ResultSize)
	Object   func(i int) Object // object i in [0, Len), built on demand; safe for concurrent use
	Warnings []string           // the service's warnings, in order
	Write    *Write             // non-nil only when the cmdlet changed state
}

// Object is one output object: properties in the order the service emits them.
type Object []Prop

// Prop is one property with its wire annotations.
type Prop struct {
	Name      string
	Value     any    // nil, bool, int, int64, uint64, float64, string, []string, []any, map[string]any
	ODataType string // "#Collection(String)", "#Guid", "#Decimal" or ""
	DataType  string // "System.Guid", "System.DateTime", "System.Int32" or ""
}

// Get returns the value of the property name (case-insensitive).
func (o Object) Get(name string) (any, bool) {
	for i := range o {
		if strings.EqualFold(o[i].Name, name) {
			return o[i].Value, true
		}
	}
	return nil, false
}

// Map returns the object as a plain map, for tests and debugging.
func (o Object) Map() map[string]any {
	m := make(map[string]any, len(o))
	for _, p := range o {
		m[p.Name] = p.Value
	}
	return m
}

// Write records a state change, for the protocol layer's counters.
type Write struct {
	Tenant string         // tenant id (GUID)
	Cmdlet string         // canonical cmdlet name
	Params map[string]any // the parameters as received
}

// Error is a cmdlet failure in the service's terms; the protocol layer turns
// it into the error envelope (details[0].message = ErrorID|ExceptionType|Detail).
type Error struct {
	Status        int    // HTTP status: 400, 404, 403, 500
	Code          string // NotFound, BadRequest, Forbidden, InternalServerError
	Message       string // outer message: "Error executing cmdlet" or "Invalid Operation"
	ErrorID       string // Ex6F9304, Ex9E65A2 or ""
	ExceptionType string // e.g. Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException
	Detail        string // the human text
	Target        string // identity the error is about, or ""
}

func (e *Error) Error() string {
	return fmt.Sprintf("%d %s: %s|%s|%s", e.Status, e.Code, e.ErrorID, e.ExceptionType, e.Detail)
}
