package playbook

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/types"
	"github.com/expr-lang/expr/vm"
	"gopkg.in/yaml.v3"
)

const (
	exprOpen  = "${{"
	exprClose = "}}"
)

// Names with a fixed meaning in expressions; vars and registers may not use them.
var reservedNames = []string{"vars", "tenant", "run", "env", "item", "result"}

// exprScope describes what an expression may name where it is written; it
// mirrors what the runner puts in Scope at that point.
type exprScope struct {
	vars      []string       // top-level var names (playbook, tenants, --var)
	registers []string       // registers of earlier steps
	later     map[string]Pos // registers of this and later steps, for a precise hint
	item      bool           // inside a foreach step
	result    bool           // assert, failed_when, changed_when
	env       bool           // secret fields only
	optional  []string       // properties the step marks optional (props.go)
	itemOf    string         // the register whose objects foreach's items are (props.go)
	typeMap   types.Map      // built lazily by types()
}

var (
	tenantType = types.Map{
		"name": types.String, "organization": types.String, "tenant_id": types.String,
		"environment": types.String, "groups": types.Array(types.String),
		"vars": types.Map{types.Extra: types.Any},
	}
	runType = types.Map{"id": types.String, "mode": types.String, "check": types.Bool, "playbook": types.String}
)

func (s *exprScope) types() types.Map {
	if s.typeMap != nil {
		return s.typeMap
	}
	m := types.Map{}
	for _, v := range s.vars {
		m[v] = types.Any
	}
	for _, r := range s.registers {
		m[r] = types.Array(types.Any)
	}
	m["vars"] = types.Map{types.Extra: types.Any}
	m["tenant"] = tenantType
	m["run"] = runType
	if s.item {
		m["item"] = types.Any
	}
	if s.result {
		m["result"] = types.Array(types.Any)
	}
	if s.env {
		m["env"] = types.Map{types.Extra: types.String}
	}
	s.typeMap = m
	return m
}

// with returns a copy of s with item/result set (the type map is rebuilt).
func (s exprScope) with(item, result bool) *exprScope {
	s.item, s.result, s.typeMap = item, result, nil
	return &s
}

// compiler turns YAML nodes into Values, reporting problems to d.
type compiler struct {
	d        *diags
	varReads map[string]bool // every var name an expression reads (CheckVars)
}

// value converts n into a Value compiled for scope sc.
func (c *compiler) value(n *node, sc *exprScope) *Value {
	switch n.kind {
	case mapNode:
		v := &Value{pos: n.pos, kind: kindMap}
		parts := make([]string, len(n.keys))
		for i, k := range n.keys {
			child := c.value(n.vals[i], sc)
			v.keys = append(v.keys, k.value)
			v.vals = append(v.vals, child)
			v.refs = mergeRefs(v.refs, child.refs)
			parts[i] = k.value + ": " + child.src
		}
		v.src = "{" + strings.Join(parts, ", ") + "}"
		return v.collapse()
	case seqNode:
		v := &Value{pos: n.pos, kind: kindList}
		parts := make([]string, len(n.items))
		for i, it := range n.items {
			child := c.value(it, sc)
			v.items = append(v.items, child)
			v.refs = mergeRefs(v.refs, child.refs)
			parts[i] = child.src
		}
		v.src = "[" + strings.Join(parts, ", ") + "]"
		return v.collapse()
	}
	if n.tag != "!!str" || !strings.Contains(n.value, exprOpen) {
		return &Value{pos: n.pos, kind: kindStatic, static: n.plain(), src: n.value}
	}
	return c.template(n, sc, nil)
}

// collapse turns a list or map without expressions into one static value.
func (v *Value) collapse() *Value {
	if v.hasExpr() {
		return v
	}
	plain := func(x *Value) any { return x.static }
	switch v.kind {
	case kindList:
		l := make([]any, len(v.items))
		for i, it := range v.items {
			l[i] = plain(it)
		}
		return &Value{pos: v.pos, kind: kindStatic, static: l, src: v.src}
	case kindMap:
		m := make(map[string]any, len(v.keys))
		for i, k := range v.keys {
			m[k] = plain(v.vals[i])
		}
		return &Value{pos: v.pos, kind: kindStatic, static: m, src: v.src}
	}
	return v
}

