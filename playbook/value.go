package playbook

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
)

// Scope is what an expression can see at run time: the merged vars (also at
// top level), "vars", "tenant", registered step results by name, "item"
// (foreach), "result" (assert, failed_when), "run" and, for secrets only, "env".
// Build it with Playbook.Scope, then add registers, item and result.
type Scope map[string]any

// Value is a YAML value that may contain ${{ }} expressions, compiled at load
// time. A value that is exactly one ${{ }} keeps the expression's type; inside
// a longer string it is interpolated. Maps and lists may hold expressions at
// any depth. Values are immutable and safe for concurrent use.
type Value struct {
	pos    Pos
	src    string
	kind   valueKind
	static any         // kindStatic
	prog   *vm.Program // kindExpr
	parts  []tmplPart  // kindTemplate
	items  []*Value    // kindList
	keys   []string    // kindMap
	vals   []*Value    // kindMap
	refs   []string    // top-level names the value's expressions use, sorted
	props  []propRef   // properties read from register/result objects (props.go)
}

type valueKind uint8

const (
	kindStatic valueKind = iota
	kindExpr
	kindTemplate
	kindList
	kindMap
)

// tmplPart is a literal (prog == nil) or an expression of an interpolated string.
type tmplPart struct {
	lit  string
	prog *vm.Program
}

// StaticValue wraps a plain Go value (no expression) as a Value.
func StaticValue(v any, pos Pos) *Value {
	return &Value{pos: pos, kind: kindStatic, static: v, src: fmt.Sprint(v)}
}

// Eval resolves the value in scope. Errors name the value's position.
func (v *Value) Eval(scope Scope) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch v.kind {
	case kindStatic:
		return v.static, nil
	case kindExpr:
		if err := v.checkProps(scope); err != nil {
			return nil, err
		}
		return v.run(v.prog, scope)
	case kindTemplate:
		if err := v.checkProps(scope); err != nil {
			return nil, err
		}
		var b strings.Builder
		for _, p := range v.parts {
			if p.prog == nil {
				b.WriteString(p.lit)
				continue
			}
			r, err := v.run(p.prog, scope)
			if err != nil {
				return nil, err
			}
			b.WriteString(Stringify(r))
		}
		return b.String(), nil
	case kindList:
		out := make([]any, len(v.items))
		for i, it := range v.items {
			r, err := it.Eval(scope)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case kindMap:
		out := make(map[string]any, len(v.keys))
		for i, k := range v.keys {
			r, err := v.vals[i].Eval(scope)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: unknown value kind", v.pos)
}

// run evaluates one compiled program. json.Number in cmdlet output is
// normalised inside the program, where it is read (see numberPatch).
func (v *Value) run(p *vm.Program, scope Scope) (any, error) {
	env := map[string]any(scope)
	if env == nil {
		env = map[string]any{}
	}
	r, err := expr.Run(p, env)
	if err != nil {
		return nil, fmt.Errorf("%s: evaluating %s: %s", v.pos, v.src, firstLine(err.Error()))
	}
	return r, nil
}

// NormalizeJSON returns v with every json.Number turned into an int64 (when
// integral and in range) or a float64, so expressions compare numbers as
// numbers. Maps and lists are copied only when something inside changes.
func NormalizeJSON(v any) any {
	out, _ := normalize(v)
	return out
}

func normalize(v any) (any, bool) {
	switch t := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return i, true
		}
		if f, err := t.Float64(); err == nil {
			return f, true
		}
		return string(t), true
	case []any:
		var out []any
		for i, e := range t {
			n, changed := normalize(e)
			if changed && out == nil {
				out = make([]any, len(t))
				copy(out, t)
			}
			if out != nil {
				out[i] = n
			}
		}
		if out == nil {
			return t, false
		}
		return out, true
	case map[string]any:
		var out map[string]any
		for k, e := range t {
			n, changed := normalize(e)
			if changed && out == nil {
				out = make(map[string]any, len(t))
				for k2, e2 := range t {
					out[k2] = e2
				}
			}
			if out != nil {
				out[k] = n
			}
		}
		if out == nil {
			return t, false
		}
		return out, true
	}
	return v, false
}

