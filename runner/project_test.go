package runner

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
)

func TestProjection(t *testing.T) {
	t.Parallel()
	obj := json.RawMessage(`{"Name":"contoso","OAuth2ClientProfileEnabled":true,"oauthOther":{"a":[1, 2]},"Identity":"x","PopEnabled":false}`)
	cases := []struct {
		sel     []string
		want    string
		service []string // sent as $select
	}{
		{nil, string(obj), nil},
		{[]string{"name", "OAuth*"}, `{"Name":"contoso","OAuth2ClientProfileEnabled":true,"oauthOther":{"a":[1,2]}}`, nil},
		{[]string{"PopEnabled", "Identity"}, `{"Identity":"x","PopEnabled":false}`, []string{"PopEnabled", "Identity"}},
		{[]string{"?ame"}, `{"Name":"contoso"}`, nil},
		{[]string{"Missing"}, `{}`, []string{"Missing"}},
	}
	for _, c := range cases {
		got, err := newProjection(c.sel).apply(obj)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != c.want {
			t.Errorf("select %v = %s, want %s", c.sel, got, c.want)
		}
		if s := serviceSelect(c.sel); !slices.Equal(s, c.service) {
			t.Errorf("select %v sent as $select %v, want %v", c.sel, s, c.service)
		}
	}
	// Pretty-printed objects still become one JSON line.
	got, err := newProjection(nil).apply(json.RawMessage("{\n \"a\": 1\n}"))
	if err != nil || string(got) != `{"a":1}` {
		t.Errorf("compact: %s %v", got, err)
	}
	if _, err := newProjection([]string{"a"}).apply(json.RawMessage(`{"a":`)); err == nil {
		t.Error("truncated object accepted")
	}
}

// referenceApply is the projection as a decoder does it, token by token:
// the scanner of apply must give the same bytes.
func referenceApply(p *projection, obj json.RawMessage) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if _, err := dec.Token(); err != nil { // '{'
		return "", err
	}
	var out bytes.Buffer
	out.WriteByte('{')
	first := true
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return "", err
		}
		key := kt.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return "", err
		}
		if !p.match(key) {
			continue
		}
		if !first {
			out.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(key)
		out.Write(kb)
		out.WriteByte(':')
		if err := json.Compact(&out, val); err != nil {
			return "", err
		}
	}
	out.WriteByte('}')
	return out.String(), nil
}

var projectionSeeds = []string{
	`{"Name":"contoso","OAuth2ClientProfileEnabled":true,"oauthOther":{"a":[1, 2]},"Identity":"x","PopEnabled":false}`,
	"{ \"Name\" :\t\"a b\" ,\r\n \"Identity\" : [ 1 , { \"x\" : \"y z\" } , \"]}\" ] , \"n\" : -1.5e3 , \"z\":null}",
	`{"Na\u006De":"escaped key","Identity":"q\"uote\\","<Name>":1,"Nämé":2,"name":3,"NAME":{"deep":[[[]]],"s":"}]"}}`,
	`{}`, ` { } `, `{"a":{},"b":[],"name":""}`,
	`{"Identity":true,"Identity":false}`,
	"{\"Identity\":\"\u2028\",\"Name\":\"\\u2028 & <\"}",
}

func TestProjectionMatchesDecoder(t *testing.T) {
	t.Parallel()
	for _, s := range projectionSeeds {
		checkProjection(t, []byte(s))
	}
}

func FuzzProjection(f *testing.F) {
	for _, s := range projectionSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, obj []byte) {
		checkProjection(t, obj)
	})
}

func checkProjection(t *testing.T, obj []byte) {
	t.Helper()
	for _, sel := range [][]string{{"Name", "Identity"}, {"n*", "?dentity", "<name>"}, {"nämé"}, {"missing"}} {
		p := newProjection(sel)
		got, err := p.apply(obj)
		if !json.Valid(obj) {
			if err == nil {
				t.Fatalf("select %v of invalid %q: no error", sel, obj)
			}
			continue
		}
		if err != nil {
			t.Fatalf("select %v of %q: %v", sel, obj, err)
		}
		if bytes.IndexByte(got, '\n') >= 0 {
			t.Fatalf("select %v of %q: more than one line: %q", sel, obj, got)
		}
		var tok json.Token
		if tok, _ = json.NewDecoder(bytes.NewReader(obj)).Token(); tok != json.Delim('{') {
			continue // a bare value is kept as it is
		}
		want, err := referenceApply(p, obj)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Fatalf("select %v of %q:\n got %s\nwant %s", sel, obj, got, want)
		}
	}
}

func BenchmarkProjection(b *testing.B) {
	obj := json.RawMessage(`{"Identity":"user0042","DisplayName":"User Forty Two","PrimarySmtpAddress":"user0042@contoso.onmicrosoft.com","RetainDeletedItemsFor":"14.00:00:00","EmailAddresses":["SMTP:user0042@contoso.onmicrosoft.com","smtp:u42@contoso.com"],"ForwardingSmtpAddress":null,"DeliverToMailboxAndForward":false,"LitigationHoldEnabled":false,"AuditEnabled":true}`)
	p := newProjection([]string{"Identity", "RetainDeletedItemsFor"})
	var buf []byte
	for b.Loop() {
		buf, _ = p.appendTo(buf, obj)
	}
}

// BenchmarkProjectionDecoder is the same object through a json.Decoder, for
// comparison.
func BenchmarkProjectionDecoder(b *testing.B) {
	obj := json.RawMessage(`{"Identity":"user0042","DisplayName":"User Forty Two","PrimarySmtpAddress":"user0042@contoso.onmicrosoft.com","RetainDeletedItemsFor":"14.00:00:00","EmailAddresses":["SMTP:user0042@contoso.onmicrosoft.com","smtp:u42@contoso.com"],"ForwardingSmtpAddress":null,"DeliverToMailboxAndForward":false,"LitigationHoldEnabled":false,"AuditEnabled":true}`)
	p := newProjection([]string{"Identity", "RetainDeletedItemsFor"})
	for b.Loop() {
		_, _ = referenceApply(p, obj)
	}
}
