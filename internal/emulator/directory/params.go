package directory

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ptype is how a parameter binds its JSON value.
type ptype uint8

const (
	pString       ptype = iota // String; $null allowed
	pBool                      // Boolean: true/false, "true"/"false", 0/1
	pNBool                     // Boolean with $null ("use the org setting")
	pSwitch                    // SwitchParameter: true/false or "true"/"false"
	pInt                       // Int32 / UInt32 (min/max checked)
	pEnum                      // enum name (or, if numeric, its ordinal)
	pEnumList                  // enum[]: one name or an array of names
	pMulti                     // MultiValuedProperty: array (replace), GenericHashTable {Add,Remove}, scalar, $null
	pTimeSpan                  // EnhancedTimeSpan
	pSize                      // Unlimited<ByteQuantifiedSize>
	pUnlimitedInt              // Unlimited<Int32>
	pResultSize                // "Unlimited" or a positive int
	pFilter                    // OPATH filter text
	pSmtp                      // SmtpAddress / ProxyAddress
	pDate                      // DateTime
	pAny                       // accepted as sent (e.g. Hashtable[] conditions)
)

// enumType is a .NET enum: its type name (for errors) and member names.
type enumType struct {
	typ     string
	names   []string
	numeric bool // ordinals are accepted too (MimeTextFormat 0..6)
}

func enum(typ string, names ...string) *enumType { return &enumType{typ: typ, names: names} }

func (e *enumType) match(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		for _, n := range e.names {
			if strings.EqualFold(n, strings.TrimSpace(x)) {
				return n, true
			}
		}
		if e.numeric {
			if i, err := strconv.Atoi(strings.TrimSpace(x)); err == nil && i >= 0 && i < len(e.names) {
				return e.names[i], true
			}
		}
	case float64:
		if e.numeric && x >= 0 && int(x) < len(e.names) && x == math.Trunc(x) {
			return e.names[int(x)], true
		}
		// Members that are numbers (New-DkimSigningConfig -KeySize, a
		// UInt16 in the cmdlet reference: 1024 or 2048) match as numbers.
		if x == math.Trunc(x) && !e.numeric {
			n := strconv.FormatFloat(x, 'f', -1, 64)
			for _, name := range e.names {
				if name == n {
					return name, true
				}
			}
		}
	}
	return "", false
}

// param describes one parameter of a cmdlet.
type param struct {
	name     string
	typ      ptype
	enum     *enumType // pEnum, pEnumList, and element values of pMulti when set
	required bool
	prop     string // property a Set-*/New-* writes; "" when the parameter is not a property
	min, max int64  // pInt bounds when max > min
}

// Constructors keep the cmdlet tables short.
func pStr(name string) param    { return param{name: name, typ: pString} }
func pBoolP(name string) param  { return param{name: name, typ: pBool, prop: name} }
func pNBoolP(name string) param { return param{name: name, typ: pNBool, prop: name} }
func pSw(name string) param     { return param{name: name, typ: pSwitch} }
func pEnumP(name string, e *enumType) param {
	return param{name: name, typ: pEnum, enum: e, prop: name}
}
func pMultiP(name string) param { return param{name: name, typ: pMulti, prop: name} }
func pStrP(name string) param   { return param{name: name, typ: pString, prop: name} }
func pIntP(name string, min, max int64) param {
	return param{name: name, typ: pInt, prop: name, min: min, max: max}
}
func pReq(p param) param { p.required = true; return p }
func pID() param         { return param{name: "Identity", typ: pString} }

// multiOp is a bound MultiValuedProperty value.
type multiOp struct {
	replace     bool
	values      []string // replace
	add, remove []string
}

// apply returns the new list after the operation on old.
func (m *multiOp) apply(old []string) []string {
	if m.replace {
		return append([]string{}, m.values...)
	}
	out := append([]string{}, old...)
	for _, a := range m.add {
		if !containsFold(out, a) {
			out = append(out, a)
		}
	}
	if len(m.remove) > 0 {
		kept := out[:0]
		for _, v := range out {
			if !containsFold(m.remove, v) {
				kept = append(kept, v)
			}
		}
		out = kept
	}
	return out
}

