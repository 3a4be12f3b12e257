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

func (b *ob) date(name string, t time.Time) *ob { return b.dateAs(name, t, formatDate) }

func (b *ob) dateUTC(name string, t time.Time) *ob { return b.dateAs(name, t, formatDateUTC) }

// dateAs adds a System.DateTime written by format; the zero time is null.
func (b *ob) dateAs(name string, t time.Time, format func(time.Time) string) *ob {
	var v any
	if !t.IsZero() {
		v = format(t)
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
