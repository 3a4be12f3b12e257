package playbook

import (
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// stepValue loads a one-step playbook and returns the named parameter.
func paramValue(t *testing.T, vars, param string) *Value {
	t.Helper()
	src := "version: 1\nvars:\n" + vars + "\nsteps:\n  - cmdlet: Get-Mailbox\n    register: mbx\n  - cmdlet: Set-Mailbox\n    unchecked: true\n    foreach: ${{ mbx }}\n    parameters:\n      P: " + param + "\n"
	pb, err := Parse("p.yaml", []byte(src), LoadOptions{})
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, src)
	}
	return pb.Steps[1].Parameters[0].Value
}

func TestWholeExpressionKeepsType(t *testing.T) {
	scope := Scope{
		"n": 3, "flag": true, "list": []any{"a", "b"}, "m": map[string]any{"k": 1},
		"vars": map[string]any{}, "mbx": []any{}, "item": map[string]any{"Name": "x"},
	}
	vars := "  n: 3\n  flag: true\n  list: [a, b]\n  m: {k: 1}"
	cases := []struct {
		src  string
		want any
	}{
		{"${{ n }}", 3},
		{"${{ n + 1 }}", 4},
		{"${{ flag }}", true},
		{`"${{ flag }}"`, true}, // quoting does not change it: still exactly one expression
		{"${{ list }}", []any{"a", "b"}},
		{"${{ m }}", map[string]any{"k": 1}},
		{`"n=${{ n }} flag=${{ flag }}"`, "n=3 flag=true"},
		{`"${{ item.Name }}@contoso.com"`, "x@contoso.com"},
		{`"${{ list }}"`, []any{"a", "b"}},
		{`"list=${{ list }}"`, `list=["a","b"]`},
		{"[a, '${{ n }}']", []any{"a", 3}},
		{"{Add: ['${{ item.Name }}'], Remove: []}", map[string]any{"Add": []any{"x"}, "Remove": []any{}}},
		{"plain text", "plain text"},
		{"42", 42},
	}
	for _, c := range cases {
		v := paramValue(t, vars, c.src)
		got, err := v.Eval(scope)
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.src, got, c.want)
		}
	}
}

func TestStaticAndRefs(t *testing.T) {
	v := paramValue(t, "  n: 1", "{A: 1, B: [x, y]}")
	if !v.IsStatic() || len(v.Refs()) != 0 {
		t.Errorf("static map: IsStatic=%v refs=%v", v.IsStatic(), v.Refs())
	}
	v = paramValue(t, "  n: 1", `{A: "${{ item.Name }}", B: "${{ n }}", C: "${{ vars.n + len(mbx) }}"}`)
	if v.IsStatic() {
		t.Error("a map holding expressions is not static")
	}
	if got, want := v.Refs(), []string{"item", "mbx", "n", "vars"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Refs = %v, want %v", got, want)
	}
	if !v.Uses("item") || v.Uses("result") {
		t.Errorf("Uses(item)=%v Uses(result)=%v", v.Uses("item"), v.Uses("result"))
	}
	if v.Source() != `{A: ${{ item.Name }}, B: ${{ n }}, C: ${{ vars.n + len(mbx) }}}` {
		t.Errorf("Source = %q", v.Source())
	}
}

