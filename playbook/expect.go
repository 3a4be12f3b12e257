package playbook

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/expr-lang/expr/ast"
)

// Assertions that explain themselves: the expect: forms over a list (each,
// any, none, count), applies_when (not_applicable), manual controls, and a
// control's descriptive fields. The runner evaluates them (runner/expect.go)
// and reports the objects that fail, with their identity and the values the
// condition read.
//
//	assert:
//	  - id: MS.EXO.1.1
//	    title: Automatic forwarding to external domains disabled
//	    severity: high
//	    expect:
//	      each: ${{ .AutoForwardEnabled == false }}
//	      identity: DomainName
//	    applies_when: ${{ true }}

// Expectation forms.
const (
	ExpectEach  = "each"
	ExpectAny   = "any"
	ExpectNone  = "none"
	ExpectCount = "count"
)

var (
	expectForms = []string{ExpectEach, ExpectAny, ExpectNone, ExpectCount}
	expectKeys  = append(slices.Clone(expectForms), "over", "identity", "min", "max")
	// controlKeys are the assertion keys beyond id/that/message/severity.
	controlKeys = []string{"title", "expect", "applies_when", "manual", "strength", "rationale", "remediation", "refs", "tags"}
	strengths   = []string{"shall", "should"}
)

// expectOver is the name the list is bound to while a condition runs; it is
// in no user-visible scope.
const expectOver = "__exoplay_expect_over"

// Expect is a condition over every object of a list.
type Expect struct {
	Form     string // each | any | none | count
	Over     *Value // list; nil = the step's result
	Cond     *Value // per object: a program that maps the list to booleans
	Identity string // property that names an object; "" = Identity, then Name
	Min, Max *int   // count bounds
	Props    []string
	Pos      Pos

	src string // the condition as written, inside ${{ }}
}

// Control holds an assertion's descriptive fields (shown by reports and
// `exoplay baseline show`; they never change a verdict).
type Control struct {
	Title          string
	Strength       string // shall | should
	Rationale      string
	Remediation    string // the cmdlet line that fixes it
	RemediationURL string
	Refs           []string // cross-references: CIS numbers, Maester ids, ...
	Tags           []string
}

// Condition is the condition as written (without ${{ }}).
func (e *Expect) Condition() string { return e.src }

// Expected says in words what passes.
func (e *Expect) Expected() string {
	switch e.Form {
	case ExpectEach:
		return "every object: " + e.src
	case ExpectAny:
		return "at least one object: " + e.src
	case ExpectNone:
		return "no object: " + e.src
	}
	switch {
	case e.Min != nil && e.Max != nil:
		return fmt.Sprintf("between %d and %d objects: %s", *e.Min, *e.Max, e.src)
	case e.Min != nil:
		return fmt.Sprintf("at least %d objects: %s", *e.Min, e.src)
	}
	return fmt.Sprintf("at most %d objects: %s", *e.Max, e.src)
}

// Outcome is an expectation's verdict over a list.
type Outcome struct {
	Pass    bool
	Total   int   // objects examined
	Matched int   // objects the condition holds for
	Failing []int // indices of the objects that fail (each: the non-matching; none, count over max: the matching)
	Actual  string
}

// Check evaluates the expectation over objs with scope (the assertion's
// scope: vars, registers, tenant, result).
func (e *Expect) Check(scope Scope, objs []any) (Outcome, error) {
	s := make(Scope, len(scope)+1)
	for k, v := range scope {
		s[k] = v
	}
	s[expectOver] = objs
	r, err := e.Cond.Eval(s)
	if err != nil {
		return Outcome{}, errors.New(strings.ReplaceAll(err.Error(), expectOver, "the checked list"))
	}
	bools, ok := r.([]any)
	if !ok || len(bools) != len(objs) {
		return Outcome{}, fmt.Errorf("%s: the condition gave %s, not one true/false per object", e.Pos, describe(r))
	}
	o := Outcome{Total: len(objs)}
	var match, miss []int
	for i, b := range bools {
		v, isBool := b.(bool)
		if !isBool {
			return Outcome{}, fmt.Errorf("%s: the condition %s gave %s for object %d, not true or false", e.Pos, e.src, describe(b), i+1)
		}
		if v {
			match = append(match, i)
		} else {
			miss = append(miss, i)
		}
	}
	o.Matched = len(match)
	switch e.Form {
	case ExpectEach:
		o.Pass, o.Failing = len(miss) == 0, miss
		o.Actual = fmt.Sprintf("%d of %d objects fail", len(miss), len(objs))
	case ExpectAny:
		o.Pass = len(match) > 0
		o.Actual = fmt.Sprintf("%d of %d objects match", len(match), len(objs))
	case ExpectNone:
		o.Pass, o.Failing = len(match) == 0, match
		o.Actual = fmt.Sprintf("%d of %d objects match", len(match), len(objs))
	case ExpectCount:
		low := e.Min != nil && len(match) < *e.Min
		high := e.Max != nil && len(match) > *e.Max
		o.Pass = !low && !high
		if high {
			o.Failing = match
		}
		o.Actual = fmt.Sprintf("%d of %d objects match", len(match), len(objs))
	}
	return o, nil
}