// boolValue compiles a condition: true/false or one whole ${{ }} expression.
func (c *compiler) boolValue(n *node, sc *exprScope, field string) *Value {
	if n.kind == scalarNode && n.tag == "!!bool" {
		return &Value{pos: n.pos, kind: kindStatic, static: n.plain(), src: n.value}
	}
	if n.kind == scalarNode && n.tag == "!!str" {
		if _, whole := wholeExpr(n.value); whole {
			return c.template(n, sc, expr.AsBool())
		}
	}
	c.d.add(n.pos, "%s must be true, false or one ${{ }} expression, not %s", field, describeNode(n))
	return nil
}

// listValue compiles a foreach source: a YAML list or one whole ${{ }} expression.
func (c *compiler) listValue(n *node, sc *exprScope, field string) *Value {
	if n.kind == seqNode {
		return c.value(n, sc)
	}
	if n.kind == scalarNode && n.tag == "!!str" {
		if _, whole := wholeExpr(n.value); whole {
			return c.template(n, sc, nil)
		}
	}
	c.d.add(n.pos, "%s must be a list or one ${{ }} expression, not %s", field, describeNode(n))
	return nil
}

func describeNode(n *node) string {
	if n.kind == scalarNode && n.tag == "!!str" {
		return fmt.Sprintf("the text %q", truncate(n.value, 40))
	}
	return n.kindName()
}

// wholeExpr reports whether s is exactly one ${{ }} (surrounding blanks allowed).
func wholeExpr(s string) (string, bool) {
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, exprOpen) || !strings.HasSuffix(t, exprClose) {
		return "", false
	}
	inner := t[len(exprOpen) : len(t)-len(exprClose)]
	if strings.Contains(inner, exprOpen) || strings.Contains(inner, exprClose) {
		return "", false
	}
	return inner, true
}

// template compiles a string holding ${{ }}: whole (keeps its type) or interpolated.
func (c *compiler) template(n *node, sc *exprScope, opt expr.Option) *Value {
	v := &Value{pos: n.pos, src: n.value}
	if inner, whole := wholeExpr(n.value); whole {
		off := strings.Index(n.value, exprOpen) + len(exprOpen)
		v.kind = kindExpr
		v.prog, v.refs, v.props = c.compile(n, off, inner, sc, opt)
		return v
	}
	v.kind = kindTemplate
	s, base := n.value, 0
	for {
		i := strings.Index(s, exprOpen)
		if i < 0 {
			if s != "" {
				v.parts = append(v.parts, tmplPart{lit: s})
			}
			break
		}
		if i > 0 {
			v.parts = append(v.parts, tmplPart{lit: s[:i]})
		}
		rest := s[i+len(exprOpen):]
		j := strings.Index(rest, exprClose)
		if j < 0 {
			c.d.add(c.offsetPos(n, base+i), "unterminated %s: add the closing %s", exprOpen, exprClose)
			return v
		}
		prog, refs, props := c.compile(n, base+i+len(exprOpen), rest[:j], sc, nil)
		v.parts = append(v.parts, tmplPart{prog: prog})
		v.refs = mergeRefs(v.refs, refs)
		v.props = append(v.props, props...)
		consumed := i + len(exprOpen) + j + len(exprClose)
		s, base = s[consumed:], base+consumed
	}
	return v
}

