package cassette

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// redactJSON rewrites every string of a JSON document through r, keeping
// the order of properties (the answer's order is part of what a replay
// gives back).
func (r *redactor) redactJSON(b []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out bytes.Buffer
	if err := r.walk(dec, &out, ""); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("data after the JSON value")
	}
	return out.Bytes(), nil
}

func (r *redactor) walk(dec *json.Decoder, out *bytes.Buffer, key string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if secretKeys[strings.ToLower(key)] && tok != nil {
		// Whatever the value's type (a numeric PIN is a secret too); an
		// object or array is skipped whole.
		if d, ok := tok.(json.Delim); ok {
			if err := skip(dec, d); err != nil {
				return err
			}
		}
		writeString(out, Removed)
		return nil
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			out.WriteByte('{')
			for i := 0; dec.More(); i++ {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				k := kt.(string)
				if i > 0 {
					out.WriteByte(',')
				}
				writeString(out, k)
				out.WriteByte(':')
				if err := r.walk(dec, out, k); err != nil {
					return err
				}
			}
			out.WriteByte('}')
		} else {
			out.WriteByte('[')
			for i := 0; dec.More(); i++ {
				if i > 0 {
					out.WriteByte(',')
				}
				if err := r.walk(dec, out, key); err != nil {
					return err
				}
			}
			out.WriteByte(']')
		}
		_, err := dec.Token() // the closing delimiter
		return err
	case string:
		// A JSON document inside a string (a $batch item body some clients
		// send as a string) is redacted as JSON.
		if s := strings.TrimSpace(t); len(s) > 1 && s[0] == '{' && json.Valid([]byte(s)) {
			if inner, err := r.redactJSON([]byte(s)); err == nil {
				writeString(out, string(inner))
				return nil
			}
		}
		writeString(out, r.str(t, key))
	case json.Number:
		out.WriteString(t.String())
	case bool:
		fmt.Fprint(out, t)
	case nil:
		out.WriteString("null")
	}
	return nil
}

func skip(dec *json.Decoder, open json.Delim) error {
	depth := 1
	for depth > 0 {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

func writeString(out *bytes.Buffer, s string) {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	out.Truncate(out.Len() - 1) // Encode's newline
}
