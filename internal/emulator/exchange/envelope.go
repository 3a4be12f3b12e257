package exchange

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Header values of the service's JSON answers (exo-rest-protocol.md §4.1).
const (
	contentTypeJSON = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
	collectionCtx   = "$metadata#Collection(Exchange.GenericHashTable)"
	pagingWarning   = "There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter."
)

// page is one page of a cmdlet result to encode.
type page struct {
	context  string // @odata.context
	warnings []string
	res      *Result
	from, to int
	sel      *selector
	nextLink string
	confirm  string // @adminapi.confirmationmessage: the service asks instead of acting
}

// appendPage writes the success envelope: keys in the order the service
// uses, per-property annotations before each value.
// behaviour exo.envelope.success (internal/emulator/BEHAVIOURS.md)
func appendPage(b []byte, p *page) []byte {
	b = append(b, `{"@odata.context":`...)
	b = appendString(b, p.context)
	b = append(b, `,"adminapi.warnings@odata.type":"#Collection(String)","@adminapi.warnings":`...)
	b = appendArray(b, p.warnings, appendString)
	if p.confirm != "" {
		b = append(b, `,"@adminapi.confirmationmessage":`...)
		b = appendString(b, p.confirm)
	}
	b = append(b, `,"value":[`...)
	for i := p.from; i < p.to; i++ {
		if i > p.from {
			b = append(b, ',')
		}
		b = appendObject(b, p.res.Object(i), p.sel)
	}
	b = append(b, ']')
	if p.nextLink != "" {
		b = append(b, `,"@odata.nextLink":`...)
		b = appendString(b, p.nextLink)
	}
	return append(b, '}')
}

func appendObject(b []byte, o Object, sel *selector) []byte {
	b = append(b, '{')
	first := true
	for _, p := range o {
		if !sel.keep(p.Name) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		odt := p.ODataType
		if odt == "" {
			switch p.Value.(type) {
			case []string, []any:
				odt = "#Collection(String)"
			}
		}
		if odt != "" {
			b = appendAnnotation(b, p.Name, `@odata.type":`, odt)
		}
		if p.DataType != "" {
			b = appendAnnotation(b, p.Name, `@data.type":`, p.DataType)
		}
		b = appendString(b, p.Name)
		b = append(b, ':')
		b = appendValue(b, p.Value)
	}
	return append(b, '}')
}

// appendValue has fast paths for the types cmdlets return; the rest go
// through encoding/json.
func appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int32:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return append(b, "null"...)
		}
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	case []string:
		return appendArray(b, x, appendString)
	case []any:
		return appendArray(b, x, appendValue)
	case json.RawMessage:
		return append(b, x...)
	}
	j, err := json.Marshal(v)
	if err != nil {
		return appendString(b, "")
	}
	return append(b, j...)
}

// appendArray writes xs as a JSON array, each element by one.
func appendArray[T any](b []byte, xs []T, one func([]byte, T) []byte) []byte {
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = one(b, x)
	}
	return append(b, ']')
}

// appendAnnotation writes "<name><suffix><value>, where suffix closes the
// key, e.g. `@odata.type":`; it avoids building the key string.
func appendAnnotation(b []byte, name, suffix, value string) []byte {
	b = appendString(b, name)
	b = append(b[:len(b)-1], suffix...)
	b = appendString(b, value)
	return append(b, ',')
}