// offsetPos is the file position of byte off of a scalar's value, exact for
// single-line plain and quoted scalars and the scalar's start otherwise.
func (c *compiler) offsetPos(n *node, off int) Pos {
	p := n.pos
	off = max(off, 0) // an error inside a wrapper the loader added (expect.go)
	if strings.ContainsRune(n.value[:min(off, len(n.value))], '\n') {
		return p
	}
	switch n.style {
	case 0, yaml.FlowStyle:
		p.Col += off
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		if !strings.ContainsAny(n.value[:min(off, len(n.value))], `"'\`) {
			p.Col += off + 1
		}
	}
	return p
}

func (c *compiler) compile(n *node, off int, src string, sc *exprScope, opt expr.Option) (*vm.Program, []string, []propRef) {
	if strings.TrimSpace(src) == "" {
		c.d.add(c.offsetPos(n, off), "empty ${{ }} expression")
		return nil, nil, nil
	}
	if msg := exprShapeProblem(src); msg != "" {
		c.d.add(c.offsetPos(n, off), "%s", msg)
		return nil, nil, nil
	}
	env := expr.Env(sc.types())
	var prog *vm.Program
	var err error
	if opt != nil {
		// Compile with the kind option only to have it checked (e.g. a
		// condition that is a number); the program run is the plain one, so
		// that EvalBool reports a wrong run-time type in its own words.
		_, err = expr.Compile(src, env, opt)
	}
	if err == nil {
		prog, err = expr.Compile(src, env, numFunction, daysFunction, lenFunction, indexFunction, listFunction,
			expr.Patch(listPatch{names: sc.listNames()}), expr.Patch(numberPatch{}))
	}
	if err != nil {
		var fe *file.Error
		msg, col := firstLine(err.Error()), 0
		if errors.As(err, &fe) {
			msg, col = fe.Message, fe.Column
			if fe.Line > 1 {
				col = 0
			}
		}
		c.d.add(c.offsetPos(n, off+col), "%s", sc.explain(msg, src))
		return nil, nil, nil
	}
	lists := sc.registers
	if sc.result {
		lists = append(slices.Clip(lists), "result")
	}
	facts := analyze(src, lists, sc.optional, sc.itemOf)
	if c.varReads == nil {
		c.varReads = map[string]bool{}
	}
	for _, name := range facts.vars {
		c.varReads[name] = true
	}
	return prog, collectRefs(prog, sc.types()), facts.props
}

// isEnvRef reports whether src is exactly "env.NAME" (blanks around allowed).
func isEnvRef(src string) bool {
	name, ok := strings.CutPrefix(strings.TrimSpace(src), "env.")
	if !ok || name == "" {
		return false
	}
	for i, r := range name {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// listNames are the names listPatch rewrites: registers and result, the
// names whose value may be a List.
func (s *exprScope) listNames() map[string]bool {
	m := make(map[string]bool, len(s.registers)+1)
	for _, r := range s.registers {
		m[r] = true
	}
	if s.result {
		m["result"] = true
	}
	return m
}

// explain rewrites expr-lang's "unknown name x" into a message that says
// why x is not available here.
func (s *exprScope) explain(msg, src string) string {
	name, ok := strings.CutPrefix(msg, "unknown name ")
	if !ok {
		return fmt.Sprintf("expression %q: %s", strings.TrimSpace(src), msg)
	}
	switch {
	case name == "item":
		return `"item" is only defined in a step with foreach`
	case name == "result":
		return `"result" is only defined in assert, failed_when and changed_when`
	case name == "env":
		return `"env" is only available in secret fields (client_secret, certificate_password, password, access_token, refresh_token)`
	}
	if p, ok := s.later[name]; ok {
		return fmt.Sprintf("%q is registered by a step at line %d; only registers of earlier steps are defined here", name, p.Line)
	}
	known := slices.Sorted(maps.Keys(s.types()))
	return fmt.Sprintf("unknown name %q in expression%s; defined here: %s", name, didYouMean(name, known), strings.Join(known, ", "))
}

// numFunc is the function numberPatch wraps reads in; the name cannot
// clash with a var in practice and is not in any scope's type map.
const numFunc = "__exoplay_num"

// numFunction turns json.Number into int64 or float64 (deeply, copying
// only what changes), so that cmdlet output decoded either way compares as
// numbers.
var numFunction = expr.Function(numFunc, func(params ...any) (any, error) {
	return NormalizeJSON(params[0]), nil
}, new(func(any) any))

// numberPatch wraps every read of a value whose type is unknown at load
// time (a var, item, a register's element or field, a predicate's #) in
// numFunc. Numbers are normalised where an expression reads them, at the
// cost of what it reads, instead of scanning every scope value the
// expression names on each evaluation (a when over a 10,000-object
// register inside a foreach scanned the register once per item). Reads of
// known types (tenant.name, a register as a whole) keep their type checks.
type numberPatch struct{}

func (numberPatch) Visit(n *ast.Node) {
	switch (*n).(type) {
	case *ast.IdentifierNode, *ast.MemberNode, *ast.PointerNode:
	default:
		return
	}
	if t := (*n).Type(); t != nil && t.Kind() != reflect.Interface {
		return
	}
	ast.Patch(n, &ast.CallNode{Callee: &ast.IdentifierNode{Value: numFunc}, Arguments: []ast.Node{*n}})
}

type refCollector struct {
	env  types.Map
	refs []string
}

func (r *refCollector) Visit(n *ast.Node) {
	if id, ok := (*n).(*ast.IdentifierNode); ok {
		if _, known := r.env[id.Value]; known {
			r.refs = mergeRefs(r.refs, []string{id.Value})
		}
	}
}

func collectRefs(p *vm.Program, env types.Map) []string {
	rc := &refCollector{env: env}
	node := p.Node()
	ast.Walk(&node, rc)
	return rc.refs
}

// mergeRefs returns the sorted union of a and b.
func mergeRefs(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	out := append(append([]string(nil), a...), b...)
	slices.Sort(out)
	return slices.Compact(out)
}
