package cmdlet

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// The catalog is generated from Microsoft's published cmdlet reference
// (MicrosoftDocs/office-docs-powershell, exchange/exchange-ps/ExchangePowerShell)
// by ./internal/gen; it holds facts only (names, types, sets,
// applicability), no prose. Regenerate with the path of a checkout (a
// git dir, or a folder of the pages):
//
//	EXOPLAY_DOCS=/path/to/office-docs-powershell EXOPLAY_DOCS_COMMIT=<sha> go generate ./cmdlet
//
// (EXOPLAY_DOCS_COMMIT defaults to HEAD.)
//
//go:generate go run ./internal/gen -src $EXOPLAY_DOCS -commit $EXOPLAY_DOCS_COMMIT -out catalog.json.gz
//go:generate go run ./internal/schemagen -out ../schema.cmdlets.json

//go:embed catalog.json.gz
var catalogGz []byte

// Service is a bit set of the endpoints a cmdlet or parameter exists on.
type Service uint8

const (
	// Exchange is Exchange Online (outlook.office365.com/adminapi).
	Exchange Service = 1 << iota
	// Compliance is Security & Compliance (the PowerShell front door).
	Compliance
)

// Has reports whether s includes every service of o.
func (s Service) Has(o Service) bool { return s&o == o && o != 0 }

// Names lists the services in s by the names playbooks use.
func (s Service) Names() []string {
	var out []string
	if s&Exchange != 0 {
		out = append(out, "exchange")
	}
	if s&Compliance != 0 {
		out = append(out, "compliance")
	}
	return out
}

func (s Service) String() string { return strings.Join(s.Names(), ",") }

// ServiceNamed returns the service a playbook's `service:` names.
func ServiceNamed(name string) Service {
	switch strings.ToLower(name) {
	case "exchange":
		return Exchange
	case "compliance":
		return Compliance
	}
	return 0
}

// Catalog is the set of cmdlets the docs mark as applicable to Exchange
// Online or Security & Compliance.
type Catalog struct {
	// Source names the docs repository and folder; Commit is the docs
	// commit the catalog was generated from.
	Source string `json:"source"`
	Commit string `json:"commit"`
	// Cmdlets, sorted by name, as the generator writes them. A decoded
	// catalog leaves it empty and decodes each cmdlet when it is first
	// looked up (a playbook names a few of 941): use Lookup, All, Len.
	Cmdlets []*Info `json:"cmdlets"`
	// Unparsed lists pages the generator skipped, with why.
	Unparsed []Problem `json:"unparsed,omitempty"`

	entries []*entry          // decoded catalogs: one per cmdlet, in order
	byName  map[string]*entry // lower-cased name -> entry
	allOnce sync.Once
	all     []*Info
}

// entry is one cmdlet of a decoded catalog, its JSON decoded on first use.
type entry struct {
	name string
	raw  json.RawMessage
	once sync.Once
	info *Info
	err  error
}

func (e *entry) get() (*Info, error) {
	e.once.Do(func() {
		if e.info == nil {
			var in Info
			if e.err = json.Unmarshal(e.raw, &in); e.err == nil {
				e.info = &in
			}
		}
		if e.info != nil {
			e.info.index()
		}
		e.raw = nil
	})
	return e.info, e.err
}

// Problem is a page, or part of one, the generator could not read.
type Problem struct {
	Page string `json:"page"`
	Why  string `json:"why"`
}

// Info is one cmdlet's facts.
type Info struct {
	Name     string  `json:"n"`
	Services Service `json:"s"`
	URL      string  `json:"u"`
	// Sets names the parameter sets in the docs' order; a cmdlet with one
	// unnamed set has none. Default is the set the docs mark (Default).
	Sets    []string `json:"sets,omitempty"`
	Default string   `json:"def,omitempty"`
	// Params applicable to Exchange Online or Security & Compliance, in
	// the docs' order.
	Params []*Param `json:"p"`
	// OnPremOnly names the documented parameters that exist only in
	// on-premises Exchange, so an error can say so.
	OnPremOnly []string `json:"op,omitempty"`

	byName map[string]*Param
}

// Param is one parameter's facts.
type Param struct {
	Name string `json:"n"`
	// Type is the .NET type as the docs write it (Boolean, Unlimited,
	// MultiValuedProperty, RecipientIdParameter[], ...).
	Type    string   `json:"t"`
	Aliases []string `json:"a,omitempty"`
	Values  []string `json:"v,omitempty"` // accepted values, where the docs enumerate them
	// ValuesFromText says Values come from the bullets after "Valid values
	// are:" in the parameter's text (for an enumeration type), not from
	// the yaml block's "Accepted values".
	// Those lists are not always complete (Set-Mailbox -AuditAdmin's omits
	// MailItemsAccessed), so they are offered to editors and people, never
	// enforced.
	ValuesFromText bool    `json:"vt,omitempty"`
	Services       Service `json:"s"`
	// In lists the sets the parameter belongs to, with whether it is
	// required there and its position; nil means every set (the docs'
	// "(All)"), with All saying how.
	In  []SetUse `json:"in,omitempty"`
	All *SetUse  `json:"all,omitempty"`
}

// SetUse is a parameter's place in one parameter set.
type SetUse struct {
	Set      string `json:"set,omitempty"`
	Required bool   `json:"r,omitempty"`
	// Position is a positional parameter's position as the docs number it
	// (Exchange's pages start at 0 or 1); nil
	// for a named-only one.
	Position *int `json:"pos,omitempty"`
}

