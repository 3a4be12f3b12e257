package transport

import (
	"encoding/json"
	"errors"
	"io"
)

// decodePageTokens is decodePage as it was before the value array was
// scanned by valueStream: a token-by-token json.Decoder, the reference the
// faster decoders are held to.
//
// It streams one envelope from r: the first skip objects of value[]
// are passed over (they were handed on by an earlier, failed attempt of the
// same page); the others go to emit until want of them were emitted
// (want < 0: no limit). The envelope members the client needs are read in
// whatever order they come. Any deviation from the envelope is an *Error of
// category transient with Status 200.
func decodePageTokens(r io.Reader, cmdlet string, skip, want int, emit func(json.RawMessage) error, p *page) (emitted int, err error) {
	bad := func(format string, a ...any) *Error { return pageError(cmdlet, format, a...) }
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
			for dec.More() {
				if want >= 0 && emitted >= want {
					p.full = true
					return emitted, nil // stop reading: the rest is not wanted
				}
				if err := dec.Decode(&raw); err != nil {
					return emitted, bad("a body cut short after %d objects (%s)", p.seen, syntaxText(err))
				}
				p.seen++
				if p.seen <= skip {
					continue
				}
				if err := emit(stripAnnotations(raw)); err != nil {
					return emitted, &emitError{err}
				}
				emitted++
			}
			if _, err := dec.Token(); err != nil {
				return emitted, bad("a body cut short after %d objects (%s)", p.seen, syntaxText(err))
			}
			if want >= 0 && emitted >= want {
				p.full = true
			}
		case "@odata.nextLink", "odata.nextLink":
			var s string
			if err := dec.Decode(&s); err != nil {
				return emitted, bad("an unreadable next link (%s)", syntaxText(err))
			}
			p.nextLink = s
		case "@adminapi.warnings":
			var ws []string
			if err := dec.Decode(&ws); err != nil {
				return emitted, bad("unreadable warnings (%s)", syntaxText(err))
			}
			p.warnings = append(p.warnings, ws...)
		case "@adminapi.errors":
			// Non-terminating errors: PowerShell writes them and goes on.
			if err := dec.Decode(&raw); err != nil {
				return emitted, bad("unreadable errors (%s)", syntaxText(err))
			}
			p.warnings = append(p.warnings, nonTerminating(raw)...)
		case "@adminapi.confirmationmessage":
			var s string
			_ = dec.Decode(&s)
			return emitted, confirmationError(cmdlet, s)
		case "error":
			if err := dec.Decode(&raw); err != nil {
				return emitted, bad("a body cut short (%s)", syntaxText(err))
			}
			e := decodeError(200, nil, append([]byte(`{"error":`), append(raw, '}')...), cmdlet)
			return emitted, e
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