func containsFold(xs []string, s string) bool {
	for _, x := range xs {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// args are the bound parameters of one call, keyed by canonical name.
type args map[string]any

func (a args) has(name string) bool { _, ok := a[name]; return ok }

func (a args) str(name string) string {
	s, _ := a[name].(string)
	return s
}

func (a args) boolean(name string) bool {
	b, _ := a[name].(bool)
	return b
}

// commonParams are PowerShell's common parameters; every cmdlet accepts them.
var commonParams = map[string]string{
	"confirm": "Confirm", "whatif": "WhatIf", "erroraction": "ErrorAction", "warningaction": "WarningAction",
	"verbose": "Verbose", "debug": "Debug", "informationaction": "InformationAction",
}

// bind converts the decoded JSON Parameters of a call to typed args.
func bind(c *cmdlet, raw map[string]any) (args, *Error) {
	out := args{}
	// Sorted, so a call with several bad parameters always reports the same one.
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		v := raw[key]
		if strings.Contains(key, "@") { // "<Param>@odata.type" siblings
			continue
		}
		p, ok := c.param(key)
		if !ok {
			if _, common := commonParams[strings.ToLower(key)]; common {
				continue
			}
			return nil, errUnknownParam(key)
		}
		if out.has(p.name) {
			return nil, errBadRequest(excBinding, "Cannot bind parameter because parameter '%s' is specified more than once. To provide multiple values to parameters that can accept multiple values, use the array syntax.", p.name)
		}
		bv, err := bindValue(p, v)
		if err != nil {
			return nil, err
		}
		out[p.name] = bv
	}
	var missing []string
	for _, p := range c.params {
		if p.required && !out.has(p.name) {
			missing = append(missing, p.name)
		}
	}
	if len(missing) > 0 {
		return nil, errMissing(missing)
	}
	return out, nil
}

func isHashtable(m map[string]any) bool {
	t, _ := m["@odata.type"].(string)
	return t == "#Exchange.GenericHashTable"
}

func bindValue(p param, v any) (any, *Error) {
	if _, ok := v.(map[string]any); ok && p.typ != pMulti && p.typ != pAny {
		return nil, errHashtable(p.name, dotnetType(p))
	}
	switch p.typ {
	case pAny:
		return v, nil
	case pString, pSmtp:
		switch x := v.(type) {
		case nil:
			return nil, nil
		case string:
			if p.typ == pSmtp && x != "" && !strings.Contains(x, "@") {
				return nil, errConvert(p.name, x, dotnetType(p), fmt.Sprintf("The email address \"%s\" isn't correct. Please use this format: user name, the @ sign, followed by the domain name. For example, tonysmith@contoso.com or tony.smith@contoso.com.", x))
			}
			return x, nil
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		case bool:
			return strconv.FormatBool(x), nil
		case []any:
			if len(x) == 1 {
				return bindValue(p, x[0])
			}
		}
		return nil, errConvert(p.name, v, dotnetType(p), "")
	case pBool, pSwitch, pNBool:
		if v == nil && p.typ == pNBool {
			return nil, nil
		}
		if b, ok := toBool(v); ok {
			return b, nil
		}
		return nil, errConvert(p.name, v, "System.Boolean", "Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.")
	case pInt:
		n, ok := toInt(v)
		if !ok {
			return nil, errConvert(p.name, v, "System.Int32", "Input string was not in a correct format.")
		}
		if p.max > p.min && (n < p.min || n > p.max) {
			return nil, errBadRequest(excValidation, "Cannot validate argument on parameter '%s'. The %d argument is out of range; use a value from %d through %d.", p.name, n, p.min, p.max)
		}
		return int(n), nil
	case pEnum:
		s, ok := p.enum.match(v)
		if !ok {
			return nil, errEnum(p.name, v, p.enum)
		}
		return s, nil
	case pEnumList:
		var items []any
		switch x := v.(type) {
		case []any:
			items = x
		default:
			items = []any{x}
		}
		var out []string
		for _, it := range items {
			if s, isStr := it.(string); isStr && strings.Contains(s, ",") {
				for _, part := range strings.Split(s, ",") {
					n, ok := p.enum.match(strings.TrimSpace(part))
					if !ok {
						return nil, errEnum(p.name, part, p.enum)
					}
					out = append(out, n)
				}
				continue
			}
			n, ok := p.enum.match(it)
			if !ok {
				return nil, errEnum(p.name, it, p.enum)
			}
			out = append(out, n)
		}
		return out, nil
	case pMulti:
		return bindMulti(p, v)
	case pTimeSpan:
		d, err := parseTimeSpan(v)
		if err != nil {
			return nil, errConvert(p.name, v, "Microsoft.Exchange.Data.EnhancedTimeSpan", err.Error())
		}
		return formatTimeSpan(d), nil
	case pSize:
		n, err := parseSize(v)
		if err != nil {
			return nil, errConvert(p.name, v, "Microsoft.Exchange.Data.Unlimited`1[Microsoft.Exchange.Data.ByteQuantifiedSize]", err.Error())
		}
		if n < 0 {
			return "Unlimited", nil
		}
		return formatSize(n), nil
	case pUnlimitedInt:
		if s, ok := v.(string); ok && strings.EqualFold(strings.TrimSpace(s), "unlimited") {
			return "Unlimited", nil
		}
		n, ok := toInt(v)
		if !ok || n < 0 {
			return nil, errConvert(p.name, v, "Microsoft.Exchange.Data.Unlimited`1[System.Int32]", "use a number or Unlimited")
		}
		return int(n), nil
	case pResultSize:
		if s, ok := v.(string); ok && strings.EqualFold(strings.TrimSpace(s), "unlimited") {
			return -1, nil
		}
		n, ok := toInt(v)
		if !ok || n <= 0 {
			return nil, errConvert(p.name, v, "Microsoft.Exchange.Data.Unlimited`1[System.UInt32]", "use a positive number or Unlimited")
		}
		return int(n), nil
	case pFilter:
		s, ok := v.(string)
		if !ok {
			return nil, errConvert(p.name, v, "System.String", "")
		}
		f, err := parseFilter(s)
		if err != nil {
			return nil, errBadRequest(excBinding, "Cannot bind parameter 'Filter' to the target. Exception setting \"Filter\": \"Invalid filter syntax. For a description of the filter parameter syntax see the command help.\r\n\"%s\" at position %d.\"", s, err.pos+1)
		}
		return f, nil
	case pDate:
		s, ok := v.(string)
		if !ok {
			return nil, errConvert(p.name, v, "System.DateTime", "")
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
			if t, err := time.Parse(layout, s); err == nil {
				return formatDate(t), nil
			}
		}
		return nil, errConvert(p.name, v, "System.DateTime", "String was not recognized as a valid DateTime.")
	}
	return v, nil
}

func bindMulti(p param, v any) (any, *Error) {
	check := func(vals []string) *Error {
		if p.enum == nil {
			return nil
		}
		for i, s := range vals {
			n, ok := p.enum.match(s)
			if !ok {
				return errEnum(p.name, s, p.enum)
			}
			vals[i] = n
		}
		return nil
	}
	switch x := v.(type) {
	case nil:
		return &multiOp{replace: true}, nil
	case map[string]any:
		if !isHashtable(x) {
			return nil, errHashtable(p.name, dotnetType(p))
		}
		op := &multiOp{}
		for k, val := range x {
			if strings.Contains(k, "@") {
				continue
			}
			list, err := stringList(p, val)
			if err != nil {
				return nil, err
			}
			if e := check(list); e != nil {
				return nil, e
			}
			switch strings.ToLower(k) {
			case "add":
				op.add = append(op.add, list...)
			case "remove":
				op.remove = append(op.remove, list...)
			default:
				return nil, errBadRequest(excBinding, "Cannot process argument transformation on parameter '%s'. The hashtable key '%s' isn't valid for a multi-valued property; use Add or Remove.", p.name, k)
			}
		}
		return op, nil
	default:
		list, err := stringList(p, v)
		if err != nil {
			return nil, err
		}
		if e := check(list); e != nil {
			return nil, e
		}
		return &multiOp{replace: true, values: list}, nil
	}
}

func stringList(p param, v any) ([]string, *Error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return []string{x}, nil
	case float64:
		return []string{strconv.FormatFloat(x, 'f', -1, 64)}, nil
	case bool:
		return []string{strconv.FormatBool(x)}, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			l, err := stringList(p, e)
			if err != nil {
				return nil, err
			}
			out = append(out, l...)
		}
		return out, nil
	case []string:
		return append([]string{}, x...), nil
	case map[string]any:
		return nil, errHashtable(p.name, dotnetType(p))
	}
	return nil, errConvert(p.name, v, dotnetType(p), "")
}

// boolWords are the strings a Boolean parameter takes, lower-cased.
var boolWords = map[string]bool{"true": true, "$true": true, "false": false, "$false": false}

func toBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		b, ok := boolWords[strings.ToLower(strings.TrimSpace(x))]
		return b, ok
	case float64:
		return x != 0, true
	case int:
		return x != 0, true
	}
	return false, false
}

func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case float64:
		if x != math.Trunc(x) {
			return 0, false
		}
		return int64(x), true
	case int:
		return int64(x), true
	case int64:
		return x, true
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	}
	return 0, false
}

func dotnetType(p param) string {
	switch p.typ {
	case pMulti:
		return "Microsoft.Exchange.Data.MultiValuedProperty`1[System.String]"
	case pBool, pNBool, pSwitch:
		return "System.Boolean"
	case pInt:
		return "System.Int32"
	case pEnum, pEnumList:
		return p.enum.typ
	case pTimeSpan:
		return "Microsoft.Exchange.Data.EnhancedTimeSpan"
	case pSmtp:
		return "Microsoft.Exchange.Data.SmtpAddress"
	}
	return "System.String"
}
