package playbook

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
)

// A typo in a property name must never pass: expr-lang reads a missing map
// key as nil, so `all(result, .AutoForwardEnabld != true)` is true for
// every object. The loader therefore records, for each expression, the
// properties it reads from the objects of a register or of result
// (`org[0].Name`, `.Prop` and `#.Prop` inside all/any/filter/map/... over
// them, first(x).Prop), and Eval refuses to run it when the objects it reads
// are not empty and none of them has the property. A property that may
// legitimately be absent is read with `?.` (`org[0]?.Prop`, `#?.Prop`) or
// listed under the step's `optional:`.

// propRef is one property read from the objects of a list in scope.
type propRef struct {
	list string // register name, or "result"
	name string // property name, as written (member access is case-sensitive)
}

// exprFacts is what the loader learns from an expression's syntax tree.
type exprFacts struct {
	props []propRef
	vars  []string // var names read: bare identifiers, vars.X, tenant.vars.X
}

// predicateBuiltins take a list and a predicate in which `#` and `.Prop`
// are an element of the list.
var predicateBuiltins = []string{"all", "any", "none", "one", "filter", "map", "count", "sum",
	"find", "findIndex", "findLast", "findLastIndex", "groupBy", "sortBy", "reduce"}

// listBuiltins return (part of) their first argument's list.
var listBuiltins = []string{"filter", "sortBy", "reverse", "uniq", "take"}

// elemBuiltins return one element of their first argument's list.
var elemBuiltins = []string{"first", "last", "find", "findLast"}

// analyze parses src (already compiled successfully, so it parses) and
// collects its facts. lists are the names holding lists of objects here
// (registers, result); optional are properties that may be absent.
func analyze(src string, lists, optional []string, itemOf string) exprFacts {
	tree, err := parser.Parse(src)
	if err != nil {
		return exprFacts{}
	}
	w := &factWalker{lists: lists, itemOf: itemOf}
	w.walk(tree.Node, "")
	var out exprFacts
	for _, p := range w.props {
		if !slices.ContainsFunc(optional, func(o string) bool { return o == p.name }) &&
			!slices.Contains(out.props, p) {
			out.props = append(out.props, p)
		}
	}
	sort.Strings(w.vars)
	out.vars = slices.Compact(w.vars)
	return out
}

type factWalker struct {
	lists  []string
	itemOf string // the register whose objects item is one of ("" = not known)
	props  []propRef
	vars   []string
}

// listOf returns the register or result whose objects n evaluates to a
// list of (or a part of), or "".
func (w *factWalker) listOf(n ast.Node) string {
	switch t := n.(type) {
	case *ast.IdentifierNode:
		if slices.Contains(w.lists, t.Value) {
			return t.Value
		}
	case *ast.BuiltinNode:
		if slices.Contains(listBuiltins, t.Name) && len(t.Arguments) > 0 {
			return w.listOf(t.Arguments[0])
		}
	case *ast.SliceNode:
		return w.listOf(t.Node)
	case *ast.ChainNode:
		return w.listOf(t.Node)
	}
	return ""
}

// elemOf returns the list whose element n is, given that `#` is an element
// of elem, or "".
func (w *factWalker) elemOf(n ast.Node, elem string) string {
	switch t := n.(type) {
	case *ast.PointerNode:
		if t.Name == "" {
			return elem
		}
	case *ast.IdentifierNode:
		if t.Value == "item" {
			return w.itemOf
		}
	case *ast.MemberNode:
		if _, named := t.Property.(*ast.StringNode); !named {
			return w.listOf(t.Node) // list[i]
		}
	case *ast.BuiltinNode:
		if slices.Contains(elemBuiltins, t.Name) && len(t.Arguments) > 0 {
			return w.listOf(t.Arguments[0])
		}
	case *ast.ChainNode:
		return w.elemOf(t.Node, elem)
	}
	return ""
}

