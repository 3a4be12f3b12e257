package wire

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"
)

// SecureString marks a parameter value that PowerShell types as
// SecureString (passwords). The service expects it RSA-encrypted with a key
// shipped inside the module, which exoplay does not have yet, so a call that
// holds one is refused rather than sent in clear or wrongly encoded.
type SecureString string

// PSCredential marks a PowerShell credential parameter; its wire form has
// never been observed, so a call that holds one is refused.
type PSCredential struct {
	UserName string
	Password SecureString
}

const (
	hashTableType      = "#Exchange.GenericHashTable"
	hashTableArrayType = "#Collection(Exchange.GenericHashTable)"
	dateLayout         = "2006-01-02T15:04:05.0000000Z"
	maxDepth           = 32
)

// encodeBody renders {"CmdletInput":{"CmdletName":...,"Parameters":{...}}}
// following the module's encoding (protocol notes §3.2).
//
// The values YAML and expressions produce take a path without reflection
// (encode_plain.go); anything else, or any error, is left to the general
// encoder, which stays the definition of the wire form.
func encodeBody(cmdlet string, params map[string]any) ([]byte, error) {
	e := encoder{buf: make([]byte, 0, 128+32*len(params))}
	e.head(cmdlet)
	if e.plainMembers(params, false, 0) {
		return append(e.buf, "}}"...), nil
	}
	e.buf = e.buf[:0]
	return e.general(cmdlet, params)
}

func (e *encoder) head(cmdlet string) {
	e.buf = append(e.buf, `{"CmdletInput":{"CmdletName":`...)
	e.buf = appendString(e.buf, cmdlet)
	e.buf = append(e.buf, `,"Parameters":`...)
}

// general encodes any parameters by reflection.
func (e *encoder) general(cmdlet string, params map[string]any) ([]byte, error) {
	e.head(cmdlet)
	if err := e.members(reflect.ValueOf(params), "", false, 0); err != nil {
		return nil, &Error{Kind: Parameter, Msg: err.Error()}
	}
	e.buf = append(e.buf, "}}"...)
	return e.buf, nil
}

type encoder struct{ buf []byte }

var (
	timeType     = reflect.TypeFor[time.Time]()
	durationType = reflect.TypeFor[time.Duration]()
	rawType      = reflect.TypeFor[json.RawMessage]()
	numberType   = reflect.TypeFor[json.Number]()
	secureType   = reflect.TypeFor[SecureString]()
	credType     = reflect.TypeFor[PSCredential]()
	textType     = reflect.TypeFor[encoding.TextMarshaler]()
)