// EvalBool resolves a condition; anything but a boolean is an error.
func (v *Value) EvalBool(scope Scope) (bool, error) {
	r, err := v.Eval(scope)
	if err != nil {
		return false, err
	}
	b, ok := r.(bool)
	if !ok {
		return false, fmt.Errorf("%s: %s gave %s, want true or false", v.pos, v.src, describe(r))
	}
	return b, nil
}

// EvalList resolves a foreach list; nil gives an empty list, a single
// mapping gives a list of one.
func (v *Value) EvalList(scope Scope) ([]any, error) {
	r, err := v.Eval(scope)
	if err != nil {
		return nil, err
	}
	switch t := r.(type) {
	case nil:
		return nil, nil
	case []any:
		return t, nil
	case map[string]any:
		return []any{t}, nil
	case List:
		return t.Slice()
	}
	// Typed slices from expressions (1..10 gives []int, map() may give
	// []string or []map[string]any).
	if rv := reflect.ValueOf(r); rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = rv.Index(i).Interface()
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: %s gave %s, want a list", v.pos, v.src, describe(r))
}

// ListRef returns the List the value names when it is exactly one
// register (foreach: ${{ mailboxes }}) kept on disk, so a foreach can read
// its items one at a time instead of through EvalList, which reads it whole.
func (v *Value) ListRef(scope Scope) (List, bool) {
	if v == nil || v.kind != kindExpr || v.prog == nil {
		return nil, false
	}
	id, ok := listArg(v.prog.Node()).(*ast.IdentifierNode)
	if !ok {
		return nil, false
	}
	l, ok := scope[id.Value].(List)
	return l, ok
}

// EvalString resolves a value that must be text (numbers and booleans are
// formatted; lists and maps are an error).
func (v *Value) EvalString(scope Scope) (string, error) {
	r, err := v.Eval(scope)
	if err != nil {
		return "", err
	}
	switch r.(type) {
	case []any, map[string]any:
		return "", fmt.Errorf("%s: %s gave %s, want text", v.pos, v.src, describe(r))
	}
	return Stringify(r), nil
}

// IsStatic reports whether the value contains no expression.
func (v *Value) IsStatic() bool { return v == nil || !v.hasExpr() }

func (v *Value) hasExpr() bool {
	switch v.kind {
	case kindExpr, kindTemplate:
		return true
	case kindList:
		for _, it := range v.items {
			if it.hasExpr() {
				return true
			}
		}
	case kindMap:
		for _, it := range v.vals {
			if it.hasExpr() {
				return true
			}
		}
	}
	return false
}

// Pos is where the value was written.
func (v *Value) Pos() Pos {
	if v == nil {
		return Pos{}
	}
	return v.pos
}

// Source is the value as written, for plans and messages.
func (v *Value) Source() string {
	if v == nil {
		return ""
	}
	return v.src
}

// Refs lists the top-level names (vars, registers, item, result, tenant,
// run, env) the value's expressions read. The runner uses it to tell
// whether a when depends on item, and plan to tell what it can resolve.
func (v *Value) Refs() []string {
	if v == nil {
		return nil
	}
	return v.refs
}

// Uses reports whether the value's expressions read name.
func (v *Value) Uses(name string) bool {
	return slices.Contains(v.Refs(), name)
}

// Stringify formats an expression result for interpolation into text:
// strings as is, nil as "", whole floats without a fraction, lists and maps
// as JSON.
func Stringify(r any) string {
	switch t := r.(type) {
	case nil:
		return ""
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(t), 'f', -1, 32)
	case bool, int, int64, int32, uint, uint64, json.Number:
		return fmt.Sprint(t)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Sprint(r)
	}
	return string(b)
}

func describe(r any) string {
	switch t := r.(type) {
	case nil:
		return "nothing (nil)"
	case string:
		return fmt.Sprintf("the text %q", truncate(t, 40))
	case bool:
		return fmt.Sprintf("%v", t)
	case []any:
		return fmt.Sprintf("a list of %d", len(t))
	case map[string]any:
		return "a mapping"
	}
	if rv := reflect.ValueOf(r); rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		return fmt.Sprintf("a list of %d (%T)", rv.Len(), r)
	}
	return fmt.Sprintf("%s (%T)", truncate(fmt.Sprint(r), 40), r)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
