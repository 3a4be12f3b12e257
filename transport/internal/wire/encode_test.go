package wire

import (
	"encoding/json"
	"errors"
	"math"
	"net"
	"strings"
	"testing"
	"time"
)

func params(t *testing.T, p map[string]any) string {
	t.Helper()
	b, err := encodeBody("Set-Thing", p)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	if !json.Valid(b) {
		t.Fatalf("invalid JSON: %s", b)
	}
	s := string(b)
	const pre = `{"CmdletInput":{"CmdletName":"Set-Thing","Parameters":`
	if !strings.HasPrefix(s, pre) || !strings.HasSuffix(s, "}}") {
		t.Fatalf("envelope: %s", s)
	}
	return s[len(pre) : len(s)-2]
}

func TestEncodeParameters(t *testing.T) {
	when := time.Date(2026, 3, 4, 5, 6, 7, 123456789, time.FixedZone("x", 3600))
	cases := []struct {
		name string
		in   map[string]any
		want string
	}{
		{"empty", nil, `{}`},
		{"scalars", map[string]any{"Identity": "a@b.c", "Enabled": true, "Count": 5, "Ratio": 0.5, "Big": int64(1) << 40, "N": nil},
			`{"Big":1099511627776,"Count":5,"Enabled":true,"Identity":"a@b.c","N":null,"Ratio":0.5}`},
		{"switch false", map[string]any{"Confirm": false}, `{"Confirm":false}`},
		{"integral float", map[string]any{"X": 3.0}, `{"X":3}`},
		{"array", map[string]any{"Domains": []string{"a.com", "b.com"}}, `{"Domains":["a.com","b.com"]}`},
		{"any array", map[string]any{"L": []any{"x", 1, true}}, `{"L":["x",1,true]}`},
		{"hashtable", map[string]any{"EmailAddresses": map[string]any{"Add": []any{"smtp:x@y.z"}, "Remove": "smtp:q@y.z"}},
			`{"EmailAddresses":{"@odata.type":"#Exchange.GenericHashTable","Add":["smtp:x@y.z"],"Remove":"smtp:q@y.z"}}`},
		{"nested hashtable", map[string]any{"S": map[string]string{"k": "v"}, "T": map[string]any{"In": map[string]any{"a": 1}}},
			`{"S":{"@odata.type":"#Exchange.GenericHashTable","k":"v"},"T":{"@odata.type":"#Exchange.GenericHashTable","In":{"@odata.type":"#Exchange.GenericHashTable","a":1}}}`},
		{"array of hashtables", map[string]any{"Rules": []any{map[string]any{"a": 1}, map[string]any{"b": 2}}},
			`{"Rules@odata.type":"#Collection(Exchange.GenericHashTable)","Rules":[{"@odata.type":"#Exchange.GenericHashTable","a":1},{"@odata.type":"#Exchange.GenericHashTable","b":2}]}`},
		{"array of hashtables inside a hashtable", map[string]any{"H": map[string]any{"L": []map[string]any{{"a": 1}}}},
			`{"H":{"@odata.type":"#Exchange.GenericHashTable","L@odata.type":"#Collection(Exchange.GenericHashTable)","L":[{"@odata.type":"#Exchange.GenericHashTable","a":1}]}}`},
		{"date in UTC with 7 digits", map[string]any{"StartDate": when}, `{"StartDate":"2026-03-04T04:06:07.1234567Z"}`},
		{"timespan", map[string]any{"Age": 90*24*time.Hour + 90*time.Minute + 1500*time.Millisecond}, `{"Age":"90.01:30:01.5000000"}`},
		{"short timespan", map[string]any{"Age": -5 * time.Minute}, `{"Age":"-00:05:00"}`},
		{"raw JSON gets tagged", map[string]any{"R": json.RawMessage(`{"Add":["a"],"n":12345678901234567890}`)},
			`{"R":{"@odata.type":"#Exchange.GenericHashTable","Add":["a"],"n":12345678901234567890}}`},
		{"json number", map[string]any{"N": json.Number("42")}, `{"N":42}`},
		{"pointer", map[string]any{"P": ptr("x"), "Q": (*string)(nil)}, `{"P":"x","Q":null}`},
		{"text marshaler", map[string]any{"IP": net.ParseIP("10.0.0.1")}, `{"IP":"10.0.0.1"}`},
		{"escaping", map[string]any{"S": "a\"b\\c\n\t\x01<>&\u2028é"}, `{"S":"a\"b\\c\n\t\u0001<>&\u2028é"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := params(t, c.in); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestEncodeRefusesWhatItCannotEncode(t *testing.T) {
	cases := []struct {
		name string
		in   map[string]any
		want string
	}{
		{"securestring", map[string]any{"Password": SecureString("hunter2")}, "parameter Password: SecureString"},
		{"securestring nested", map[string]any{"H": map[string]any{"P": []any{SecureString("hunter2")}}}, "parameter H.P[0]: SecureString"},
		{"credential", map[string]any{"Credential": PSCredential{UserName: "u", Password: "hunter2"}}, "PSCredential"},
		{"credential pointer", map[string]any{"Credential": &PSCredential{UserName: "u", Password: "hunter2"}}, "PSCredential"},
		{"struct", map[string]any{"X": struct{ A int }{1}}, "cannot encode a value of Go type struct"},
		{"func", map[string]any{"X": func() {}}, "cannot encode"},
		{"bytes", map[string]any{"Data": []byte{1, 2}}, "byte-array"},
		{"nan", map[string]any{"X": math.NaN()}, "not a JSON number"},
		{"int keys", map[string]any{"X": map[int]string{1: "a"}}, "string keys"},
		{"bad raw", map[string]any{"X": json.RawMessage(`{`)}, "invalid JSON"},
		{"empty name", map[string]any{"": 1}, "empty parameter"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := encodeBody("Set-User", c.in)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("want *Error, got %v", err)
			}
			if e.Kind != Parameter || !strings.Contains(e.Msg, c.want) {
				t.Errorf("got %+v, want a parameter error containing %q", e, c.want)
			}
			if strings.Contains(e.Error(), "hunter2") {
				t.Errorf("secret leaked: %s", e.Error())
			}
		})
	}
}

func TestEncodeDeepNestingRefused(t *testing.T) {
	m := map[string]any{}
	cur := m
	for i := 0; i < 40; i++ {
		next := map[string]any{}
		cur["x"] = next
		cur = next
	}
	if _, err := encodeBody("Set-X", map[string]any{"D": m}); err == nil || !strings.Contains(err.Error(), "nested") {
		t.Fatalf("want nesting error, got %v", err)
	}
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", "quote\"back\\slash", "ctl\x00\x1f\x7f", "uni é ü 日本", "bad \xff utf8", "\u2028\u2029", "tab\there\r\n"} {
		got := appendString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q: invalid %s: %v", s, got, err)
		}
		want, _ := json.Marshal(s)
		var wantBack string
		_ = json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Errorf("%q: round trip %q, encoding/json %q", s, back, wantBack)
		}
	}
}
