package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/exoplay/exoplay/transport/internal/pagetest"
)

// decoded is everything a page decode hands back, to compare the in-memory
// decoder with the streaming one.
type decoded struct {
	Objects []string
	N       int
	Page    Page
	Err     string
	Error   *Error
	EmitErr bool
}

func decodeWith(t testing.TB, f func(emit func(json.RawMessage) error, p *Page) (int, error), failAt int) decoded {
	t.Helper()
	var d decoded
	n, err := f(func(o json.RawMessage) error {
		if len(d.Objects) == failAt {
			return errors.New("emit refused")
		}
		d.Objects = append(d.Objects, string(o))
		return nil
	}, &d.Page)
	d.N = n
	if err != nil {
		d.Err = err.Error()
		var e *Error
		if errors.As(err, &e) {
			d.Error = e
		}
		var ee *EmitError
		d.EmitErr = errors.As(err, &ee)
	}
	return d
}

// pageBodies are envelopes good and bad: every one must decode the same
// whichever decoder reads it.
var pageBodies = []string{
	pagetest.Envelope("https://h/next?$skiptoken=abc", []string{"more results exist"}, `{"a@odata.type":"#x","a":1}`, `{"a":2}`, `{"a":3}`),
	pagetest.Envelope("", nil, pagetest.Mailbox(1), pagetest.Mailbox(2)),
	pagetest.Envelope("", nil),
	`{"odata.nextLink":"https://h/n","x":{"y":[1]},"value":[]}`,
	`{"@odata.context":"c","@adminapi.warnings":["no settings were modified"]}`,
	"", "  \n", "<html>oops</html>", `[{"a":1}]`, `null`, `"x"`, `{}`, `{"foo":1}`,
	`{"value":{"a":1}}`, `{"value":null}`, `{"value":"s"}`, `{"value":1}`, `{"value":true}`,
	strings.TrimSuffix(pagetest.Envelope("", nil, `{"a":1}`, `{"a":2}`), `2}]}`),
	`{"value":[],"@odata.nextLink":"ht`,
	`{"value":[],"@odata.nextLink":3}`,
	`{"value":[],"@adminapi.warnings":"x"}`,
	`{"value":[],"@adminapi.warnings":[1,"a"]}`,
	`{"value":[],"@adminapi.warnings":null}`,
	`{"error":{"code":"NotFound","message":"x","details":[{"message":"Ex6F9304|T.ManagementObjectNotFoundException|gone"}]}}`,
	`{"value":[{"a":1}],"error":{"code":"X","message":"late"}}`,
	`{"@adminapi.confirmationmessage":"Are you sure you want to remove X?","value":[]}`,
	`{"value":[{"a":1}],"@adminapi.confirmationmessage":7}`,
	`{"value":[],"@adminapi.errors":[{"message":"one failed"},"two failed"]}`,
	`{"value":[],"@adminapi.errors":"just text"}`,
	` { "value" : [ 1 , "two" , null , { "k@data.type" : "t" , "k" : [ ] } , [ ] ] , "@odata.context" : "c" } `,
	`{"\u0076alue":[{"a":1}],"@odata.next\u004cink":"https://h/\u00e9"}`,
	"{\"value\":[],\"@odata.nextLink\":\"https://h/\xff\"}",
	"{\"value\":[{\"s\":\"\xff\"}],\"k\xff\":1}",
	`{"value":[{"a":1}],"value":[{"a":2}]}`,
	`{"value":[{"q":"a\\\"b\\\\","r":"]}"}]}`,
	`{"value":[{"a":1}]} trailing`,
	`{"value":[{"a":1}]}{"value":[]}`,
	`{"value":[{"a":1},]}`,
	`{"value":[{"a":1}]`,
	`{"value":[tru]}`,
	`{"value":[1x]}`, `{"value":["a".5]}`, `{"value":[1.]}`, `{"value":[12,34.5e6,-0,true,false,null]}`, `{"value":[1,]}`,
	`{"value":[,1]}`, `{"value":[{"a":1}}`, `{"value":[{"a":1},{"a":2}`, `{"value":[{"a":1},`, `{"value":[`, `{"value":[{"a":"\u00`,
	`{"value":[{"a":1} {"a":2}]}`, `{"value":[{"a":1}]]}`, `{"value":[] , "@odata.nextLink" : "https://h/n" }`,
	`{"value":[[[[[[1]]]]]],"x":1}`, "{\"value\":[\"\x01\"]}",
	`{"value":[` + strings.Repeat("[", 9998) + strings.Repeat("]", 9998) + `]}`,
	`{"value":[` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `]}`,
	`{"value":[1,` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `]}`,
	`{"value":[1,` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `]}`,
}