// appendString writes s as a JSON string. A string with nothing to escape
// (the common case) is copied as is; any other goes through encoding/json,
// so answers escape as a general JSON encoder does: control characters
// escaped, <, >, & and U+2028/U+2029 as \u escapes, invalid UTF-8 as U+FFFD.
// behaviour exo.envelope.escapes (internal/emulator/BEHAVIOURS.md)
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || !plainJSON[c] {
			j, _ := json.Marshal(s) // a string always marshals
			return append(b, j...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// plainJSON marks the ASCII bytes encoding/json writes as they are.
var plainJSON = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// selector is a parsed $select: property names, case-insensitive, with
// '*' wildcards. A nil selector keeps everything.
type selector struct {
	exact map[string]bool
	globs []string
}

// behaviour exo.select (internal/emulator/BEHAVIOURS.md)
func parseSelect(v string) *selector {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	s := &selector{exact: map[string]bool{}}
	for _, f := range strings.Split(v, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		switch {
		case f == "":
		case f == "*":
			return nil
		case strings.Contains(f, "*"):
			s.globs = append(s.globs, f)
		default:
			s.exact[f] = true
		}
	}
	return s
}

func (s *selector) keep(name string) bool {
	if s == nil {
		return true
	}
	l := strings.ToLower(name)
	if s.exact[l] {
		return true
	}
	for _, g := range s.globs {
		if globMatch(g, l) {
			return true
		}
	}
	return false
}

// globMatch matches '*' wildcards only.
func globMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for i := 1; i < len(parts)-1; i++ {
		j := strings.Index(s, parts[i])
		if j < 0 {
			return false
		}
		s = s[j+len(parts[i]):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// msgInvalidOperation is the outer message of a binding or argument error.
// graph2otel's live captures (S10, 2026-07-23) show those 400s with the
// pipe form "|<Type>|<text>" and innererror.internalexception, so the
// default form (ErrorDetailByStatus) keeps the pipe form for them, as for
// 404s; the JSON form is go-exoscc's (S21) "Error executing cmdlet" 400.
const msgInvalidOperation = "Invalid Operation"

// errorBodyForm is the service's error envelope (§5.1) with the warnings
// members beside "error", as in the 2023 capture, and details[].message in
// the given form (behaviour exo.error.detail-form): the pipe form
// "<ErrorId>|<ExceptionType>|<text>" or one of the JSON forms. The JSON forms carry the text and the
// type only inside the detail, as go-exoscc's real 400 bodies do (no
// internalexception to fall back on), so a client must parse them.
// behaviour exo.envelope.error (internal/emulator/BEHAVIOURS.md)
// behaviour exo.error.detail-form (internal/emulator/BEHAVIOURS.md)
func errorBodyForm(e *CmdletError, form string) []byte {
	if form == ErrorDetailByStatus {
		form = ErrorDetailJSON
		if e.Status == 404 || e.Message == msgInvalidOperation {
			form = ErrorDetailPipe
		}
	}
	code, detail := "Client", e.ErrorID+"|"+e.ExceptionType+"|"+e.Detail
	switch form {
	case ErrorDetailJSON:
		// {"Message","TypeName","StackTrace":null,"InnerError":null}; code
		// "Context" on the 400s (go-exoscc invoke_test.go).
		d := appendString([]byte(`{"Message":`), e.Detail)
		d = append(d, `,"TypeName":`...)
		d = appendString(d, e.ExceptionType)
		detail = string(append(d, `,"StackTrace":null,"InnerError":null}`...))
		if e.Status != 404 {
			code = "Context"
		}
	case ErrorDetailLocalized:
		// The module's GetExceptionObject reads localizedString.stringId,
		// ClassName and Message (S12).
		d := appendString([]byte(`{"localizedString":{"stringId":`), e.ErrorID)
		d = append(d, `},"ClassName":`...)
		d = appendString(d, e.ExceptionType)
		d = append(d, `,"Message":`...)
		d = appendString(d, e.Detail)
		detail = string(append(d, '}'))
	}
	b := make([]byte, 0, 512+2*len(detail))
	b = append(b, `{"error":{"code":`...)
	b = appendString(b, e.Code)
	b = append(b, `,"message":`...)
	b = appendString(b, e.Message)
	b = append(b, `,"details":[{"code":`...)
	b = appendString(b, code)
	b = append(b, `,"target":`...)
	b = appendString(b, e.Target)
	b = append(b, `,"message":`...)
	b = appendString(b, detail)
	if form != ErrorDetailPipe {
		b = append(b, `}],"innererror":{"message":`...)
		b = appendString(b, e.Message)
		return append(b, `,"type":"Microsoft.Exchange.Admin.OData.Core.ODataServiceException"}},"adminapi.warnings@odata.type":"#Collection(String)","@adminapi.warnings":[]}`...)
	}
	b = append(b, `}],"innererror":{"message":`...)
	b = appendString(b, e.Message)
	b = append(b, `,"type":"Microsoft.Exchange.Admin.OData.Core.ODataServiceException","stacktrace":"","internalexception":{"message":`...)
	b = appendString(b, e.Detail)
	b = append(b, `,"type":"Microsoft.Exchange.Management.PSDirectInvoke.DirectInvokeCmdletExecutionException","stacktrace":""}}},"adminapi.warnings@odata.type":"#Collection(String)","@adminapi.warnings":[]}`...)
	return b
}

// simpleError is the short OData error the gateway itself answers with
// (401, 403, 405, 429, and protocol errors), before any cmdlet runs.
func simpleError(code, message string) []byte {
	b := make([]byte, 0, 64+len(message))
	b = append(b, `{"error":{"code":`...)
	b = appendString(b, code)
	b = append(b, `,"message":`...)
	b = appendString(b, message)
	return append(b, `}}`...)
}
