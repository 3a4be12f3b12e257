package playbook

import (
	"encoding/json"
	"reflect"
	"testing"
)

// countingList is a List that counts what expressions read of it.
type countingList struct {
	objs          []any
	index, slices int
}

func (l *countingList) Len() int { return len(l.objs) }
func (l *countingList) Index(i int) (any, error) {
	l.index++
	return l.objs[i], nil
}
func (l *countingList) Slice() ([]any, error) {
	l.slices++
	return l.objs, nil
}

// Every expression form gives over a List what it gives over the same
// []any; len and indexing read no more than they need, the other forms
// read the list whole (the cost playbook.List documents).
func TestListReadsLikeASlice(t *testing.T) {
	objs := []any{
		map[string]any{"Name": "a", "Size": json.Number("1")},
		map[string]any{"Name": "b", "Size": json.Number("2")},
		map[string]any{"Name": "c", "Size": json.Number("3")},
	}
	cases := []struct {
		src    string
		slices int // whole reads of the List
	}{
		{"${{ len(mbx) }}", 0},
		{"${{ mbx[0].Name }}", 0},
		{"${{ mbx[-1].Size + 1 }}", 0},
		{"${{ mbx[len(mbx) - 1].Name }}", 0},
		{"${{ len(mbx) > 2 && mbx[1].Size == 2 }}", 0},
		{`"${{ filter(mbx, #.Size > 1) | map(#.Name) }}"`, 1},
		{`"${{ all(mbx, #.Size > 0) }}"`, 1},
		{`"${{ count(mbx, #.Name == 'b') }}"`, 1},
		{"${{ mbx[1:2] }}", 1},
		{`"${{ len(mbx) }} mailboxes"`, 0},
	}
	for _, c := range cases {
		v := paramValue(t, "  x: 1", c.src)
		want, err := v.Eval(Scope{"mbx": objs, "vars": map[string]any{}, "item": nil})
		if err != nil {
			t.Fatalf("%s over []any: %v", c.src, err)
		}
		l := &countingList{objs: objs}
		got, err := v.Eval(Scope{"mbx": l, "vars": map[string]any{}, "item": nil})
		if err != nil {
			t.Fatalf("%s over a List: %v", c.src, err)
		}
		if !reflect.DeepEqual(NormalizeJSON(got), NormalizeJSON(want)) {
			t.Errorf("%s: %v over a List, %v over []any", c.src, got, want)
		}
		if l.slices != c.slices {
			t.Errorf("%s read the list whole %d times, want %d", c.src, l.slices, c.slices)
		}
	}
}

func TestListIndexOutOfRangeIsAnError(t *testing.T) {
	v := paramValue(t, "  x: 1", "${{ mbx[5].Name }}")
	if _, err := v.Eval(Scope{"mbx": &countingList{objs: []any{1}}, "vars": map[string]any{}}); err == nil {
		t.Fatal("mbx[5] of a list of 1: no error")
	}
}

// A foreach that names one register gets the List itself (read item by
// item); any other foreach expression reads it whole.
func TestForeachOverARegisterGetsTheList(t *testing.T) {
	src := "version: 1\nsteps:\n  - cmdlet: Get-Mailbox\n    register: mbx\n  - cmdlet: Set-Mailbox\n    unchecked: true\n    foreach: ${{ mbx }}\n  - cmdlet: Set-Mailbox\n    unchecked: true\n    foreach: ${{ filter(mbx, true) }}\n"
	pb, err := Parse("p.yaml", []byte(src), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	l := &countingList{objs: []any{map[string]any{"Name": "a"}}}
	scope := Scope{"mbx": l}
	if got, ok := pb.Steps[1].Foreach.ListRef(scope); !ok || got != List(l) {
		t.Errorf("foreach: ${{ mbx }}: ListRef %v, %v", got, ok)
	}
	if _, ok := pb.Steps[2].Foreach.ListRef(scope); ok {
		t.Error("foreach over filter(mbx): ListRef gave the List")
	}
	items, err := pb.Steps[2].Foreach.EvalList(scope)
	if err != nil || len(items) != 1 {
		t.Errorf("EvalList: %v, %v", items, err)
	}
	if _, ok := pb.Steps[1].Foreach.ListRef(Scope{"mbx": []any{}}); ok {
		t.Error("ListRef of an in-memory register")
	}
}
