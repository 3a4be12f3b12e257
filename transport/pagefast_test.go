package transport

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// decoded is everything a page decode hands back, to compare the in-memory
// decoder with the streaming one.
type decoded struct {
	Objects []string
	N       int
	Page    page
	Err     string
	Error   *Error
	EmitErr bool
}

func decodeWith(t testing.TB, f func(emit func(json.RawMessage) error, p *page) (int, error), failAt int) decoded {
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
		var ee *emitError
		d.EmitErr = errors.As(err, &ee)
	}
	return d
}

// pageBodies are envelopes good and bad: every one must decode the same
// whichever decoder reads it.
var pageBodies = []string{
	envelope("https://h/next?$skiptoken=abc", []string{"more results exist"}, `{"a@odata.type":"#x","a":1}`, `{"a":2}`, `{"a":3}`),
	envelope("", nil, sampleMailbox(1), sampleMailbox(2)),
	envelope("", nil),
	`{"odata.nextLink":"https://h/n","x":{"y":[1]},"value":[]}`,
	`{"@odata.context":"c","@adminapi.warnings":["no settings were modified"]}`,
	"", "  \n", "<html>oops</html>", `[{"a":1}]`, `null`, `"x"`, `{}`, `{"foo":1}`,
	`{"value":{"a":1}}`, `{"value":null}`, `{"value":"s"}`, `{"value":1}`, `{"value":true}`,
	strings.TrimSuffix(envelope("", nil, `{"a":1}`, `{"a":2}`), `2}]}`),
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
}

func TestDecodeBodyMatchesStream(t *testing.T) {
	for bi, body := range pageBodies {
		for _, skip := range []int{0, 1, 2} {
			for _, want := range []int{-1, 0, 1, 2, 5} {
				for _, failAt := range []int{-1, 1} {
					name := fmt.Sprintf("body%d/skip%d/want%d/fail%d", bi, skip, want, failAt)
					stream := decodeWith(t, func(emit func(json.RawMessage) error, p *page) (int, error) {
						return decodePage(strings.NewReader(body), "Get-X", skip, want, emit, p)
					}, failAt)
					for _, size := range []int64{int64(len(body)), -1} {
						fast := decodeWith(t, func(emit func(json.RawMessage) error, p *page) (int, error) {
							return decodeBody(iotest.HalfReader(strings.NewReader(body)), size, "Get-X", skip, want, emit, p)
						}, failAt)
						if !reflect.DeepEqual(fast, stream) {
							t.Errorf("%s size %d: %q\nstream %+v\nbody   %+v", name, size, body, stream, fast)
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
		objs[i] = sampleMailbox(i)
	}
	big := envelope("https://h/n", []string{"w"}, objs...)
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
				stream := decodeWith(t, func(emit func(json.RawMessage) error, p *page) (int, error) {
					return decodePage(c.r(), "Get-X", 1, want, emit, p)
				}, -1)
				fast := decodeWith(t, func(emit func(json.RawMessage) error, p *page) (int, error) {
					return decodeBody(c.r(), c.size, "Get-X", 1, want, emit, p)
				}, -1)
				if !reflect.DeepEqual(fast, stream) {
					t.Errorf("want %d:\nstream %+v\nbody   %+v", want, stream.Err, fast.Err)
				}
				if c.name == "read error" && want < 0 && !strings.Contains(fast.Err, "connection reset") {
					t.Errorf("read error lost: %q", fast.Err)
				}
				if c.name != "read error" && want < 0 && (len(fast.Objects) != len(objs)-1 || fast.Page.nextLink != "https://h/n") {
					t.Errorf("got %d objects, next %q", len(fast.Objects), fast.Page.nextLink)
				}
			}
		})
	}
}

func TestDecodeBodySmallPageAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	body := envelope("", nil, `{"Name@odata.type":"#String","Name":"contoso","OAuth2ClientProfileEnabled":true}`)
	emit := func(json.RawMessage) error { return nil }
	r := strings.NewReader(body)
	allocs := testing.AllocsPerRun(200, func() {
		r.Reset(body)
		var p page
		if _, err := decodeBody(r, int64(len(body)), "Get-X", 0, -1, emit, &p); err != nil {
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
	f.Add(envelope("", nil, `{"a":1}`, `{"b":2}`), 1, 1)
	f.Fuzz(func(t *testing.T, body string, skip, want int) {
		skip, want = skip%4, want%4
		stream := decodeWith(t, func(emit func(json.RawMessage) error, p *page) (int, error) {
			return decodePage(strings.NewReader(body), "Get-X", skip, want, emit, p)
		}, -1)
		fast := decodeWith(t, func(emit func(json.RawMessage) error, p *page) (int, error) {
			return decodeBody(strings.NewReader(body), int64(len(body)), "Get-X", skip, want, emit, p)
		}, -1)
		if !reflect.DeepEqual(fast, stream) {
			t.Fatalf("%q skip %d want %d\nstream %+v\nbody   %+v", body, skip, want, stream, fast)
		}
	})
}