// Reads end at every place inside and between objects: numbers cut in two
// (1234|567 must not pass for 1234), strings cut after a backslash,
// literals cut short.
func TestValueStreamReadBoundaries(t *testing.T) {
	var b strings.Builder
	for i := range 1500 {
		if i > 0 {
			b.WriteByte(',')
		}
		switch i % 4 {
		case 0: // 1 to 13 digits, so reads end at every place in one
			b.WriteString("1234567890123"[:1+i%13])
		case 1:
			b.WriteString(`"a\"\\b\u00e9"`)
		case 2:
			b.WriteString(`{"k@odata.type":"x","k":[true,false,null,-1.5e+3]}`)
		default:
			b.WriteString("null")
		}
	}
	b.WriteString(`],"@odata.nextLink":"https://h/n"}`)
	for shift := range 16 {
		padded := `{"@odata.context":"c","value":[` + strings.Repeat(" ", shift) + b.String()
		want := decodeWith(t, func(emit func(json.RawMessage) error, p *Page) (int, error) {
			return decodePageTokens(strings.NewReader(padded), 0, -1, emit, p)
		}, -1)
		got := decodeWith(t, func(emit func(json.RawMessage) error, p *Page) (int, error) {
			return decodePage(iotest.OneByteReader(strings.NewReader(padded)), 0, -1, emit, p)
		}, -1)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("shift %d: %d vs %d objects, err %q vs %q", shift, len(got.Objects), len(want.Objects), got.Err, want.Err)
		}
		if len(got.Objects) != 1500 || got.Err != "" {
			t.Fatalf("shift %d: %d objects, %q", shift, len(got.Objects), got.Err)
		}
	}
}

// decodePageFillingByOne runs decodePage with valueStream reading one byte
// at a time, so that every object is met cut at every place.
func decodePageFillingByOne(r io.Reader, skip, want int, emit func(json.RawMessage) error, p *Page) (int, error) {
	defer func(n int) { streamFillMin = n }(streamFillMin)
	streamFillMin = 1
	return decodePage(r, skip, want, emit, p)
}

func TestDecodeBodyMatchesStream(t *testing.T) {
	for bi, body := range pageBodies {
		for _, skip := range []int{0, 1, 2} {
			for _, want := range []int{-1, 0, 1, 2, 5} {
				for _, failAt := range []int{-1, 1} {
					name := fmt.Sprintf("body%d/skip%d/want%d/fail%d", bi, skip, want, failAt)
					stream := decodeWith(t, func(emit func(json.RawMessage) error, p *Page) (int, error) {
						return decodePageTokens(strings.NewReader(body), skip, want, emit, p)
					}, failAt)
					for _, size := range []int64{int64(len(body)), -1} {
						fast := decodeWith(t, func(emit func(json.RawMessage) error, p *Page) (int, error) {
							return decodeBody(iotest.HalfReader(strings.NewReader(body)), size, skip, want, emit, p)
						}, failAt)
						if !reflect.DeepEqual(fast, stream) {
							t.Errorf("%s size %d: %q\nstream %+v\nbody   %+v", name, size, body, stream, fast)
						}
					}
					for _, r := range []io.Reader{strings.NewReader(body), iotest.OneByteReader(strings.NewReader(body))} {
						streamed := decodeWith(t, func(emit func(json.RawMessage) error, p *Page) (int, error) {
							if len(body) > 2000 { // filling by one is quadratic in an object's size
								return decodePage(r, skip, want, emit, p)
							}
							return decodePageFillingByOne(r, skip, want, emit, p)
						}, failAt)
						if !reflect.DeepEqual(streamed, stream) {
							t.Errorf("%s decodePage: %q\ntokens %+v\nstream %+v", name, body, stream, streamed)
						}
					}
				}
			}
		}
	}
}

