package cassette

import (
	"reflect"
	"testing"
)

// TestDifferences: a missing subtree is one line, null matches any type,
// type annotations compare by value, a 4xx status differs, identical is
// empty; a success against an error is the status line only.
func TestDifferences(t *testing.T) {
	rec := ShapeOf(200, []byte(`{"value":[{"A":"x","B":null,"C":{"D":1}},{"A":"y","B":"z"}],"A@odata.type":"#Collection(String)"}`))
	if d := Differences(rec, rec); len(d) != 0 {
		t.Fatalf("a shape differs from itself: %v", d)
	}
	emu := ShapeOf(201, []byte(`{"value":[{"A":1,"B":true}],"A@odata.type":"#String","E":[]}`))
	want := []string{
		"status: cassette 200, emulator 201",
		"$.A@odata.type: JSON type: cassette string=#Collection(String), emulator string=#String",
		"$.E: only in the emulator's answer (array)",
		"$.value[].A: JSON type: cassette string, emulator number",
		"$.value[].B: JSON type: cassette string, emulator boolean",
		"$.value[].C: only in the cassette (object); the emulator does not answer it",
	}
	if got := Differences(rec, emu); !reflect.DeepEqual(got, want) {
		t.Fatalf("differences\n got %q\nwant %q", got, want)
	}
	if d := Differences(rec, ShapeOf(404, []byte(`{"error":{"code":"NotFound"}}`))); !reflect.DeepEqual(d, []string{"status: cassette 200, emulator 404; bodies not compared (one is a success, the other an error)"}) {
		t.Errorf("success vs error: %q", d)
	}
	if d := Differences(ShapeOf(200, []byte(`{"B":null}`)), ShapeOf(200, []byte(`{"B":5}`))); len(d) != 0 {
		t.Errorf("null vs number reported: %v", d)
	}
}