// walk visits n; elem is the list whose element `#` stands for ("" outside
// a predicate over a register or result).
func (w *factWalker) walk(n ast.Node, elem string) {
	switch t := n.(type) {
	case nil:
	case *ast.IdentifierNode:
		w.vars = append(w.vars, t.Value)
	case *ast.MemberNode:
		if s, ok := t.Property.(*ast.StringNode); ok {
			if list := w.elemOf(t.Node, elem); list != "" && !t.Optional {
				w.props = append(w.props, propRef{list: list, name: s.Value})
			}
			if id, ok := t.Node.(*ast.IdentifierNode); ok && id.Value == "vars" {
				w.vars = append(w.vars, s.Value)
			}
			if m, ok := t.Node.(*ast.MemberNode); ok {
				if id, ok := m.Node.(*ast.IdentifierNode); ok && id.Value == "tenant" {
					if p, ok := m.Property.(*ast.StringNode); ok && p.Value == "vars" {
						w.vars = append(w.vars, s.Value)
					}
				}
			}
		}
		w.walk(t.Node, elem)
		w.walk(t.Property, elem)
	case *ast.BuiltinNode:
		inner := elem
		if slices.Contains(predicateBuiltins, t.Name) && len(t.Arguments) > 0 {
			inner = w.listOf(t.Arguments[0])
		}
		for i, a := range t.Arguments {
			if _, pred := a.(*ast.PredicateNode); pred && i > 0 {
				w.walk(a, inner)
			} else {
				w.walk(a, elem)
			}
		}
	case *ast.PredicateNode:
		w.walk(t.Node, elem)
	case *ast.UnaryNode:
		w.walk(t.Node, elem)
	case *ast.BinaryNode:
		w.walk(t.Left, elem)
		w.walk(t.Right, elem)
	case *ast.ChainNode:
		w.walk(t.Node, elem)
	case *ast.SliceNode:
		w.walk(t.Node, elem)
		w.walk(t.From, elem)
		w.walk(t.To, elem)
	case *ast.CallNode:
		if _, fn := t.Callee.(*ast.IdentifierNode); !fn { // a function's name is not a var
			w.walk(t.Callee, elem)
		}
		for _, a := range t.Arguments {
			w.walk(a, elem)
		}
	case *ast.ConditionalNode:
		w.walk(t.Cond, elem)
		w.walk(t.Exp1, elem)
		w.walk(t.Exp2, elem)
	case *ast.VariableDeclaratorNode:
		w.walk(t.Value, elem)
		w.walk(t.Expr, elem)
	case *ast.SequenceNode:
		for _, x := range t.Nodes {
			w.walk(x, elem)
		}
	case *ast.ArrayNode:
		for _, x := range t.Nodes {
			w.walk(x, elem)
		}
	case *ast.MapNode:
		for _, x := range t.Pairs {
			w.walk(x, elem)
		}
	case *ast.PairNode:
		w.walk(t.Key, elem)
		w.walk(t.Value, elem)
	}
}

// foreachSource returns the register a foreach expression's items are
// objects of (`cas`, `filter(cas, .PopEnabled)`), or "".
func foreachSource(src string, registers []string) string {
	tree, err := parser.Parse(src)
	if err != nil {
		return ""
	}
	return (&factWalker{lists: registers}).listOf(tree.Node)
}

// checkProps returns an error when an object list in scope that the value
// reads is not empty and no object in it has a property the value reads.
func (v *Value) checkProps(scope Scope) error {
	for _, p := range v.props {
		list, ok := scope[p.list].([]any)
		if !ok || len(list) == 0 {
			continue // nothing to judge by
		}
		found, objects := false, 0
		var seen []string
		for _, o := range list {
			m, ok := o.(map[string]any)
			if !ok {
				continue
			}
			objects++
			if _, ok := m[p.name]; ok {
				found = true
				break
			}
			if len(seen) == 0 {
				for k := range m {
					seen = append(seen, k)
				}
			}
		}
		if found || objects == 0 {
			continue
		}
		return fmt.Errorf("%s: property %q is in none of the %d objects of %s%s; if it may be absent, read it with ?. (e.g. #?.%s) or list it under the step's optional:",
			v.pos, p.name, len(list), p.list, didYouMeanCase(p.name, seen), p.name)
	}
	return nil
}

// didYouMeanCase is didYouMean that also points out a difference of case
// only (member access is case-sensitive; PowerShell's is not).
func didYouMeanCase(got string, candidates []string) string {
	for _, c := range candidates {
		if strings.EqualFold(c, got) {
			return fmt.Sprintf(" (did you mean %q? names are case-sensitive)", c)
		}
	}
	return didYouMean(got, candidates)
}

// RenderMessage is the assertion's message with its ${{ }} evaluated in
// scope (result included). A message whose expression fails is shown as
// written, followed by the error, so the evidence still says what failed.
func (a *Assertion) RenderMessage(scope Scope) string {
	if a.MessageValue == nil {
		return a.Message
	}
	s, err := a.MessageValue.EvalString(scope)
	if err != nil {
		return a.Message + " (message not evaluated: " + err.Error() + ")"
	}
	return s
}
