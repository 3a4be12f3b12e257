package cassette

import (
	"reflect"
	"testing"
)

// TestDifferences: a missing subtree is one line, null matches any type,
// type annotations compare by value, status differs, identical is empty.
func TestDifferences(t *testing.T) {
	rec := ShapeOf(200, []byte(`{"value":[{"A":"x","B":null,"C":{"D":1}},{"A":"y","B":"z"}],"A@odata.type":"#Collection(String)"}`))
	if d := Differences(rec, rec); len(d) != 0 {
		t.Fatalf("a shape differs from itself: %v", d)
	}
	emu := ShapeOf(400, []byte(`{"value":[{"A":1,"B":true}],"A@odata.type":"#String","E":[]}`))
	want := []string{
		"status: cassette 200, emulator 400",
		"$.A@odata.type: JSON type: cassette string=#Collection(String), emulator string=#String",
		"$.E: only in the emulator's answer (array)",
		"$.value[].A: JSON type: cassette string, emulator number",
		"$.value[].B: JSON type: cassette string, emulator boolean",
		"$.value[].C: only in the cassette (object); the emulator does not answer it",
	}
	if got := Differences(rec, emu); !reflect.DeepEqual(got, want) {
		t.Fatalf("differences\n got %q\nwant %q", got, want)
	}
	if d := Differences(ShapeOf(200, []byte(`{"B":null}`)), ShapeOf(200, []byte(`{"B":5}`))); len(d) != 0 {
		t.Errorf("null vs number reported: %v", d)
	}
}
