package directory

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The OPATH -Filter subset: comparisons (-eq -ne -like -notlike -gt -ge -lt
// -le) of a property with a literal, combined with -and, -or, -not and
// parentheses. Literals are 'single' or "double" quoted strings, numbers,
// $true, $false, $null and bare words. Property names are case-insensitive.

type filterNode struct {
	op          string // "and", "or", "not", "cmp"
	left, right *filterNode
	prop        string
	cmp         string // eq, ne, like, notlike, gt, ge, lt, le
	lit         any    // string, float64, bool or nil
	litText     string // literal as written, for string comparisons
}

// filterExpr is a parsed -Filter.
type filterExpr struct {
	text string
	root *filterNode
}

type filterErr struct {
	pos int
	msg string
}

func (e *filterErr) Error() string { return fmt.Sprintf("%s at position %d", e.msg, e.pos+1) }

type fparser struct {
	s   string
	pos int
}

// behaviour dir.filter.opath (internal/emulator/BEHAVIOURS.md)
func parseFilter(s string) (*filterExpr, *filterErr) {
	p := &fparser{s: s}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos < len(p.s) {
		return nil, &filterErr{p.pos, "unexpected text"}
	}
	return &filterExpr{text: s, root: n}, nil
}

func (p *fparser) space() {
	for p.pos < len(p.s) && strings.ContainsRune(" \t\r\n", rune(p.s[p.pos])) {
		p.pos++
	}
}

// keyword consumes "-word" when it is next (case-insensitive, followed by a
// non-identifier character).
func (p *fparser) keyword(w string) bool {
	p.space()
	end := p.pos + 1 + len(w)
	if end > len(p.s) || p.s[p.pos] != '-' || !strings.EqualFold(p.s[p.pos+1:end], w) {
		return false
	}
	if end < len(p.s) && isIdentChar(p.s[end]) {
		return false
	}
	p.pos = end
	return true
}

func isIdentChar(c byte) bool {
	return c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func (p *fparser) or() (*filterNode, *filterErr) { return p.chain("or", p.and) }

func (p *fparser) and() (*filterNode, *filterErr) { return p.chain("and", p.not) }

// chain parses operand {op operand}, grouping to the left.
func (p *fparser) chain(op string, operand func() (*filterNode, *filterErr)) (*filterNode, *filterErr) {
	l, err := operand()
	if err != nil {
		return nil, err
	}
	for p.keyword(op) {
		r, err := operand()
		if err != nil {
			return nil, err
		}
		l = &filterNode{op: op, left: l, right: r}
	}
	return l, nil
}

func (p *fparser) not() (*filterNode, *filterErr) {
	if p.keyword("not") {
		n, err := p.not()
		if err != nil {
			return nil, err
		}
		return &filterNode{op: "not", left: n}, nil
	}
	return p.primary()
}

var filterOps = []string{"notlike", "like", "eq", "ne", "ge", "gt", "le", "lt"}

func (p *fparser) primary() (*filterNode, *filterErr) {
	p.space()
	if p.pos >= len(p.s) {
		return nil, &filterErr{p.pos, "expression expected"}
	}
	if p.s[p.pos] == '(' {
		p.pos++
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.pos >= len(p.s) || p.s[p.pos] != ')' {
			return nil, &filterErr{p.pos, "')' expected"}
		}
		p.pos++
		return n, nil
	}
	start := p.pos
	for p.pos < len(p.s) && isIdentChar(p.s[p.pos]) {
		p.pos++
	}
	if p.pos == start {
		return nil, &filterErr{p.pos, "property name expected"}
	}
	n := &filterNode{op: "cmp", prop: p.s[start:p.pos]}
	for _, op := range filterOps {
		if p.keyword(op) {
			n.cmp = op
			break
		}
	}
	if n.cmp == "" {
		p.space()
		return nil, &filterErr{p.pos, "comparison operator expected"}
	}
	lit, text, err := p.literal()
	if err != nil {
		return nil, err
	}
	n.lit, n.litText = lit, text
	return n, nil
}

func (p *fparser) literal() (any, string, *filterErr) {
	p.space()
	if p.pos >= len(p.s) {
		return nil, "", &filterErr{p.pos, "value expected"}
	}
	switch q := p.s[p.pos]; q {
	case '\'', '"':
		var b strings.Builder
		p.pos++
		for {
			if p.pos >= len(p.s) {
				return nil, "", &filterErr{p.pos, "unterminated string"}
			}
			c := p.s[p.pos]
			p.pos++
			if c == q {
				if p.pos < len(p.s) && p.s[p.pos] == q { // doubled quote
					b.WriteByte(q)
					p.pos++
					continue
				}
				return b.String(), b.String(), nil
			}
			b.WriteByte(c)
		}
	}
	start := p.pos
	for p.pos < len(p.s) && (isIdentChar(p.s[p.pos]) || strings.ContainsRune("$@*-+:", rune(p.s[p.pos]))) {
		p.pos++
	}
	w := p.s[start:p.pos]
	if w == "" {
		return nil, "", &filterErr{p.pos, "value expected"}
	}
	switch strings.ToLower(w) {
	case "$true":
		return true, "True", nil
	case "$false":
		return false, "False", nil
	case "$null":
		return nil, "", nil
	}
	if f, err := strconv.ParseFloat(w, 64); err == nil {
		return f, w, nil
	}
	return w, w, nil
}

// props returns the property names the filter reads.
func (f *filterExpr) props() []string {
	var out []string
	var walk func(n *filterNode)
	walk = func(n *filterNode) {
		if n == nil {
			return
		}
		if n.op == "cmp" {
			out = append(out, n.prop)
		}
		walk(n.left)
		walk(n.right)
	}
	walk(f.root)
	return out
}

// check fails on a property the object type does not have.
func (f *filterExpr) check(known func(string) bool) *Error {
	for _, p := range f.props() {
		if !known(p) {
			return errBadRequest(excBinding, "Cannot bind parameter 'Filter' to the target. Exception setting \"Filter\": \"'%s' is not a recognized filterable property. For a list of supported properties, see the command help.\r\n\"%s\" at position 1.\"", p, f.text)
		}
	}
	return nil
}

// match evaluates the filter; get returns a property's wire value.
func (f *filterExpr) match(get func(string) any) bool {
	return evalNode(f.root, get)
}

func evalNode(n *filterNode, get func(string) any) bool {
	switch n.op {
	case "and":
		return evalNode(n.left, get) && evalNode(n.right, get)
	case "or":
		return evalNode(n.left, get) || evalNode(n.right, get)
	case "not":
		return !evalNode(n.left, get)
	}
	return compare(get(n.prop), n)
}

func isEmptyValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []string:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

func compare(v any, n *filterNode) bool {
	if n.lit == nil && n.litText == "" {
		switch n.cmp {
		case "eq":
			return isEmptyValue(v)
		case "ne":
			return !isEmptyValue(v)
		}
		return false
	}
	switch x := v.(type) {
	case []string:
		hit := slices.ContainsFunc(x, func(e string) bool { return compareScalar(e, n, true) })
		if n.cmp == "ne" || n.cmp == "notlike" {
			return !hit
		}
		return hit
	case []any:
		strs := make([]string, len(x))
		for i, e := range x {
			strs[i] = fmt.Sprint(e)
		}
		return compare(strs, n)
	}
	return compareScalar(v, n, false)
}

// compareScalar compares one value; inList makes ne/notlike test equality
// (the caller negates), since a multi-valued -ne means "no element equals".
func compareScalar(v any, n *filterNode, inList bool) bool {
	op := n.cmp
	if inList {
		switch op {
		case "ne":
			op = "eq"
		case "notlike":
			op = "like"
		}
	}
	if v == nil {
		return op == "ne" || op == "notlike"
	}
	var c int // -1, 0, 1 ordering of v against the literal
	switch x := v.(type) {
	case bool:
		lb, ok := toBool(n.lit)
		if !ok {
			lb, ok = toBool(n.litText)
		}
		if !ok {
			return op == "ne" || op == "notlike"
		}
		switch op {
		case "eq", "like":
			return x == lb
		case "ne", "notlike":
			return x != lb
		}
		return false
	case int, int64, float64, uint64:
		fv, _ := strconv.ParseFloat(fmt.Sprint(x), 64)
		lf, err := strconv.ParseFloat(n.litText, 64)
		if err != nil {
			return compareStrings(fmt.Sprint(x), n.litText, op)
		}
		switch {
		case fv < lf:
			c = -1
		case fv > lf:
			c = 1
		}
		return ordered(c, op)
	case string:
		return compareStrings(x, n.litText, op)
	}
	return compareStrings(fmt.Sprint(v), n.litText, op)
}

func compareStrings(v, lit, op string) bool {
	switch op {
	case "eq":
		return strings.EqualFold(v, lit)
	case "ne":
		return !strings.EqualFold(v, lit)
	case "like":
		return wildcard(strings.ToLower(lit), strings.ToLower(v))
	case "notlike":
		return !wildcard(strings.ToLower(lit), strings.ToLower(v))
	}
	// Dates compare as instants, whatever format the literal uses.
	if a, ok := parseFilterDate(v); ok {
		if b, ok := parseFilterDate(lit); ok {
			return ordered(a.Compare(b), op)
		}
	}
	// Numbers that are strings (sizes are not: they compare as text).
	if a, err1 := strconv.ParseFloat(v, 64); err1 == nil {
		if b, err2 := strconv.ParseFloat(lit, 64); err2 == nil {
			switch {
			case a < b:
				return ordered(-1, op)
			case a > b:
				return ordered(1, op)
			}
			return ordered(0, op)
		}
	}
	return ordered(strings.Compare(strings.ToLower(v), strings.ToLower(lit)), op)
}

func ordered(c int, op string) bool {
	switch op {
	case "gt":
		return c > 0
	case "ge":
		return c >= 0
	case "lt":
		return c < 0
	case "le":
		return c <= 0
	case "eq", "like":
		return c == 0
	case "ne", "notlike":
		return c != 0
	}
	return false
}

// wildcard matches s against a pattern where '*' is any run of characters.
func wildcard(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return strings.HasSuffix(s, last)
}

var filterDateLayouts = []string{"2006-01-02T15:04:05.0000000Z07:00", time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02",
	"1/2/2006 15:04:05", "1/2/2006 3:04:05 PM", "1/2/2006"}

func parseFilterDate(s string) (time.Time, bool) {
	if len(s) < 8 || s[0] < '0' || s[0] > '9' {
		return time.Time{}, false
	}
	for _, l := range filterDateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
