package wire

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/transport/internal/pagetest"
)

func TestStripAnnotations(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"a":1}`, `{"a":1}`},
		{`{"@odata.type":"#X","a":1}`, `{"a":1}`},
		{`{"a@odata.type":"#Collection(String)","a":["x"],"b@data.type":"System.Guid","b":"g"}`, `{"a":["x"],"b":"g"}`},
		{`{ "x" : { "@odata.type" : "#Y" , "k" : [ { "v@odata.type":"#Int16", "v" : 3 } , 4 ] } , "e@odata.type":"t" }`,
			`{"x":{"k":[{"v":3},4]}}`},
		{`{"only@odata.type":"#x"}`, `{}`},
		{`{"mail":"a@b.c","s":"@odata.type in a value stays"}`, `{"mail":"a@b.c","s":"@odata.type in a value stays"}`},
		{`{"esc\"@odata.type":1,"k":"v\\\"@"}`, `{"k":"v\\\"@"}`},
		{`[{"@odata.type":"x","a":null},true,false,-1.5e3]`, `[{"a":null},true,false,-1.5e3]`},
		{`"plain @ string"`, `"plain @ string"`},
	}
	for _, c := range cases {
		got := string(stripAnnotations([]byte(c.in)))
		if got != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.in, got, c.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("invalid output %s", got)
		}
	}
}

// dropAnnotations is the slow reference: decode, delete, compare.
func dropAnnotations(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, vv := range x {
			if strings.Contains(k, "@odata.") || strings.Contains(k, "@data.") {
				delete(x, k)
				continue
			}
			x[k] = dropAnnotations(vv)
		}
	case []any:
		for i := range x {
			x[i] = dropAnnotations(x[i])
		}
	}
	return v
}

func TestStripAgreesWithReference(t *testing.T) {
	docs := []string{
		pagetest.Mailbox(7),
		`{"a":{"b":{"c":{"d@odata.type":"#x","d":[[],{},[{"e@data.type":"y","e":"\u00e9"}]]}}}}`,
	}
	for _, d := range docs {
		var want, got any
		if err := json.Unmarshal([]byte(d), &want); err != nil {
			t.Fatal(err)
		}
		want = dropAnnotations(want)
		out := stripAnnotations([]byte(d))
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("invalid output %s: %v", out, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("mismatch\n got %v\nwant %v", got, want)
		}
	}
}

func TestStripLeavesMalformedInputAlone(t *testing.T) {
	for _, in := range []string{`{"a@odata.type":`, `{"a@odata.type":1,`, `{"a@odata.type" 1}`, `[1 2 @]`} {
		if got := string(stripAnnotations([]byte(in))); got != in {
			t.Errorf("%q became %q", in, got)
		}
	}
}
