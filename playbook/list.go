package playbook

import (
	"fmt"
	"reflect"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
)

// List is a registered list that is not held in memory (the runner keeps a
// register larger than settings.register_memory_mib in its data file).
// Expressions read it through listPatch: len(reg) and reg[i] read only
// what they need; any other use of the register (filter, map, all, any,
// count, in, slices, a function argument) reads the whole list into memory
// first (Slice), for the length of that evaluation.
type List interface {
	Len() int
	// Index returns object i (0 ≤ i < Len), decoded.
	Index(i int) (any, error)
	// Slice reads every object into memory.
	Slice() ([]any, error)
}

// Names of the functions listPatch calls; like numFunc, not in any scope.
const (
	lenFunc   = "__exoplay_len"
	indexFunc = "__exoplay_index"
	listFunc  = "__exoplay_list"
)

var lenFunction = expr.Function(lenFunc, func(params ...any) (any, error) {
	if l, ok := params[0].(List); ok {
		return l.Len(), nil
	}
	rv := reflect.ValueOf(params[0])
	switch rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.String:
		return rv.Len(), nil
	}
	return nil, fmt.Errorf("invalid argument for len (type %T)", params[0])
}, new(func(any) int))

var indexFunction = expr.Function(indexFunc, func(params ...any) (any, error) {
	i, ok := toInt(params[1])
	if !ok {
		return nil, fmt.Errorf("cannot index a list with %v (type %T)", params[1], params[1])
	}
	switch t := params[0].(type) {
	case List:
		n := t.Len()
		if i < 0 {
			i += n
		}
		if i < 0 || i >= n {
			return nil, fmt.Errorf("index out of range: %v (list of %d)", params[1], n)
		}
		v, err := t.Index(i)
		return NormalizeJSON(v), err
	case []any:
		n := len(t)
		if i < 0 {
			i += n
		}
		if i < 0 || i >= n {
			return nil, fmt.Errorf("index out of range: %v (list of %d)", params[1], n)
		}
		return NormalizeJSON(t[i]), nil
	}
	return nil, fmt.Errorf("cannot index %T", params[0])
}, new(func(any, any) any))

var listFunction = expr.Function(listFunc, func(params ...any) (any, error) {
	if l, ok := params[0].(List); ok {
		return l.Slice()
	}
	return params[0], nil
}, new(func(any) []any))

func toInt(v any) (int, bool) {
	switch t := v.(type) {
	case int:
		return t, true
	case int64:
		return int(t), true
	case int32:
		return int(t), true
	case float64:
		if t == float64(int(t)) {
			return int(t), true
		}
	}
	return 0, false
}

// listPatch rewrites the reads of registers (and result) so that a List
// works where a []any does: len(x) and x[i] become calls that read only
// what they need, and every other use of x goes through listFunc (which
// returns a []any unchanged, and reads a List whole). The walk is
// post-order: an identifier is wrapped first, and its parent unwraps it
// when it is a len or an index.
type listPatch struct{ names map[string]bool }

func (p listPatch) Visit(n *ast.Node) {
	switch t := (*n).(type) {
	case *ast.IdentifierNode:
		if p.names[t.Value] {
			ast.Patch(n, &ast.CallNode{Callee: &ast.IdentifierNode{Value: listFunc}, Arguments: []ast.Node{t}})
		}
	case *ast.BuiltinNode:
		if t.Name == "len" && len(t.Arguments) == 1 {
			if id := listArg(t.Arguments[0]); id != nil {
				ast.Patch(n, &ast.CallNode{Callee: &ast.IdentifierNode{Value: lenFunc}, Arguments: []ast.Node{id}})
			}
		}
	case *ast.MemberNode:
		if t.Method {
			return
		}
		if id := listArg(t.Node); id != nil {
			ast.Patch(n, &ast.CallNode{Callee: &ast.IdentifierNode{Value: indexFunc}, Arguments: []ast.Node{id, t.Property}})
		}
	}
}

// listArg returns the register inside a listFunc call, or nil.
func listArg(n ast.Node) ast.Node {
	c, ok := n.(*ast.CallNode)
	if !ok || len(c.Arguments) != 1 {
		return nil
	}
	if id, ok := c.Callee.(*ast.IdentifierNode); !ok || id.Value != listFunc {
		return nil
	}
	return c.Arguments[0]
}