// members writes a map as a JSON object: keys sorted, a hashtable tag first
// when tag is set, and the #Collection(Exchange.GenericHashTable) sibling
// before every member that is an array of maps.
func (e *encoder) members(m reflect.Value, path string, tag bool, depth int) error {
	for m.Kind() == reflect.Interface || m.Kind() == reflect.Pointer {
		if m.IsNil() {
			e.buf = append(e.buf, "{}"...)
			return nil
		}
		m = m.Elem()
	}
	if m.Kind() != reflect.Map || m.Type().Key().Kind() != reflect.String {
		return fmt.Errorf("%s: a hashtable needs string keys, not %s", pathName(path), m.Type())
	}
	keys := make([]string, 0, m.Len())
	vals := make(map[string]reflect.Value, m.Len())
	for it := m.MapRange(); it.Next(); {
		k := it.Key().String()
		if k == "" {
			return fmt.Errorf("%s: empty parameter or key name", pathName(path))
		}
		keys = append(keys, k)
		vals[k] = it.Value()
	}
	sort.Strings(keys)
	e.buf = append(e.buf, '{')
	first := true
	comma := func() {
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
	}
	if tag {
		comma()
		e.buf = append(e.buf, `"@odata.type":"`+hashTableType+`"`...)
	}
	for _, k := range keys {
		v := vals[k]
		if isArrayOfMaps(v) {
			comma()
			e.buf = appendString(e.buf, k+"@odata.type")
			e.buf = append(e.buf, `:"`+hashTableArrayType+`"`...)
		}
		comma()
		e.buf = appendString(e.buf, k)
		e.buf = append(e.buf, ':')
		if err := e.value(v, joinPath(path, k), depth+1); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

func (e *encoder) value(v reflect.Value, path string, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("%s: nested more than %d levels deep", pathName(path), maxDepth)
	}
	for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		v = v.Elem()
	}
	if !v.IsValid() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	switch v.Type() {
	case secureType:
		return fmt.Errorf("%s: SecureString values must be encrypted with the service's RSA key, which exoplay does not support yet", pathName(path))
	case credType:
		return fmt.Errorf("%s: PSCredential values are not supported (their wire form is unknown)", pathName(path))
	case timeType:
		t := v.Interface().(time.Time)
		e.buf = append(e.buf, '"')
		e.buf = t.UTC().AppendFormat(e.buf, dateLayout)
		e.buf = append(e.buf, '"')
		return nil
	case durationType:
		e.buf = appendString(e.buf, timeSpan(time.Duration(v.Int())))
		return nil
	case numberType:
		n := v.String()
		if !json.Valid([]byte(n)) {
			return fmt.Errorf("%s: %q is not a number", pathName(path), n)
		}
		e.buf = append(e.buf, n...)
		return nil
	case rawType:
		return e.raw(v.Bytes(), path, depth)
	}
	if v.Type().Implements(textType) {
		// IPAddress, CultureInfo and the like travel as their ToString().
		t, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			return fmt.Errorf("%s: %v", pathName(path), err)
		}
		e.buf = appendString(e.buf, string(t))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		e.buf = appendString(e.buf, v.String())
	case reflect.Bool:
		e.buf = strconv.AppendBool(e.buf, v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.buf = strconv.AppendInt(e.buf, v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		e.buf = strconv.AppendUint(e.buf, v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%s: %v is not a JSON number", pathName(path), f)
		}
		e.buf = appendFloat(e.buf, f, v.Type().Bits())
	case reflect.Map:
		return e.members(v, path, true, depth)
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return fmt.Errorf("%s: byte-array values are not supported yet (their wire form is unconfirmed)", pathName(path))
		}
		e.buf = append(e.buf, '[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := e.value(v.Index(i), fmt.Sprintf("%s[%d]", path, i), depth+1); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, ']')
	default:
		return fmt.Errorf("%s: cannot encode a value of Go type %s as a cmdlet parameter", pathName(path), v.Type())
	}
	return nil
}

// raw re-encodes JSON (e.g. an object registered from an earlier step) so
// that its objects get the hashtable tag.
func (e *encoder) raw(b []byte, path string, depth int) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var x any
	if err := d.Decode(&x); err != nil {
		return fmt.Errorf("%s: invalid JSON value: %v", pathName(path), err)
	}
	return e.value(reflect.ValueOf(x), path, depth)
}

func isArrayOfMaps(v reflect.Value) bool {
	for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return false
		}
		v = v.Elem()
	}
	if (v.Kind() != reflect.Slice && v.Kind() != reflect.Array) || v.Len() == 0 {
		return false
	}
	for i := 0; i < v.Len(); i++ {
		x := v.Index(i)
		for x.Kind() == reflect.Interface || x.Kind() == reflect.Pointer {
			if x.IsNil() {
				return false
			}
			x = x.Elem()
		}
		if x.Kind() != reflect.Map {
			return false
		}
	}
	return true
}

// timeSpan formats d like .NET TimeSpan.ToString(): [-][d.]hh:mm:ss[.fffffff].
func timeSpan(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	ticks := int64(d / 100) // .NET ticks are 100 ns
	days := ticks / (864e9)
	ticks -= days * 864e9
	h := ticks / 36e9
	ticks -= h * 36e9
	m := ticks / 6e8
	ticks -= m * 6e8
	s := ticks / 1e7
	frac := ticks - s*1e7
	out := ""
	if neg {
		out = "-"
	}
	if days > 0 {
		out += strconv.FormatInt(days, 10) + "."
	}
	out += fmt.Sprintf("%02d:%02d:%02d", h, m, s)
	if frac > 0 {
		out += fmt.Sprintf(".%07d", frac)
	}
	return out
}

// appendFloat writes a finite f in its shortest form, with an exponent only
// below 1e-6 or from 1e21 (encoding/json's thresholds).
func appendFloat(b []byte, f float64, bits int) []byte {
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	return strconv.AppendFloat(b, f, format, -1, bits)
}

func joinPath(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func pathName(path string) string {
	if path == "" {
		return "parameters"
	}
	return "parameter " + path
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaping like encoding/json
// (invalid UTF-8 becomes U+FFFD).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