// IsSwitch reports whether the parameter is a SwitchParameter.
func (p *Param) IsSwitch() bool { return p.Type == "SwitchParameter" }

// Uses returns the parameter's place in each set of c (one entry with
// Set "" for a cmdlet with one unnamed set).
func (p *Param) Uses(c *Info) []SetUse {
	if p.All == nil {
		return p.In
	}
	if len(c.Sets) == 0 {
		return []SetUse{*p.All}
	}
	out := make([]SetUse, len(c.Sets))
	for i, s := range c.Sets {
		out[i] = *p.All
		out[i].Set = s
	}
	return out
}

var (
	loadOnce sync.Once
	loaded   *Catalog
	loadErr  error
)

// Default returns the embedded catalog, decoded on first use.
func Default() (*Catalog, error) {
	loadOnce.Do(func() { loaded, loadErr = Decode(catalogGz) })
	return loaded, loadErr
}

// Decode reads a catalog in the committed form (gzip'd JSON). Only the
// cmdlets' names are read now; each cmdlet is decoded when first used.
func Decode(gz []byte) (*Catalog, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("cmdlet catalog: %w", err)
	}
	var doc struct {
		Source   string            `json:"source"`
		Commit   string            `json:"commit"`
		Cmdlets  []json.RawMessage `json:"cmdlets"`
		Unparsed []Problem         `json:"unparsed"`
	}
	if err := json.NewDecoder(zr).Decode(&doc); err != nil {
		return nil, fmt.Errorf("cmdlet catalog: %w", err)
	}
	c := &Catalog{Source: doc.Source, Commit: doc.Commit, Unparsed: doc.Unparsed}
	c.entries = make([]*entry, len(doc.Cmdlets))
	for i, raw := range doc.Cmdlets {
		name, err := leadingName(raw)
		if err != nil {
			return nil, fmt.Errorf("cmdlet catalog: cmdlet %d: %w", i, err)
		}
		c.entries[i] = &entry{name: name, raw: raw}
	}
	c.indexEntries()
	return c, nil
}

// leadingName reads the name of a cmdlet's JSON, which the generator writes
// first ({"n":"Get-Mailbox",...}), without decoding the rest.
func leadingName(raw []byte) (string, error) {
	const prefix = `{"n":"`
	if bytes.HasPrefix(raw, []byte(prefix)) {
		if end := bytes.IndexByte(raw[len(prefix):], '"'); end > 0 && bytes.IndexByte(raw[len(prefix):len(prefix)+end], '\\') < 0 {
			return string(raw[len(prefix) : len(prefix)+end]), nil
		}
	}
	var n struct {
		Name string `json:"n"`
	}
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", err
	}
	return n.Name, nil
}

// New makes a catalog of cmdlets held in memory (the generator's, tests').
func New(source, commit string, cmdlets []*Info) *Catalog {
	c := &Catalog{Source: source, Commit: commit, Cmdlets: cmdlets}
	c.entries = make([]*entry, len(cmdlets))
	for i, in := range cmdlets {
		c.entries[i] = &entry{name: in.Name, info: in}
	}
	c.indexEntries()
	return c
}

func (c *Catalog) indexEntries() {
	c.byName = make(map[string]*entry, len(c.entries))
	for _, e := range c.entries {
		c.byName[strings.ToLower(e.name)] = e
	}
}

func (in *Info) index() {
	in.byName = make(map[string]*Param, 2*len(in.Params))
	for _, p := range in.Params {
		in.byName[strings.ToLower(p.Name)] = p
	}
	for _, p := range in.Params { // an alias never hides a name
		for _, a := range p.Aliases {
			if _, ok := in.byName[strings.ToLower(a)]; !ok {
				in.byName[strings.ToLower(a)] = p
			}
		}
	}
}

// Lookup finds a cmdlet by name, case-insensitively. A cmdlet whose JSON
// cannot be decoded (a broken embedded catalog, which tests rule out) is
// not found.
func (c *Catalog) Lookup(name string) (*Info, bool) {
	e, ok := c.byName[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return nil, false
	}
	in, err := e.get()
	return in, err == nil
}

// Len is the number of cmdlets.
func (c *Catalog) Len() int { return len(c.entries) }

// All returns every cmdlet, sorted by name, decoding those not yet used.
func (c *Catalog) All() ([]*Info, error) {
	var err error
	c.allOnce.Do(func() {
		c.all = make([]*Info, 0, len(c.entries))
		for _, e := range c.entries {
			in, e2 := e.get()
			if e2 != nil {
				err = fmt.Errorf("cmdlet catalog: %s: %w", e.name, e2)
				c.all = nil
				return
			}
			c.all = append(c.all, in)
		}
	})
	if err == nil && c.all == nil && len(c.entries) > 0 {
		err = fmt.Errorf("cmdlet catalog: a cmdlet cannot be decoded")
	}
	return c.all, err
}

// Names lists every cmdlet name, sorted.
func (c *Catalog) Names() []string {
	out := make([]string, len(c.entries))
	for i, e := range c.entries {
		out[i] = e.name
	}
	sort.Strings(out)
	return out
}

// Param finds a parameter by name or alias, case-insensitively.
func (in *Info) Param(name string) (*Param, bool) {
	p, ok := in.byName[strings.ToLower(name)]
	return p, ok
}

// IsOnPremOnly reports whether name is a documented parameter that exists
// only in on-premises Exchange.
func (in *Info) IsOnPremOnly(name string) bool {
	for _, n := range in.OnPremOnly {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}
