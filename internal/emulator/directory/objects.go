package directory

import (
	"strings"
	"time"
)

// ob builds an Object property by property, with the wire annotations each
// kind of value carries.
type ob struct{ o Object }

func (b *ob) v(name string, v any) *ob {
	b.o = append(b.o, Prop{Name: name, Value: v})
	return b
}

// arr adds a multi-valued property; nil stays null ("unset"), an empty list is [].
func (b *ob) arr(name string, v []string) *ob {
	var val any
	if v != nil {
		val = v
	}
	b.o = append(b.o, Prop{Name: name, Value: val, ODataType: "#Collection(String)"})
	return b
}

func (b *ob) list(name string, v ...string) *ob {
	if v == nil {
		v = []string{}
	}
	return b.arr(name, v)
}

func (b *ob) guid(name, v string) *ob {
	b.o = append(b.o, Prop{Name: name, Value: v, ODataType: "#Guid", DataType: "System.Guid"})
	return b
}

func (b *ob) date(name string, t time.Time) *ob {
	var v any
	if !t.IsZero() {
		v = formatDate(t)
	}
	b.o = append(b.o, Prop{Name: name, Value: v, DataType: "System.DateTime"})
	return b
}

func (b *ob) dateUTC(name string, t time.Time) *ob {
	var v any
	if !t.IsZero() {
		v = formatDateUTC(t)
	}
	b.o = append(b.o, Prop{Name: name, Value: v, DataType: "System.DateTime"})
	return b
}

func (b *ob) i32(name string, n int) *ob {
	b.o = append(b.o, Prop{Name: name, Value: n, DataType: "System.Int32"})
	return b
}

// clone copies an object so a write never mutates one a Result still holds.
func (o Object) clone() Object {
	c := make(Object, len(o))
	copy(c, o)
	return c
}

// index returns the position of a property, or -1.
func (o Object) index(name string) int {
	for i := range o {
		if strings.EqualFold(o[i].Name, name) {
			return i
		}
	}
	return -1
}

func (o Object) str(name string) string {
	v, _ := o.Get(name)
	s, _ := v.(string)
	return s
}

// set replaces a property value in place (only on a fresh clone).
func (o Object) set(name string, v any) {
	if i := o.index(name); i >= 0 {
		if s, ok := v.([]string); ok && s == nil {
			v = []string{}
		}
		o[i].Value = v
	}
}

// valuesEqual compares wire values; null and [] differ for the service but
// not for "did this Set change anything".
func valuesEqual(a, b any) bool {
	as, aIsList := a.([]string)
	bs, bIsList := b.([]string)
	if aIsList || bIsList {
		if len(as) != len(bs) {
			return false
		}
		for i := range as {
			if as[i] != bs[i] {
				return false
			}
		}
		return (a == nil) == (b == nil) || len(as) == 0
	}
	return a == b
}

// applyProps applies the bound property parameters of a Set-* to a copy of o.
// It reports whether any value changed.
func (cl *call) applyProps(o Object) (Object, bool) {
	n := o.clone()
	changed := false
	for _, p := range cl.c.params {
		if p.prop == "" || !cl.a.has(p.name) {
			continue
		}
		i := n.index(p.prop)
		if i < 0 {
			continue
		}
		nv := cl.a[p.name]
		if op, ok := nv.(*multiOp); ok {
			old, _ := n[i].Value.([]string)
			nv = op.apply(dropEmpty(old))
		}
		if !valuesEqual(n[i].Value, nv) {
			n[i].Value = nv
			changed = true
		}
	}
	return n, changed
}

// item is a stored object of a collection; objects are never mutated, a
// write replaces the item's object with a changed copy.
type item struct {
	obj       Object
	visibleAt time.Time // replication: hidden before this instant
	members   []member  // distribution groups
}

// coll is an ordered collection of config objects of one kind.
type coll struct {
	items   []*item
	idProps []string // properties an identity is matched against
}

// visible returns the items a read at now may see.
func (c *coll) visible(now time.Time) []*item {
	out := make([]*item, 0, len(c.items))
	for _, it := range c.items {
		if !it.visibleAt.After(now) {
			out = append(out, it)
		}
	}
	return out
}

// matchID reports whether an identity string names the object: any id
// property equal to it (case-insensitive), or a DN / canonical name whose
// leaf is the object's Name.
func matchID(o Object, id string, props []string) bool {
	id = strings.TrimSpace(id)
	for _, p := range props {
		if v, ok := o.Get(p); ok {
			if s, isStr := v.(string); isStr && s != "" && strings.EqualFold(s, id) {
				return true
			}
		}
	}
	if leaf := identityLeaf(id); leaf != "" && leaf != id {
		return strings.EqualFold(o.str("Name"), leaf)
	}
	return false
}