// expect decodes an assertion's expect: mapping.
func (l *loader) expect(n *node, what string, sc *exprScope) *Expect {
	f := l.fields(n, what, expectKeys...)
	if f == nil {
		return nil
	}
	e := &Expect{Pos: n.pos}
	var cn *node
	for _, form := range expectForms {
		if c := f.get(form); c != nil {
			if cn != nil {
				l.d.add(c.pos, "expect takes one of each, any, none or count; %s already given", e.Form)
				continue
			}
			e.Form, cn = form, c
		}
	}
	if cn == nil {
		l.d.add(n.pos, "%s needs one of each, any, none or count (a condition per object, e.g. each: ${{ .Enabled == true }})", what)
		return nil
	}
	if v, ok := f.integer("min", 0, 1<<30); ok {
		e.Min = &v
	}
	if v, ok := f.integer("max", 0, 1<<30); ok {
		e.Max = &v
	}
	if e.Form == ExpectCount && e.Min == nil && e.Max == nil {
		l.d.add(cn.pos, "count needs min, max or both")
	}
	if e.Form != ExpectCount {
		for _, k := range []string{"min", "max"} {
			if kn := f.get(k); kn != nil {
				l.d.add(kn.pos, "%s applies to count only, not to %s", k, e.Form)
			}
		}
	}
	if e.Min != nil && e.Max != nil && *e.Min > *e.Max {
		l.d.add(f.get("min").pos, "min %d is above max %d", *e.Min, *e.Max)
	}
	e.Identity, _ = f.str("identity")
	if on := f.get("over"); on != nil {
		e.Over = l.c.listValue(on, sc, "over")
	}
	e.Cond = l.condition(cn, e, sc)
	if e.Cond == nil {
		return nil
	}
	return e
}

// condition compiles a per-object condition as the predicate of map() over
// the list, so that .Property and # mean the object as in all(result, ...).
func (l *loader) condition(n *node, e *Expect, sc *exprScope) *Value {
	inner, whole := "", false
	if n.kind == scalarNode && n.tag == "!!str" {
		inner, whole = wholeExpr(n.value)
	}
	if !whole {
		l.d.add(n.pos, "%s must be one ${{ }} expression over an object, e.g. ${{ .Enabled == true }}, not %s", e.Form, describeNode(n))
		return nil
	}
	if strings.TrimSpace(inner) == "" {
		l.d.add(n.pos, "empty ${{ }} expression")
		return nil
	}
	e.src = strings.TrimSpace(inner)
	prefix := "map(" + expectOver + ", "
	off := strings.Index(n.value, exprOpen) + len(exprOpen)
	// The list is a register here, so that the property reads of the
	// condition are checked against its objects (props.go) like any other.
	inScope := *sc
	inScope.registers = append(slices.Clone(sc.registers), expectOver)
	inScope.typeMap = nil
	before := len(l.d.list)
	wrapped := prefix + inner + ")"
	prog, refs, props := l.c.compile(n, off-len(prefix), wrapped, &inScope, nil)
	if prog == nil {
		for i := before; i < len(l.d.list); i++ { // say what the user wrote, not the wrapper
			l.d.list[i].Message = strings.ReplaceAll(l.d.list[i].Message, strings.TrimSpace(wrapped), e.src)
		}
		return nil
	}
	refs = slices.DeleteFunc(refs, func(r string) bool { return r == expectOver })
	e.Props = elementProps(prog.Node())
	return &Value{pos: n.pos, kind: kindExpr, prog: prog, refs: refs, props: props, src: n.value}
}

