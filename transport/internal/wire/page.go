package wire

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// Page is what one response envelope held, besides the objects.
type Page struct {
	NextLink string   // @odata.nextLink (or odata.nextLink), "" when none
	Warnings []string // @adminapi.warnings, and "error: <text>" per non-terminating error
	Seen     int      // objects in value[] read so far (skipped ones included)
	Full     bool     // the ResultSize limit was reached on this page
}

// decodePage streams one envelope from r: the first skip objects of value[]
// are passed over (they were handed on by an earlier, failed attempt of the
// same page); the others go to emit until want of them were emitted
// (want < 0: no limit). The envelope members the client needs are read in
// whatever order they come. Any deviation from the envelope is an *Error of
// kind Malformed.
func decodePage(r io.Reader, skip, want int, emit func(json.RawMessage) error, p *Page) (int, error) {
	return decodeTokens(r, skip, want, emit, p, true)
}

// decodeTokens is decodePage; with fastValues false it reads the value
// array with the decoder alone (dec.More/dec.Decode), the reference the
// tests hold streamValues and decodeBytes to.
func decodeTokens(r io.Reader, skip, want int, emit func(json.RawMessage) error, p *Page, fastValues bool) (emitted int, err error) {
	bad := func(format string, a ...any) *Error { return malformed(format, a...) }
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return 0, bad("an empty body")
		}
		return 0, bad("a body that is not JSON (%s)", syntaxText(err))
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return 0, bad("a JSON %s instead of the result envelope", jsonKind(tok))
	}
	var hasValue, hasContext bool
	var raw json.RawMessage
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return emitted, bad("a body cut short (%s)", syntaxText(err))
		}
		key, _ := tok.(string)
		switch key {
		case "value":
			hasValue = true
			tok, err := dec.Token()
			if err != nil {
				return emitted, bad("a body cut short (%s)", syntaxText(err))
			}
			if d, ok := tok.(json.Delim); !ok || d != '[' {
				return emitted, bad("a %s where the value array should be", jsonKind(tok))
			}
			if fastValues {
				// The common case, faster; dec then stands where it would
				// have stood had it read those objects itself.
				next, stop, err := streamValues(dec, r, skip, want, emit, p, &emitted)
				if stop {
					return emitted, err
				}
				dec = next
			}
			for dec.More() {
				if want >= 0 && emitted >= want {
					p.Full = true
					return emitted, nil // stop reading: the rest is not wanted
				}
				if err := dec.Decode(&raw); err != nil {
					return emitted, bad("a body cut short after %d objects (%s)", p.Seen, syntaxText(err))
				}
				p.Seen++
				if p.Seen <= skip {
					continue
				}
				if err := emit(stripAnnotations(raw)); err != nil {
					return emitted, &EmitError{err}
				}
				emitted++
			}
			if _, err := dec.Token(); err != nil {
				return emitted, bad("a body cut short after %d objects (%s)", p.Seen, syntaxText(err))
			}
			if want >= 0 && emitted >= want {
				p.Full = true
			}
		case "@odata.nextLink", "odata.nextLink":
			var s string
			if err := dec.Decode(&s); err != nil {
				return emitted, bad("an unreadable next link (%s)", syntaxText(err))
			}
			p.NextLink = s
		case "@adminapi.warnings":
			var ws []string
			if err := dec.Decode(&ws); err != nil {
				return emitted, bad("unreadable warnings (%s)", syntaxText(err))
			}
			p.Warnings = append(p.Warnings, ws...)
		case "@adminapi.errors":
			// Non-terminating errors: PowerShell writes them and goes on.
			if err := dec.Decode(&raw); err != nil {
				return emitted, bad("unreadable errors (%s)", syntaxText(err))
			}
			p.Warnings = append(p.Warnings, nonTerminating(raw)...)
		case "@adminapi.confirmationmessage":
			var s string
			_ = dec.Decode(&s)
			return emitted, &Error{Kind: Confirmation, Text: s}
		case "error":
			if err := dec.Decode(&raw); err != nil {
				return emitted, bad("a body cut short (%s)", syntaxText(err))
			}
			return emitted, &Error{Kind: Service, Body: append([]byte(`{"error":`), append(raw, '}')...)}
		default:
			if key == "@odata.context" {
				hasContext = true
			}
			if err := dec.Decode(&raw); err != nil {
				return emitted, bad("a body cut short (%s)", syntaxText(err))
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return emitted, bad("a body cut short (%s)", syntaxText(err))
	}
	if !hasValue && !hasContext {
		return emitted, bad("a JSON object that is not a result envelope (no value array)")
	}
	return emitted, nil
}

// nonTerminating turns @adminapi.errors (strings or objects) into warning
// lines "error: <text>", keeping the text and never the raw JSON (the
// caller redacts and clips warnings).
func nonTerminating(raw json.RawMessage) []string {
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		items = []json.RawMessage{raw}
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		var s string
		if json.Unmarshal(it, &s) != nil {
			s = messageOf(it)
		}
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, "error: "+s)
		}
	}
	return out
}

// messageOf finds the text of an error object: its message (any case), the
// message of a nested error, or the §5.1 detail.
func messageOf(raw json.RawMessage) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	for k, v := range m {
		var s string
		if strings.EqualFold(k, "message") && json.Unmarshal(v, &s) == nil && s != "" {
			return s
		}
	}
	for k, v := range m {
		if strings.EqualFold(k, "error") || strings.EqualFold(k, "exception") {
			if s := messageOf(v); s != "" {
				return s
			}
		}
	}
	return "a non-terminating error without a message"
}

func syntaxText(err error) string {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "unexpected end of data"
	}
	s := err.Error()
	// Keep the JSON syntax message, never the bytes of the body.
	if i := strings.Index(s, "invalid character"); i >= 0 {
		return s[i:]
	}
	return s
}

func jsonKind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "array"
		}
		return "object"
	case string:
		return "string"
	case nil:
		return "null"
	case bool:
		return "boolean"
	}
	return "number"
}
