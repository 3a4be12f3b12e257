package playbook

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// Name rules shared by the loader and schema.json.
var (
	identRE    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	labelRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	cmdletRE   = regexp.MustCompile(`^[A-Za-z]+-[A-Za-z0-9]+$`)
	paramRE    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	domainRE   = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$`)
	durationRE = regexp.MustCompile(`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`)
)

// fieldSet walks one mapping: it rejects unknown keys (with a suggestion)
// and hands out typed fields.
type fieldSet struct {
	l     *loader
	n     *node
	what  string
	known []string
}

// fields starts decoding mapping n described as what ("step", "auth \"x\"").
// It returns nil when n is nil (an optional mapping left out: nothing to
// decode, nothing wrong), and nil after reporting when n is not a mapping.
func (l *loader) fields(n *node, what string, known ...string) *fieldSet {
	if n == nil {
		return nil
	}
	if n.kind != mapNode {
		l.d.add(n.pos, "%s must be a mapping, not %s", what, describeNode(n))
		return nil
	}
	f := &fieldSet{l: l, n: n, what: what, known: known}
	for i, k := range n.keys {
		switch {
		case !slices.Contains(known, k.value):
			l.d.add(k.pos, "unknown key %q in %s%s", k.value, what, didYouMean(k.value, known))
		case isNull(n.vals[i]):
			l.d.add(k.pos, "%s has no value; remove the key or give it one", k.value)
		}
	}
	return f
}

func isNull(n *node) bool { return n.kind == scalarNode && n.tag == "!!null" }

// get returns the node of key k (nil when absent or null).
func (f *fieldSet) get(k string) *node {
	if f == nil {
		return nil
	}
	n := f.n.get(k)
	if n == nil || n.kind == scalarNode && n.tag == "!!null" {
		return nil
	}
	return n
}

func (f *fieldSet) has(k string) bool { return f.get(k) != nil }

// required reports a missing key at the mapping's position.
func (f *fieldSet) required(k string) *node {
	n := f.get(k)
	if n == nil && f != nil && f.n.get(k) == nil { // a null value was reported by fields
		f.l.d.add(f.n.pos, "%s is missing the required key %q", f.what, k)
	}
	return n
}

// mustNotBeEmpty are the text keys where "" is a mistake, not a value.
var mustNotBeEmpty = map[string]bool{
	"name": true, "organization": true, "tenant_id": true, "auth": true, "connection_uri": true,
	"authority_uri": true, "id": true, "cmdlet": true, "register": true, "client_id": true,
	"managed_identity_client_id": true, "certificate_file": true, "certificate_password_file": true,
	"certificate_thumbprint": true, "client_secret_file": true, "username": true, "password_file": true,
	"access_token_file": true, "refresh_token_file": true, "token_file": true,
}

func (f *fieldSet) str(k string) (string, *node) {
	n := f.get(k)
	if n == nil {
		return "", nil
	}
	s := f.l.str(n, k)
	if s == "" && n.tag == "!!str" && mustNotBeEmpty[k] {
		f.l.d.add(n.pos, "%s must not be empty", k)
	}
	return s, n
}

// str reads a text scalar; numbers and booleans must be quoted so that
// YAML does not change them (0123 or "yes").
func (l *loader) str(n *node, field string) string {
	if n.kind != scalarNode || n.tag != "!!str" {
		l.d.add(n.pos, "%s must be text, not %s%s", field, n.kindName(), quoteHint(n))
		return ""
	}
	return n.value
}

func quoteHint(n *node) string {
	if n.kind == scalarNode && n.tag != "!!str" && n.tag != "!!null" {
		return fmt.Sprintf(` (write "%s" in quotes)`, n.value)
	}
	return ""
}

func (f *fieldSet) boolean(k string) bool {
	n := f.get(k)
	if n == nil {
		return false
	}
	if n.kind != scalarNode || n.tag != "!!bool" {
		f.l.d.add(n.pos, "%s must be true or false, not %s", k, describeNode(n))
		return false
	}
	return n.plain() == true
}

// integer reads an integer within [lo, hi]; ok is false when absent or invalid.
func (f *fieldSet) integer(k string, lo, hi int) (int, bool) {
	n := f.get(k)
	if n == nil {
		return 0, false
	}
	if n.kind != scalarNode || n.tag != "!!int" {
		f.l.d.add(n.pos, "%s must be a whole number, not %s", k, describeNode(n))
		return 0, false
	}
	v, err := strconv.ParseInt(n.value, 0, 64)
	if err != nil {
		if x, ok := n.plain().(int); ok {
			v, err = int64(x), nil
		}
	}
	if err != nil || v < int64(lo) || v > int64(hi) {
		f.l.d.add(n.pos, "%s must be between %d and %d, not %s", k, lo, hi, n.value)
		return 0, false
	}
	return int(v), true
}

func (f *fieldSet) number(k string, lo, hi float64) (float64, bool) {
	n := f.get(k)
	if n == nil {
		return 0, false
	}
	var v float64
	switch x := n.plain().(type) {
	case int:
		v = float64(x)
	case float64:
		v = x
	default:
		f.l.d.add(n.pos, "%s must be a number, not %s", k, describeNode(n))
		return 0, false
	}
	if n.kind != scalarNode || v < lo || v > hi || v != v {
		f.l.d.add(n.pos, "%s must be between %g and %g, not %s", k, lo, hi, n.value)
		return 0, false
	}
	return v, true
}

func (f *fieldSet) duration(k string) (time.Duration, bool) {
	n := f.get(k)
	if n == nil {
		return 0, false
	}
	if n.kind != scalarNode || n.tag != "!!str" || !durationRE.MatchString(n.value) {
		f.l.d.add(n.pos, "%s must be a duration such as 90s, 15m or 1h30m, not %s", k, describeNode(n))
		return 0, false
	}
	d, err := time.ParseDuration(n.value)
	if err != nil || d <= 0 {
		f.l.d.add(n.pos, "%s must be a positive duration such as 90s, 15m or 1h30m, not %q", k, n.value)
		return 0, false
	}
	return d, true
}

// strList reads a list of text; a single text is a list of one when single is true.
func (f *fieldSet) strList(k string, single bool) ([]string, []*node) {
	n := f.get(k)
	if n == nil {
		return nil, nil
	}
	if n.kind == scalarNode && single && n.tag == "!!str" {
		return []string{n.value}, []*node{n}
	}
	if n.kind != seqNode {
		f.l.d.add(n.pos, "%s must be a list of text, not %s", k, describeNode(n))
		return nil, nil
	}
	out := make([]string, 0, len(n.items))
	for _, it := range n.items {
		out = append(out, f.l.str(it, k+" entries"))
	}
	return out, n.items
}

// enum reads a text that must be one of allowed.
func (f *fieldSet) enum(k string, allowed ...string) (string, *node) {
	s, n := f.str(k)
	if n != nil && s != "" && !slices.Contains(allowed, s) {
		f.l.d.add(n.pos, "%s %q is not one of %s%s", k, s, quotedList(allowed), didYouMean(s, allowed))
		return "", n
	}
	return s, n
}
