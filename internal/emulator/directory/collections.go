package directory

import (
	"strings"
	"time"
)

// Collections of configuration objects and the generic Get-*/Set-* over them.

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
	// shape is an object of the collection's kind (set when it is seeded),
	// kept so a -Filter naming an unknown property fails even when no item
	// is left to compare with.
	shape Object
}

// shapeObj is the object -Filter property names are checked against, or nil
// for a collection that never had an item. It never writes: reads share the
// tenant's read lock.
func (c *coll) shapeObj() Object {
	if c.shape == nil && len(c.items) > 0 {
		return c.items[0].obj
	}
	return c.shape
}

// where is the sub-collection of the items keep accepts (for a Get-*'s own
// narrowing parameters); it keeps c's shape and identity properties.
func (c *coll) where(keep func(o Object) bool) *coll {
	sub := &coll{idProps: c.idProps, shape: c.shapeObj()}
	for _, it := range c.items {
		if keep(it.obj) {
			sub.items = append(sub.items, it)
		}
	}
	return sub
}

// visible returns the items a read at now may see.
// behaviour dir.replication-delay (internal/emulator/BEHAVIOURS.md)
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
	if shape := c.shapeObj(); f != nil && shape != nil {
		if err := f.check(func(p string) bool { return shape.index(p) >= 0 }); err != nil {
			return nil, err
		}
	}
	for _, it := range items {
		if f != nil && !f.match(func(p string) any { v, _ := it.obj.Get(p); return v }) {
			continue
		}
		objs = append(objs, it.obj)
	}
	return cl.limitedList(objs), nil
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
