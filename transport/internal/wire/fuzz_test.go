package wire

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/transport/internal/pagetest"
)

// The decoders face whatever the network hands them: they must never
// panic, and never emit invalid JSON.

func FuzzDecodePage(f *testing.F) {
	f.Add(pagetest.Envelope("https://h/n", []string{"w"}, `{"a@odata.type":"#x","a":1}`, `{"b":[1,2]}`))
	f.Add(`{"value":[],"@adminapi.errors":[{"message":"x"}]}`)
	f.Add(`{"@adminapi.confirmationmessage":"sure?"}`)
	f.Add(`{"error":{"code":"NotFound"}}`)
	f.Add(`[1,2`)
	f.Fuzz(func(t *testing.T, body string) {
		var p Page
		_, err := decodePage(strings.NewReader(body), 0, -1, func(o json.RawMessage) error {
			if !json.Valid(o) {
				t.Fatalf("emitted invalid JSON %q", o)
			}
			return nil
		}, &p)
		if err != nil {
			_ = err.Error()
		}
	})
}

func FuzzStripAnnotations(f *testing.F) {
	f.Add(pagetest.Mailbox(3))
	f.Add(`{"a":{"@odata.type":"x","b":[{"c@data.type":"y","c":"\"@odata."}]}}`)
	f.Add(`[{"x@odata.type":1},"@",{"\\@odata.":2}]`)
	f.Fuzz(func(t *testing.T, in string) {
		if !json.Valid([]byte(in)) {
			_ = stripAnnotations([]byte(in)) // must not panic
			return
		}
		var want, got any
		_ = json.Unmarshal([]byte(in), &want)
		want = dropAnnotations(want)
		out := stripAnnotations([]byte(in))
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%q -> invalid %q", in, out)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q -> %q", in, out)
		}
	})
}
