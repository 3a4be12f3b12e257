package cmdlet

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// kind is how a value of a docs .NET type is checked.
type kind uint8

const (
	kindAny kind = iota // an identity, an enum without listed values, ...: not checked
	kindSwitch
	kindBool
	kindInt
	kindNumber
	kindUnlimited // "Unlimited" or a count or a size
	kindSize
	kindDateTime
	kindTimeSpan
	kindGuid
	kindText
	kindHashtable
	kindMulti // MultiValuedProperty and friends: a list, one value, or {Add, Remove}
)

// typeKind reads a docs type ("System.Boolean", "Int32[]",
// "Unlimited`1[System.UInt32]") into a kind, and for arrays the kind of an
// element.
func typeKind(t string) (k kind, elem kind, intMin, intMax float64) {
	t = strings.TrimSpace(t)
	if strings.HasPrefix(t, "Unlimited") || strings.Contains(t, ".Unlimited") {
		return kindUnlimited, 0, 0, 0
	}
	if base, ok := strings.CutSuffix(t, "[]"); ok {
		e, _, _, _ := typeKind(base)
		return kindMulti, e, 0, 0
	}
	if i := strings.LastIndexByte(t, '.'); i >= 0 {
		t = t[i+1:]
	}
	switch t {
	case "SwitchParameter":
		return kindSwitch, 0, 0, 0
	case "Boolean":
		return kindBool, 0, 0, 0
	case "Int32":
		return kindInt, 0, math.MinInt32, math.MaxInt32
	case "Int16":
		return kindInt, 0, math.MinInt16, math.MaxInt16
	case "Int64":
		return kindInt, 0, math.MinInt64, math.MaxInt64
	case "UInt16":
		return kindInt, 0, 0, math.MaxUint16
	case "UInt32":
		return kindInt, 0, 0, math.MaxUint32
	case "UInt64":
		return kindInt, 0, 0, math.MaxUint64
	case "Byte":
		return kindInt, 0, 0, math.MaxUint8
	case "Double", "Decimal", "Single":
		return kindNumber, 0, 0, 0
	case "ByteQuantifiedSize":
		return kindSize, 0, 0, 0
	case "DateTime", "ExDateTime", "DateTimeOffset":
		return kindDateTime, 0, 0, 0
	case "TimeSpan", "EnhancedTimeSpan":
		return kindTimeSpan, 0, 0, 0
	case "Guid":
		return kindGuid, 0, 0, 0
	case "String":
		return kindText, 0, 0, 0
	case "Hashtable", "PswsHashtable":
		return kindHashtable, 0, 0, 0
	case "MultiValuedProperty", "ProxyAddressCollection":
		return kindMulti, kindAny, 0, 0
	}
	if strings.HasSuffix(t, "Collection") {
		return kindMulti, kindAny, 0, 0
	}
	return kindAny, 0, 0, 0
}

// CheckValue reports whether v, a value as YAML or JSON gives it (nil,
// bool, integers, float64, string, []any, map[string]any), is one the
// parameter accepts. nil ($null, which clears a value) is accepted by every
// type but a switch. The error says what the type wants.
func (p *Param) CheckValue(v any) error {
	k, elem, lo, hi := typeKind(p.Type)
	if v == nil {
		if k == kindSwitch {
			return p.want("true or false (a switch)", v)
		}
		return nil
	}
	if k == kindMulti {
		return p.checkMulti(v, elem)
	}
	if p.enforced() && k != kindBool && k != kindSwitch {
		return p.checkEnum(v)
	}
	return p.checkScalar(k, lo, hi, v)
}

func (p *Param) checkScalar(k kind, lo, hi float64, v any) error {
	if isList(v) || isMap(v) {
		switch k {
		case kindAny:
			if isMap(v) {
				return p.want("one value", v)
			}
			return nil // an enum of flags or an identity list the docs type loosely
		case kindHashtable:
			if isMap(v) {
				return nil
			}
		}
		return p.want(wantOf(k, p.Type), v)
	}
	ok := true
	switch k {
	case kindSwitch, kindBool:
		_, ok = v.(bool)
	case kindInt:
		f, isNum := number(v)
		ok = isNum && f == math.Trunc(f) && f >= lo && f <= hi
	case kindNumber:
		_, ok = number(v)
	case kindUnlimited, kindSize:
		if s, isStr := v.(string); isStr && k == kindUnlimited && strings.EqualFold(strings.TrimSpace(s), "Unlimited") {
			break
		}
		if f, isNum := number(v); isNum {
			ok = f >= 0 && f == math.Trunc(f)
			break
		}
		s, _ := v.(string)
		ok = sizeRE.MatchString(s)
	case kindDateTime:
		ok = isDateTime(v)
	case kindTimeSpan:
		if f, isNum := number(v); isNum {
			ok = f == math.Trunc(f)
			break
		}
		s, _ := v.(string)
		ok = timeSpanRE.MatchString(strings.TrimSpace(s))
	case kindGuid:
		s, _ := v.(string)
		ok = guidRE.MatchString(strings.TrimSpace(s))
	case kindHashtable:
		ok = false
	}
	if !ok {
		return p.want(wantOf(k, p.Type), v)
	}
	return nil
}

func (p *Param) checkEnum(v any) error {
	s, ok := v.(string)
	if !ok {
		if isList(v) || isMap(v) {
			return p.want("one of "+strings.Join(p.Values, ", "), v)
		}
		s = fmt.Sprint(v)
	}
	for _, a := range p.Values {
		if strings.EqualFold(strings.TrimSpace(s), a) {
			return nil
		}
	}
	return p.want("one of "+strings.Join(p.Values, ", "), v)
}

