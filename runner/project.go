package runner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/exoplay/exoplay/playbook"
)

// projection applies a step's select with playbook's property matching
// (names and case-insensitive globs, as PowerShell's Select-Object).
// Properties keep the order the service sent them in.
type projection struct {
	m    *playbook.PropertyMatcher
	seen seenSelect
}

func newProjection(sel []string) *projection {
	m := playbook.NewPropertyMatcher(sel)
	if m == nil {
		return nil
	}
	p := &projection{m: m}
	p.seen.init(m, sel)
	return p
}

// serviceSelect is what to send as $select: the names, when none is a glob
// (the service does not expand wildcards).
func serviceSelect(sel []string) []string {
	for _, s := range sel {
		if playbook.HasWildcard(s) {
			return nil
		}
	}
	return sel
}

func (p *projection) match(name string) bool {
	p.seen.mark(name)
	return p.m.Match(name)
}

// apply returns obj with only the selected properties, as one JSON line.
// A nil projection only makes sure the object fits on one line.
func (p *projection) apply(obj json.RawMessage) (json.RawMessage, error) {
	return p.appendTo(nil, obj)
}

// appendTo is apply with buf as scratch space (its content is ignored): the
// result is in buf's room, or obj itself when nothing changes. It scans the
// object once, without decoding it: the properties it keeps are copied as
// the service sent them, compacted.
func (p *projection) appendTo(buf []byte, obj json.RawMessage) ([]byte, error) {
	if p == nil && bytes.IndexByte(obj, '\n') < 0 {
		return obj, nil
	}
	if !json.Valid(obj) {
		return nil, fmt.Errorf("the service returned an object that is not valid JSON: %w", json.Unmarshal(obj, new(any)))
	}
	// From here on the JSON is well-formed.
	i := skipSpace(obj, 0)
	if p == nil || obj[i] != '{' {
		// Nothing to select (no select, or a bare value): one line.
		if bytes.IndexByte(obj, '\n') < 0 {
			return obj, nil
		}
		return appendCompact(buf[:0], obj), nil
	}
	p.seen.objects.Store(true)
	out := append(buf[:0], '{')
	first := true
	i = skipSpace(obj, i+1)
	for obj[i] != '}' {
		kEnd := stringEnd(obj, i)
		rawKey := obj[i:kEnd]
		vStart := skipSpace(obj, skipSpace(obj, kEnd)+1) // past the ':'
		vEnd, spaced := valueEnd(obj, vStart)
		if p.matchRaw(rawKey) {
			if !first {
				out = append(out, ',')
			}
			first = false
			out = appendKey(out, rawKey)
			out = append(out, ':')
			if spaced {
				out = appendCompact(out, obj[vStart:vEnd])
			} else {
				out = append(out, obj[vStart:vEnd]...)
			}
		}
		i = skipSpace(obj, vEnd)
		if obj[i] == ',' {
			i = skipSpace(obj, i+1)
		}
	}
	return append(out, '}'), nil
}

func appendCompact(dst, v []byte) []byte {
	b := bytes.NewBuffer(dst)
	_ = json.Compact(b, v) // v is valid
	return b.Bytes()
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// matchRaw matches a quoted key as it appears in the JSON text.
func (p *projection) matchRaw(raw []byte) bool {
	if bytes.IndexByte(raw, '\\') < 0 {
		return p.match(string(raw[1 : len(raw)-1]))
	}
	var k string
	_ = json.Unmarshal(raw, &k) // valid: the object was validated
	return p.match(k)
}

// appendKey writes a key as json.Marshal would write the decoded name: the
// raw text when it is plain ASCII with nothing Marshal escapes.
func appendKey(out, raw []byte) []byte {
	for _, c := range raw[1 : len(raw)-1] {
		if c == '\\' || c == '<' || c == '>' || c == '&' || c >= utf8.RuneSelf {
			var k string
			_ = json.Unmarshal(raw, &k)
			kb, _ := json.Marshal(k)
			return append(out, kb...)
		}
	}
	return append(out, raw...)
}

// stringEnd returns the index just past the string that starts at b[i]
// (a '"') in valid JSON.
func stringEnd(b []byte, i int) int {
	for i++; ; i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
}

// valueEnd returns the index just past the value that starts at b[i] in
// valid JSON, and whether white space (outside strings) is inside it.
func valueEnd(b []byte, i int) (end int, spaced bool) {
	switch b[i] {
	case '"':
		return stringEnd(b, i), false
	case '{', '[':
		depth := 0
		for ; ; i++ {
			switch c := b[i]; c {
			case '"':
				i = stringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, spaced
				}
			default:
				spaced = spaced || isSpace(c)
			}
		}
	default: // number, true, false, null
		for ; i < len(b); i++ {
			switch b[i] {
			case ',', '}', ']', ' ', '\n', '\t', '\r':
				return i, false
			}
		}
		return i, false
	}
}