// elementProps lists the properties a condition reads from its object
// (.Name), in order: the values a failing object is reported with.
// A name bound to the object with let (let p = #; p.Name) counts as the
// object too.
func elementProps(root ast.Node) []string {
	a := &aliasVisitor{}
	ast.Walk(&root, a)
	v := &propVisitor{aliases: a.names}
	ast.Walk(&root, v)
	return v.props
}

type aliasVisitor struct{ names []string }

func (a *aliasVisitor) Visit(n *ast.Node) {
	if d, ok := (*n).(*ast.VariableDeclaratorNode); ok && isElement(d.Value) {
		a.names = append(a.names, d.Name)
	}
}

type propVisitor struct {
	aliases []string
	props   []string
}

func (p *propVisitor) Visit(n *ast.Node) {
	m, ok := (*n).(*ast.MemberNode)
	if !ok {
		return
	}
	target := m.Node
	if c, ok := target.(*ast.CallNode); ok && len(c.Arguments) == 1 {
		if id, ok := c.Callee.(*ast.IdentifierNode); ok && id.Value == numFunc {
			target = c.Arguments[0]
		}
	}
	id, named := target.(*ast.IdentifierNode)
	if !isElement(target) && !(named && slices.Contains(p.aliases, id.Value)) {
		return
	}
	if s, ok := m.Property.(*ast.StringNode); ok && !slices.Contains(p.props, s.Value) {
		p.props = append(p.props, s.Value)
	}
}

// isElement reports whether n is the closure's element (#), possibly
// wrapped by the number patch.
func isElement(n ast.Node) bool {
	switch x := n.(type) {
	case *ast.PointerNode:
		return x.Name == ""
	case *ast.CallNode:
		if id, ok := x.Callee.(*ast.IdentifierNode); ok && id.Value == numFunc && len(x.Arguments) == 1 {
			return isElement(x.Arguments[0])
		}
	}
	return false
}

// control decodes the descriptive and control keys of an assertion.
func (l *loader) control(f *fieldSet, a *Assertion, sc *exprScope) {
	what := fmt.Sprintf("expect of assertion %q", a.ID)
	if en := f.get("expect"); en != nil {
		a.Expect = l.expect(en, what, sc)
	}
	if an := f.get("applies_when"); an != nil {
		a.AppliesWhen = l.c.boolValue(an, sc, "applies_when")
	}
	a.Manual, _ = f.str("manual")
	if mn := f.get("manual"); mn != nil && strings.TrimSpace(a.Manual) == "" {
		l.d.add(mn.pos, "manual needs the reason the control is checked by hand")
	}
	given := 0
	for _, k := range []string{"that", "expect", "manual"} {
		if f.has(k) {
			given++
		}
	}
	switch {
	case given == 0:
		l.d.add(f.n.pos, "assertion %q needs one of that, expect or manual", a.ID)
	case given > 1:
		l.d.add(f.n.pos, "assertion %q takes only one of that, expect and manual", a.ID)
	}
	c := &a.Control
	c.Title, _ = f.str("title")
	c.Strength, _ = f.enum("strength", strengths...)
	c.Rationale, _ = f.str("rationale")
	c.Refs, _ = f.strList("refs", true)
	c.Tags, _ = f.strList("tags", true)
	if rn := f.get("remediation"); rn != nil {
		rf := l.fields(rn, fmt.Sprintf("remediation of assertion %q", a.ID), "cmdlet", "url")
		if rf != nil {
			c.Remediation, _ = rf.str("cmdlet")
			c.RemediationURL, _ = rf.str("url")
		}
	}
}

// Controls lists every assertion of the playbook with its step, in order.
func (pb *Playbook) Controls() []ControlRef {
	var out []ControlRef
	for _, st := range pb.Steps {
		for i := range st.Assert {
			out = append(out, ControlRef{Step: st, Assertion: &st.Assert[i]})
		}
	}
	return out
}

// ControlRef is an assertion and the step that reads its data.
type ControlRef struct {
	Step      *Step
	Assertion *Assertion
}
