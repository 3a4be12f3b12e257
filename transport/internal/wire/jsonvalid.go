package wire

// validJSON reports whether b is one JSON value with optional surrounding
// whitespace: exactly what json.Valid accepts (invalid UTF-8 inside strings
// included, nesting up to encoding/json's limit of 10000), several times
// faster than its state machine, which took a fifth of a small call's CPU.
// FuzzValidJSON holds the two to the same answers.
func validJSON(b []byte) bool {
	v := validator{b: b}
	v.ws()
	if !v.value(0) {
		return false
	}
	v.ws()
	return v.i == len(b)
}

// maxJSONDepth is encoding/json's maxNestingDepth.
const maxJSONDepth = 10000

type validator struct {
	b []byte
	i int
	// short is set when the input ended before the value could be judged:
	// with more bytes it might be valid (valueStream reads on).
	short bool
}

// end notes that the input ran out; the value is not valid as it stands.
func (v *validator) end() bool {
	v.short = true
	return false
}

func (v *validator) ws() { v.i = skipSpace(v.b, v.i) }

func (v *validator) value(depth int) bool {
	if v.i >= len(v.b) {
		return v.end()
	}
	switch c := v.b[v.i]; c {
	case '{':
		return v.object(depth + 1)
	case '[':
		return v.array(depth + 1)
	case '"':
		return v.str()
	case 't':
		return v.lit("true")
	case 'f':
		return v.lit("false")
	case 'n':
		return v.lit("null")
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			return v.number()
		}
		return false
	}
}

func (v *validator) object(depth int) bool {
	if depth > maxJSONDepth {
		return false
	}
	v.i++ // {
	v.ws()
	if v.i < len(v.b) && v.b[v.i] == '}' {
		v.i++
		return true
	}
	for {
		if v.i >= len(v.b) {
			return v.end()
		}
		if v.b[v.i] != '"' || !v.str() {
			return false
		}
		v.ws()
		if v.i >= len(v.b) {
			return v.end()
		}
		if v.b[v.i] != ':' {
			return false
		}
		v.i++
		v.ws()
		if !v.value(depth) {
			return false
		}
		if more, ok := v.next('}'); !more {
			return ok
		}
	}
}

func (v *validator) array(depth int) bool {
	if depth > maxJSONDepth {
		return false
	}
	v.i++ // [
	v.ws()
	if v.i < len(v.b) && v.b[v.i] == ']' {
		v.i++
		return true
	}
	for {
		if !v.value(depth) {
			return false
		}
		if more, ok := v.next(']'); !more {
			return ok
		}
	}
}

// next checks what follows a member or element: a ',' (more follow, the
// space after it skipped) or the closing byte. ok is false for anything
// else, and when the input ends first (short).
func (v *validator) next(closing byte) (more, ok bool) {
	v.ws()
	if v.i >= len(v.b) {
		return false, v.end()
	}
	switch v.b[v.i] {
	case ',':
		v.i++
		v.ws()
		return true, true
	case closing:
		v.i++
		return false, true
	}
	return false, false
}

// str checks a string literal: no raw control characters, only JSON's
// escapes; other bytes (invalid UTF-8 too) pass, as in encoding/json.
func (v *validator) str() bool {
	b := v.b
	i := v.i + 1
	for {
		for i < len(b) && plainInString[b[i]] {
			i++
		}
		if i >= len(b) {
			return v.end()
		}
		c := b[i]
		switch {
		case c == '"':
			v.i = i + 1
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if i+1 >= len(b) {
				return v.end()
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) {
					return v.end()
				}
				for _, h := range b[i+2 : i+6] {
					if !isHex(h) {
						return false
					}
				}
				i += 6
			default:
				return false
			}
		default:
			i++
		}
	}
}

// plainInString marks the bytes a string holds as they are: not a control
// character, not '"', not '\\'.
var plainInString = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func (v *validator) lit(s string) bool {
	if len(v.b)-v.i < len(s) {
		return v.end()
	}
	if string(v.b[v.i:v.i+len(s)]) != s {
		return false
	}
	v.i += len(s)
	return true
}

// digitsCutOff and notADigit are digitsAfter's answers when no digit follows:
// the input ended there (a later chunk may bring the digits), or something
// else stands where a digit must.
const (
	digitsCutOff = -1
	notADigit    = -2
)

// digitsAfter skips the one or more digits a fraction or an exponent must
// have, starting at i, and returns the index after them.
func digitsAfter(b []byte, i int) int {
	start := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	switch {
	case i > start:
		return i
	case i >= len(b):
		return digitsCutOff
	default:
		return notADigit
	}
}

// number checks -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (v *validator) number() bool {
	b := v.b
	i := v.i
	if b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return v.end()
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		if i = digitsAfter(b, i+1); i < 0 {
			return i == digitsCutOff && v.end()
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i = digitsAfter(b, i); i < 0 {
			return i == digitsCutOff && v.end()
		}
	}
	v.i = i
	return true
}