// checkMulti accepts one value, a list, or a hashtable whose only keys are
// Add and Remove, each holding one value or a list.
func (p *Param) checkMulti(v any, elem kind) error {
	each := func(x any) error {
		if isList(x) || isMap(x) {
			return p.want("a list of single values", x)
		}
		if p.enforced() {
			return p.checkEnum(x)
		}
		_, _, lo, hi := typeKind(strings.TrimSuffix(p.Type, "[]"))
		if elem == kindAny || elem == kindMulti {
			return nil
		}
		return p.checkScalar(elem, lo, hi, x)
	}
	eachOf := func(x any) error {
		for _, e := range listOf(x) {
			if err := each(e); err != nil {
				return err
			}
		}
		return nil
	}
	if m, ok := mapOf(v); ok {
		if len(m) == 0 {
			return p.want("a list, or {Add: [...], Remove: [...]}", v)
		}
		for key, x := range m {
			if !isAddRemoveKey(key) {
				return &ValueError{Param: p.Name, Msg: fmt.Sprintf("%s takes a list, or a mapping with only Add and Remove (to change some values and keep the rest); %q is neither", p.Name, key)}
			}
			if err := eachOf(x); err != nil {
				return err
			}
		}
		return nil
	}
	return eachOf(v)
}

// enforced reports whether the parameter's values are a closed list: the
// yaml block's Accepted values, not a list read from the text.
func (p *Param) enforced() bool { return len(p.Values) > 0 && !p.ValuesFromText }

// ValueError is a parameter value of the wrong type.
type ValueError struct {
	Param string
	Msg   string
}

func (e *ValueError) Error() string { return e.Msg }

func (p *Param) want(what string, v any) error {
	return &ValueError{Param: p.Name, Msg: fmt.Sprintf("%s takes %s, not %s", p.Name, what, describe(v))}
}

func wantOf(k kind, typ string) string {
	switch k {
	case kindSwitch:
		return "true or false (a switch)"
	case kindBool:
		return "true or false (unquoted)"
	case kindInt:
		return "a whole number (" + typ + ")"
	case kindNumber:
		return "a number"
	case kindUnlimited:
		return `a number, a size such as "50 GB", or Unlimited`
	case kindSize:
		return `a size such as "50 GB" or a number of bytes`
	case kindDateTime:
		return `a date and time such as "2026-12-31" or "2026-12-31T17:00:00Z"`
	case kindTimeSpan:
		return `a time span such as "30.00:00:00" (days.hours:minutes:seconds) or "01:30:00"`
	case kindGuid:
		return "a GUID"
	case kindText:
		return "text"
	case kindHashtable:
		return "a mapping"
	}
	return "one value (" + typ + ")"
}

func describe(v any) string {
	switch t := v.(type) {
	case string:
		if len(t) > 40 {
			t = t[:40] + "…"
		}
		return fmt.Sprintf("the text %q", t)
	case bool:
		return strconv.FormatBool(t)
	}
	if isList(v) {
		return "a list"
	}
	if isMap(v) {
		return "a mapping"
	}
	return fmt.Sprint(v)
}

var (
	sizeRE     = regexp.MustCompile(`(?i)^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB)?\s*(\(\s*[\d,]+\s*bytes\s*\))?\s*$`)
	timeSpanRE = regexp.MustCompile(`^-?(\d+|(\d+\.)?\d{1,2}:\d{1,2}(:\d{1,2}(\.\d{1,7})?)?)$`)
	guidRE     = regexp.MustCompile(`^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$`)
)

// dateLayouts are the forms PowerShell reads in the invariant culture that
// playbooks use; anything else is refused rather than guessed.
var dateLayouts = []string{
	time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02",
	"1/2/2006", "1/2/2006 15:04", "1/2/2006 15:04:05", "1/2/2006 3:04 PM", "1/2/2006 3:04:05 PM",
}

func isDateTime(v any) bool {
	switch t := v.(type) {
	case time.Time:
		return true
	case string:
		s := strings.TrimSpace(t)
		for _, l := range dateLayouts {
			if _, err := time.Parse(l, s); err == nil {
				return true
			}
		}
	}
	return false
}

// number reads integers, floats and numeric text as a float64.
func number(v any) (float64, bool) {
	switch t := v.(type) {
	case int:
		return float64(t), true
	case int64:
		return float64(t), true
	case int32:
		return float64(t), true
	case uint64:
		return float64(t), true
	case float64:
		return t, true
	case json.Number: // cmdlet output read without normalising
		f, err := t.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
		return f, err == nil && strings.TrimSpace(t) != ""
	}
	if rv := reflect.ValueOf(v); rv.CanInt() {
		return float64(rv.Int()), true
	} else if rv.CanUint() {
		return float64(rv.Uint()), true
	} else if rv.CanFloat() {
		return rv.Float(), true
	}
	return 0, false
}

func isList(v any) bool {
	if _, ok := v.([]any); ok {
		return true
	}
	k := reflect.ValueOf(v).Kind()
	return k == reflect.Slice || k == reflect.Array
}

func isMap(v any) bool {
	_, ok := mapOf(v)
	return ok
}

func mapOf(v any) (map[string]any, bool) {
	if m, ok := v.(map[string]any); ok {
		return m, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		return nil, false
	}
	m := make(map[string]any, rv.Len())
	for it := rv.MapRange(); it.Next(); {
		m[it.Key().String()] = it.Value().Interface()
	}
	return m, true
}

func listOf(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = rv.Index(i).Interface()
		}
		return out
	}
	return []any{v}
}