// A body bigger than wholeBodyMax is streamed (its first part buffered),
// with the same result; so is one that fails while being read.
func TestDecodeBodyBigAndBroken(t *testing.T) {
	objs := make([]string, 200)
	for i := range objs {
		objs[i] = pagetest.Mailbox(i)
	}
	big := pagetest.Envelope("https://h/n", []string{"w"}, objs...)
	if len(big) <= wholeBodyMax {
		t.Fatalf("test body of %d bytes is not big", len(big))
	}
	cut := big[:wholeBodyMax/2]
	boom := errors.New("connection reset by peer")
	cases := []struct {
		name string
		r    func() io.Reader
		size int64
	}{
		{"big, length known", func() io.Reader { return strings.NewReader(big) }, int64(len(big))},
		{"big, length unknown", func() io.Reader { return strings.NewReader(big) }, -1},
		{"big, length understated", func() io.Reader { return strings.NewReader(big) }, 100},
		{"read error", func() io.Reader { return io.MultiReader(strings.NewReader(cut), errReader{boom}) }, int64(len(big))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, want := range []int{-1, 3} {
				stream := decodeWith(t, func(emit func(json.RawMessage) error, p *Page) (int, error) {
					return decodePageTokens(c.r(), 1, want, emit, p)
				}, -1)
				fast := decodeWith(t, func(emit func(json.RawMessage) error, p *Page) (int, error) {
					return decodeBody(c.r(), c.size, 1, want, emit, p)
				}, -1)
				if !reflect.DeepEqual(fast, stream) {
					t.Errorf("want %d:\nstream %+v\nbody   %+v", want, stream.Err, fast.Err)
				}
				if c.name == "read error" && want < 0 && !strings.Contains(fast.Err, "connection reset") {
					t.Errorf("read error lost: %q", fast.Err)
				}
				if c.name != "read error" && want < 0 && (len(fast.Objects) != len(objs)-1 || fast.Page.NextLink != "https://h/n") {
					t.Errorf("got %d objects, next %q", len(fast.Objects), fast.Page.NextLink)
				}
			}
		})
	}
}

func TestDecodeBodySmallPageAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	body := pagetest.Envelope("", nil, `{"Name@odata.type":"#String","Name":"contoso","OAuth2ClientProfileEnabled":true}`)
	emit := func(json.RawMessage) error { return nil }
	r := strings.NewReader(body)
	allocs := testing.AllocsPerRun(200, func() {
		r.Reset(body)
		var p Page
		if _, err := decodeBody(r, int64(len(body)), 0, -1, emit, &p); err != nil {
			t.Fatal(err)
		}
	})
	// the object handed on, and nothing per member of the envelope
	if allocs > 1 {
		t.Errorf("%v allocations per small page, want 1", allocs)
	}
}

func FuzzDecodeBodyMatchesStream(f *testing.F) {
	for _, b := range pageBodies {
		f.Add(b, 0, -1)
	}
	f.Add(pagetest.Envelope("", nil, `{"a":1}`, `{"b":2}`), 1, 1)
	f.Fuzz(func(t *testing.T, body string, skip, want int) {
		skip, want = skip%4, want%4
		stream := decodeWith(t, func(emit func(json.RawMessage) error, p *Page) (int, error) {
			return decodePageTokens(strings.NewReader(body), skip, want, emit, p)
		}, -1)
		fast := decodeWith(t, func(emit func(json.RawMessage) error, p *Page) (int, error) {
			return decodeBody(strings.NewReader(body), int64(len(body)), skip, want, emit, p)
		}, -1)
		if !reflect.DeepEqual(fast, stream) {
			t.Fatalf("%q skip %d want %d\nstream %+v\nbody   %+v", body, skip, want, stream, fast)
		}
		streamed := decodeWith(t, func(emit func(json.RawMessage) error, p *Page) (int, error) {
			r := iotest.OneByteReader(strings.NewReader(body))
			if len(body) > 2000 { // filling by one is quadratic in an object's size
				return decodePage(r, skip, want, emit, p)
			}
			return decodePageFillingByOne(r, skip, want, emit, p)
		}, -1)
		if !reflect.DeepEqual(streamed, stream) {
			t.Fatalf("decodePage %q skip %d want %d\ntokens %+v\nstream %+v", body, skip, want, stream, streamed)
		}
	})
}