// identityLeaf reduces a DistinguishedName ("CN=x,OU=…"), a canonical name
// ("forest/…/x") or "domain\x" to x.
func identityLeaf(id string) string {
	switch {
	case len(id) > 3 && strings.EqualFold(id[:3], "CN="):
		rest := id[3:]
		if i := strings.Index(rest, ","); i >= 0 {
			rest = rest[:i]
		}
		return rest
	case strings.Contains(id, "/"):
		return id[strings.LastIndex(id, "/")+1:]
	case strings.Contains(id, "\\"):
		return id[strings.LastIndex(id, "\\")+1:]
	}
	return id
}

// find resolves an identity in a collection: exactly one visible item, or
// the service's not-found / ambiguous error.
func (cl *call) find(c *coll, id string) (*item, int, *Error) {
	var hit *item
	pos := -1
	for i, it := range c.items {
		if it.visibleAt.After(cl.now) || !matchID(it.obj, id, c.idProps) {
			continue
		}
		if hit != nil {
			return nil, -1, errAmbiguous(id)
		}
		hit, pos = it, i
	}
	if hit == nil {
		return nil, -1, cl.t.errNotFound(id)
	}
	return hit, pos, nil
}

// getColl is the generic Get-* over a collection: -Identity, -Filter and
// ResultSize.
func (cl *call) getColl(c *coll) (*Result, *Error) {
	items := c.visible(cl.now)
	if id, ok := cl.a["Identity"].(string); ok && id != "" {
		it, _, err := cl.find(c, id)
		if err != nil {
			return nil, err
		}
		items = []*item{it} // -Filter, if any, still applies
	}
	objs := make([]Object, 0, len(items))
	f, _ := cl.a["Filter"].(*filterExpr)
	if f != nil && len(items) > 0 {
		if err := f.check(func(p string) bool { return items[0].obj.index(p) >= 0 }); err != nil {
			return nil, err
		}
	}
	for _, it := range items {
		if f != nil && !f.match(func(p string) any { v, _ := it.obj.Get(p); return v }) {
			continue
		}
		objs = append(objs, it.obj)
	}
	n, warn := cl.limit(len(objs))
	r := listResult(objs[:n])
	r.Warnings = warn
	return r, nil
}

// setColl is the generic Set-* over a collection.
func (cl *call) setColl(c *coll, id string) (*Result, *Error) {
	it, pos, err := cl.find(c, id)
	if err != nil {
		return nil, err
	}
	n, changed := cl.applyProps(it.obj)
	if !changed {
		return emptyResult(nil, warnNoChange(id)), nil
	}
	renamed(it.obj, n)
	touch(n, cl.now)
	c.items[pos] = &item{obj: n, visibleAt: it.visibleAt, members: it.members}
	return emptyResult(cl.wrote()), nil
}

// setSingleton is Set-* of a one-per-tenant object (org, transport, audit).
func (cl *call) setSingleton(key string) (*Result, *Error) {
	o := cl.t.singletons[key]
	n, changed := cl.applyProps(o)
	if !changed {
		return emptyResult(nil, warnNoChange(o.str("Identity"))), nil
	}
	touch(n, cl.now)
	cl.t.singletons[key] = n
	return emptyResult(cl.wrote()), nil
}

// touch stamps the change times of a written object.
func touch(o Object, now time.Time) {
	if i := o.index("WhenChanged"); i >= 0 {
		o[i].Value = formatDate(now)
	}
	if i := o.index("WhenChangedUTC"); i >= 0 {
		o[i].Value = formatDateUTC(now)
	}
	if i := o.index("ObjectState"); i >= 0 {
		o[i].Value = "Unchanged"
	}
}

// dropEmpty removes "" entries (Get-ExternalInOutlook's [""] for an empty list).
func dropEmpty(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// renamed keeps Identity and Id in step with a -Name change on objects whose
// identity is their name.
func renamed(old, n Object) {
	oldName, newName := old.str("Name"), n.str("Name")
	if oldName == newName {
		return
	}
	for _, p := range []string{"Identity", "Id"} {
		if n.str(p) == oldName {
			n.set(p, newName)
		}
	}
	if dn := n.str("DistinguishedName"); strings.HasPrefix(dn, "CN="+oldName+",") {
		n.set("DistinguishedName", "CN="+newName+dn[len("CN=")+len(oldName):])
	}
}