func TestJSONNumbersCompareAsNumbers(t *testing.T) {
	src := "version: 1\nsteps:\n  - cmdlet: Get-Mailbox\n    assert:\n      - that: ${{ all(result, .Size > 5 && .Count == 2) }}\n"
	pb, err := Parse("p.yaml", []byte(src), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	that := pb.Steps[0].Assert[0].That
	for _, result := range [][]any{
		{map[string]any{"Size": json.Number("10.5"), "Count": json.Number("2")}},
		{map[string]any{"Size": 10.5, "Count": 2.0}},
	} {
		ok, err := that.EvalBool(Scope{"result": result})
		if err != nil || !ok {
			t.Errorf("result %#v: got %v, %v; want true", result, ok, err)
		}
	}
	// The caller's data is not modified.
	orig := []any{map[string]any{"Size": json.Number("1"), "Count": json.Number("2")}}
	if ok, err := that.EvalBool(Scope{"result": orig}); err != nil || ok {
		t.Errorf("got %v, %v; want false", ok, err)
	}
	if _, isNum := orig[0].(map[string]any)["Size"].(json.Number); !isNum {
		t.Error("NormalizeJSON changed the caller's map")
	}
}

// TestJSONNumbersWhereverRead covers the places an expression reads cmdlet
// output: the item itself, fields, indexes, optional chains, predicates,
// builtins over mapped lists and let bindings.
func TestJSONNumbersWhereverRead(t *testing.T) {
	for _, c := range []struct {
		expr string
		item any
	}{
		{"item + 1 == 8", json.Number("7")},
		{"max(item, 2) == 7", json.Number("7")},
		{"item?.A?.B == 2", map[string]any{"A": map[string]any{"B": json.Number("2")}}},
		{"(item?.Missing ?? 3) == 3", map[string]any{}},
		{"item.Sizes[1] > 1", map[string]any{"Sizes": []any{json.Number("1"), json.Number("1.5")}}},
		{"sum(item.Sizes) == 2.5", map[string]any{"Sizes": []any{json.Number("1"), json.Number("1.5")}}},
		{"mbx[0].Size > 5", nil},
		{"sum(map(mbx, .Size)) == 10.5", nil},
		{"2 in map(mbx, .Count)", nil},
		{"all(mbx, #.Count == 2)", nil},
		{"let x = mbx[0]; x.Count == 2", nil},
	} {
		src := "version: 1\nsteps:\n  - cmdlet: Get-Mailbox\n    register: mbx\n  - cmdlet: Set-OrganizationConfig\n    foreach: ${{ mbx }}\n    when: \"${{ " + c.expr + " }}\"\n"
		pb, err := Parse("p.yaml", []byte(src), LoadOptions{})
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		scope := pb.Scope(nil, nil)
		scope["item"] = c.item
		// item is one of mbx's objects: its properties are checked against them (props.go).
		scope["mbx"] = []any{map[string]any{"Size": json.Number("10.5"), "Count": json.Number("2"), "Sizes": []any{}}}
		if ok, err := pb.Steps[1].When.EvalBool(scope); err != nil || !ok {
			t.Errorf("%s: got %v, %v; want true", c.expr, ok, err)
		}
	}
}

func TestEvalErrorsNamePosition(t *testing.T) {
	src := "version: 1\nsteps:\n  - cmdlet: Get-Mailbox\n    register: mbx\n  - cmdlet: Set-OrganizationConfig\n    when: ${{ mbx[0].Enabled }}\n"
	pb, err := Parse("p.yaml", []byte(src), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	when := pb.Steps[1].When
	_, err = when.EvalBool(Scope{"mbx": []any{map[string]any{"Enabled": "yes"}}})
	if err == nil || !strings.HasPrefix(err.Error(), "p.yaml:6:11: ") || !strings.Contains(err.Error(), "want true or false") {
		t.Errorf("non-boolean when: %v", err)
	}
	_, err = when.EvalBool(Scope{"mbx": []any{}})
	if err == nil || !strings.HasPrefix(err.Error(), "p.yaml:6:11: evaluating ${{ mbx[0].Enabled }}") {
		t.Errorf("index out of range: %v", err)
	}
}

func TestEvalListAndString(t *testing.T) {
	v := paramValue(t, "  n: 1", "${{ item }}")
	for _, c := range []struct {
		item any
		want []any
	}{
		{nil, nil},
		{[]any{1, 2}, []any{1, 2}},
		{map[string]any{"a": 1}, []any{map[string]any{"a": 1}}},
		{[]string{"x"}, []any{"x"}},
		{[]int{1, 2}, []any{1, 2}}, // what 1..2 gives
	} {
		got, err := v.EvalList(Scope{"item": c.item})
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("EvalList(%#v) = %#v, %v", c.item, got, err)
		}
	}
	if _, err := v.EvalList(Scope{"item": "text"}); err == nil || !strings.Contains(err.Error(), "want a list") {
		t.Errorf("EvalList of text: %v", err)
	}
	if s, err := v.EvalString(Scope{"item": 2.5}); err != nil || s != "2.5" {
		t.Errorf("EvalString(2.5) = %q, %v", s, err)
	}
	if _, err := v.EvalString(Scope{"item": []any{}}); err == nil {
		t.Error("EvalString of a list must fail")
	}
}

func TestConcurrentEval(t *testing.T) {
	v := paramValue(t, "  n: 1", `"${{ item.Name }}-${{ n }}"`)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				got, err := v.Eval(Scope{"n": j, "item": map[string]any{"Name": "a"}})
				if err != nil || !strings.HasPrefix(got.(string), "a-") {
					t.Errorf("got %v, %v", got, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestStringify(t *testing.T) {
	for in, want := range map[any]string{nil: "", "s": "s", 1.0: "1", 0.25: "0.25", true: "true", 7: "7"} {
		if got := Stringify(in); got != want {
			t.Errorf("Stringify(%#v) = %q, want %q", in, got, want)
		}
	}
}
