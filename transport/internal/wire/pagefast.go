package wire

import (
	"bytes"
	"encoding/json"
	"io"
	"sync"
)

// wholeBodyMax is the largest page read into memory and decoded in one
// pass; a bigger one (or one of unknown length that grows past it) is
// streamed by decodePage, so the client never holds more than this much of
// a page besides the object being handed on.
const wholeBodyMax = 64 << 10

// bodyBufs recycles the buffers small pages are read into. Nothing taken
// from a buffer outlives the decode: objects, next links and warnings are
// copies.
var bodyBufs = sync.Pool{New: func() any {
	b := make([]byte, 0, 4<<10)
	return &b
}}

// decodeBody decodes one page from a response body of size bytes (-1:
// unknown). Most answers (a write's empty result, a single object) are
// small: they are read whole and decoded by decodeBytes, several times
// cheaper than a token stream. Whatever decodeBytes does not take on, and
// every body over wholeBodyMax, goes to decodePage, which stays the
// definition of the result: both give the same objects and the same errors.
func decodeBody(r io.Reader, size int64, skip, want int, emit func(json.RawMessage) error, p *Page) (int, error) {
	if size > wholeBodyMax {
		return decodePage(r, skip, want, emit, p)
	}
	bp := bodyBufs.Get().(*[]byte)
	defer bodyBufs.Put(bp)
	buf := (*bp)[:0]
	if size >= 0 && cap(buf) < int(size)+1 {
		buf = make([]byte, 0, min(size+1, wholeBodyMax)) // +1: room to see EOF without growing
	}
	buf, readErr := readUpTo(r, buf, wholeBodyMax)
	*bp = buf[:0]
	switch {
	case readErr == io.EOF:
		return decodeMem(buf, skip, want, emit, p)
	case readErr != nil: // the same bytes, then the same failure
		return decodePage(io.MultiReader(bytes.NewReader(buf), errReader{readErr}), skip, want, emit, p)
	default: // bigger than it said, or of unknown length: stream the rest
		return decodePage(io.MultiReader(bytes.NewReader(buf), r), skip, want, emit, p)
	}
}

// decodeMem decodes a page held in memory.
func decodeMem(b []byte, skip, want int, emit func(json.RawMessage) error, p *Page) (int, error) {
	if n, err, ok := decodeBytes(b, skip, want, emit, p); ok {
		return n, err
	}
	return decodePage(bytes.NewReader(b), skip, want, emit, p)
}

// readUpTo appends r's bytes to buf until EOF (returned as io.EOF), a read
// error, or limit bytes without EOF (nil).
func readUpTo(r io.Reader, buf []byte, limit int) ([]byte, error) {
	for len(buf) < limit {
		if len(buf) == cap(buf) { // grow, but never past limit: the buffer goes back to the pool
			nb := make([]byte, len(buf), min(max(2*cap(buf), 512), limit))
			copy(nb, buf)
			buf = nb
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), limit)])
		buf = buf[:len(buf)+n]
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// decodeBytes is decodePage over a page held in memory. It takes on only
// valid JSON (validJSON) that is an object (ok is false otherwise, before anything is
// emitted): every deviation decodePage reports with the position it was met
// at is left to decodePage, so the messages stay its own. Members are read
// in order with the same rules as decodePage.
func decodeBytes(b []byte, skip, want int, emit func(json.RawMessage) error, p *Page) (emitted int, err error, ok bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' || !validJSON(b) {
		return 0, nil, false
	}
	bad := func(format string, a ...any) (int, error, bool) {
		return emitted, malformed(format, a...), true
	}
	var hasValue, hasContext bool
	i = skipSpace(b, i+1)
	for b[i] != '}' {
		ks := i
		i = skipString(b, i)
		key := b[ks+1 : i-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			var k string
			_ = json.Unmarshal(b[ks:i], &k) // valid: checked above
			key = []byte(k)
		}
		i = skipSpace(b, i)
		i = skipSpace(b, i+1) // ':'
		vs := i
		i = skipValue(b, i)
		v := b[vs:i]
		i = skipSpace(b, i)
		if b[i] == ',' {
			i = skipSpace(b, i+1)
		}
		switch string(key) {
		case "value":
			hasValue = true
			if v[0] != '[' {
				return bad("a %s where the value array should be", kindOf(v[0]))
			}
			for j := skipSpace(v, 1); v[j] != ']'; {
				if want >= 0 && emitted >= want {
					p.Full = true
					return emitted, nil, true // the rest is not wanted
				}
				es := j
				j = skipValue(v, j)
				obj := v[es:j]
				if j = skipSpace(v, j); v[j] == ',' {
					j = skipSpace(v, j+1)
				}
				p.Seen++
				if p.Seen <= skip {
					continue
				}
				if err := emit(stripAnnotations(obj)); err != nil {
					return emitted, &EmitError{err}, true
				}
				emitted++
			}
			if want >= 0 && emitted >= want {
				p.Full = true
			}
		case "@odata.nextLink", "odata.nextLink":
			s, err := jsonString(v)
			if err != nil {
				return bad("an unreadable next link (%s)", syntaxText(err))
			}
			p.NextLink = s
		case "@adminapi.warnings":
			if string(v) == "[]" {
				continue
			}
			var ws []string
			if err := json.Unmarshal(v, &ws); err != nil {
				return bad("unreadable warnings (%s)", syntaxText(err))
			}
			p.Warnings = append(p.Warnings, ws...)
		case "@adminapi.errors":
			p.Warnings = append(p.Warnings, nonTerminating(v)...)
		case "@adminapi.confirmationmessage":
			s, _ := jsonString(v)
			return emitted, &Error{Kind: Confirmation, Text: s}, true
		case "error":
			return emitted, &Error{Kind: Service, Body: append(append([]byte(`{"error":`), v...), '}')}, true
		case "@odata.context":
			hasContext = true
		}
	}
	if !hasValue && !hasContext {
		return bad("a JSON object that is not a result envelope (no value array)")
	}
	return emitted, nil, true
}

// jsonString decodes a JSON string value; one of plain ASCII (a URL) is
// taken as is, anything else as encoding/json decodes it (escapes, invalid
// UTF-8 replaced).
func jsonString(v []byte) (string, error) {
	if len(v) >= 2 && v[0] == '"' && plainASCII(v[1:len(v)-1]) {
		return string(v[1 : len(v)-1]), nil
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err
}

func plainASCII(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c >= 0x80 || c == '\\' || c == '"' {
			return false
		}
	}
	return true
}

// The scanners below walk JSON already checked by validJSON: they find
// where things end, never whether they are well formed.

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the index just past the string that opens at b[i].
func skipString(b []byte, i int) int {
	i++
	for {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			return len(b) // not reached on valid JSON
		}
		i += q
		// A quote ends the string unless an odd number of backslashes
		// escapes it.
		n := 0
		for k := i - 1; k >= 0 && b[k] == '\\'; k-- {
			n++
		}
		i++
		if n%2 == 0 {
			return i
		}
	}
}

// skipValue returns the index just past the value that starts at b[i].
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// kindOf names the JSON kind of a value by its first byte, as jsonKind does
// for a token.
func kindOf(c byte) string {
	switch c {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 'n':
		return "null"
	case 't', 'f':
		return "boolean"
	}
	return "number"
}
