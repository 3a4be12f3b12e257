package playbook

import "errors"

// Scope is what an expression can see at run time: the merged vars (also at
// top level), "vars", "tenant", registered step results by name, "item"
// (foreach), "result" (assert, failed_when), "run" and, for secrets only, "env".
type Scope map[string]any

// Value is a YAML value that may contain ${{ }} expressions, compiled at load
// time. A value that is exactly one ${{ }} keeps the expression's type; inside
// a longer string it is interpolated. Maps and lists may hold expressions at
// any depth.
//
// Contract used by the runner and the CLI (the implementation is the
// playbook package's own business):
//
//	Eval(scope) (any, error)   the resolved value
//	IsStatic() bool            true when it holds no expression
//	Pos() Pos                  where it was written
//	Source() string            the text as written, for plans and messages
type Value struct {
	pos Pos
	raw any
}

// Eval resolves the value in scope.
func (v *Value) Eval(scope Scope) (any, error) {
	return nil, errors.New("expressions are not implemented yet")
}

// IsStatic reports whether the value contains no expression.
func (v *Value) IsStatic() bool { return false }

// Pos is where the value was written.
func (v *Value) Pos() Pos { return v.pos }

// Source is the value as written.
func (v *Value) Source() string { return "" }
