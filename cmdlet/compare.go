package cmdlet

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// This file compares a property as a Get- cmdlet returned it with the value
// a playbook wants (desired-state steps, playbook `ensure:`), the way
// Exchange compares them, so that a value written in another form is not
// reported as drift: the comparison is chosen by the write parameter's
// .NET type from the catalog (reference: cmdlet-catalog.md §0 value
// formats).
//
//   - text, identities and enumerations: case-insensitive (Exchange's
//     names and enum values are);
//   - Boolean and switches: by truth value, "True"/"False" text included;
//   - integers and numbers: by value;
//   - ByteQuantifiedSize and Unlimited: "50 GB (53,687,091,200 bytes)",
//     "50GB", "51200 MB" and 53687091200 are one size; "Unlimited" only
//     equals itself (any case);
//   - TimeSpan / EnhancedTimeSpan: "1.00:00:00", "1.0:0:0" and "1" (days,
//     as TimeSpan.Parse reads a bare number) are one duration; hours past
//     23 without a day part ("24:00:00") are not read as hours, because
//     .NET reads them as days: such text is compared as text;
//   - DateTime: by instant; Guid: case-insensitive, braces ignored;
//   - multi-valued properties (MultiValuedProperty, arrays, collections):
//     as sets, order and duplicates ignored, elements compared by the
//     element type;
//   - ProxyAddressCollection elements: the prefix ("SMTP:" primary,
//     "smtp:" secondary, "X500:", ...) case-sensitively, the address
//     case-insensitively;
//   - absent and empty: nil, "" and [] are the same "no value".

// Same reports whether current (the object's property) already has the
// value desired (as a playbook wrote it) for a parameter of this type.
// A value whose form the type does not read (a size that is no size) is
// compared as case-insensitive text, so it differs rather than matching
// by accident.
func (p *Param) Same(current, desired any) bool {
	return SameAs(p.Type, p.Name, current, desired)
}

// SameAs is Same for a docs .NET type and parameter name, for callers that
// have no catalog entry (the name picks proxy-address rules for
// EmailAddresses when the type is a plain collection).
func SameAs(typ, name string, current, desired any) bool {
	if isEmpty(current) || isEmpty(desired) {
		return isEmpty(current) && isEmpty(desired)
	}
	k, elem, _, _ := typeKind(typ)
	if k == kindAny && isList(current) && isList(desired) {
		k, elem = kindMulti, kindAny // a type the catalog does not name
	}
	if k == kindMulti {
		proxy := strings.Contains(typ, "ProxyAddress") || strings.EqualFold(name, "EmailAddresses")
		return sameSet(listOf1(current), listOf1(desired), func(a, b any) bool {
			if proxy {
				return sameProxy(a, b)
			}
			return sameScalar(elem, a, b)
		})
	}
	if strings.Contains(typ, "ProxyAddress") {
		return sameProxy(current, desired)
	}
	return sameScalar(k, current, desired)
}

func sameScalar(k kind, a, b any) bool {
	switch k {
	case kindBool, kindSwitch:
		x, ok1 := truth(a)
		y, ok2 := truth(b)
		if ok1 && ok2 {
			return x == y
		}
	case kindInt, kindNumber:
		x, ok1 := number(a)
		y, ok2 := number(b)
		if ok1 && ok2 {
			return x == y
		}
	case kindSize, kindUnlimited:
		x, ok1 := ParseSize(a)
		y, ok2 := ParseSize(b)
		if ok1 && ok2 {
			return x == y
		}
	case kindTimeSpan:
		x, ok1 := ParseTimeSpan(a)
		y, ok2 := ParseTimeSpan(b)
		if ok1 && ok2 {
			return x == y
		}
	case kindDateTime:
		x, ok1 := parseDate(a)
		y, ok2 := parseDate(b)
		if ok1 && ok2 {
			return x.Equal(y)
		}
	case kindGuid:
		return strings.EqualFold(strings.Trim(text(a), "{}"), strings.Trim(text(b), "{}"))
	}
	// kindAny covers identities, enums and types the catalog does not
	// name; numbers given for an enum ("0") stay text, as Exchange
	// answers the name.
	if x, ok1 := a.(bool); ok1 {
		if y, ok2 := truth(b); ok2 {
			return x == y
		}
	}
	if x, ok1 := number(a); ok1 && !isString(a) {
		if y, ok2 := number(b); ok2 {
			return x == y
		}
	}
	return strings.EqualFold(strings.TrimSpace(text(a)), strings.TrimSpace(text(b)))
}

// sameProxy compares proxy addresses: "SMTP:" (primary) and "smtp:"
// (secondary) differ, the address after the prefix is compared ignoring
// case. An address without a prefix is compared whole.
func sameProxy(a, b any) bool {
	x, y := text(a), text(b)
	px, ax, okx := strings.Cut(x, ":")
	py, ay, oky := strings.Cut(y, ":")
	if okx && oky {
		return px == py && strings.EqualFold(ax, ay)
	}
	return strings.EqualFold(x, y)
}

func sameSet(cur, want []any, eq func(a, b any) bool) bool {
	in := func(v any, list []any) bool {
		for _, w := range list {
			if eq(v, w) {
				return true
			}
		}
		return false
	}
	for _, v := range want {
		if !in(v, cur) {
			return false
		}
	}
	for _, v := range cur {
		if !in(v, want) {
			return false
		}
	}
	return true
}

// isEmpty is "no value": absent (nil), empty text or an empty list.
func isEmpty(v any) bool {
	if v == nil {
		return true
	}
	if s, ok := v.(string); ok {
		return strings.TrimSpace(s) == ""
	}
	if isList(v) {
		return len(listOf(v)) == 0
	}
	return false
}

func listOf1(v any) []any {
	if isList(v) {
		return listOf(v)
	}
	return []any{v}
}

func isString(v any) bool { _, ok := v.(string); return ok }

func text(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if f, ok := v.(float64); ok {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

func truth(v any) (bool, bool) {
	switch t := v.(type) {
	case bool:
		return t, true
	case string:
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "true", "$true":
			return true, true
		case "false", "$false":
			return false, true
		}
	}
	return false, false
}

var sizeUnits = map[string]float64{"": 1, "b": 1, "kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30, "tb": 1 << 40}

// ParseSize reads a ByteQuantifiedSize in the forms Exchange writes and
// accepts: "50 GB (53,687,091,200 bytes)" (the exact bytes in parentheses
// win), "50GB", "1.5 MB", a byte count as a number or text. "Unlimited"
// (any case) is returned as -1. Units are binary (1 KB = 1024 B).
func ParseSize(v any) (float64, bool) {
	if f, ok := number(v); ok && !isString(v) {
		return f, true
	}
	s, ok := v.(string)
	if !ok {
		return 0, false
	}
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "unlimited") {
		return -1, true
	}
	if i := strings.IndexByte(s, '('); i >= 0 && strings.HasSuffix(strings.ToLower(s), "bytes)") {
		inner := strings.TrimSpace(strings.TrimSuffix(strings.ToLower(s[i+1:]), "bytes)"))
		if n, err := strconv.ParseFloat(strings.ReplaceAll(inner, ",", ""), 64); err == nil {
			return n, true
		}
		return 0, false
	}
	low := strings.ToLower(strings.ReplaceAll(s, " ", ""))
	num := strings.TrimRight(low, "bkmgt")
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, false
	}
	mul, ok := sizeUnits[low[len(num):]]
	if !ok {
		return 0, false
	}
	return math.Round(f * mul), true
}

// ParseTimeSpan reads a .NET TimeSpan as Exchange writes it and
// TimeSpan.Parse reads it: "[-][d.]hh:mm[:ss[.fffffff]]", or a bare whole
// number of days ("90").
func ParseTimeSpan(v any) (time.Duration, bool) {
	s, ok := v.(string)
	if !ok {
		return 0, false
	}
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	const day = 24 * time.Hour
	if n, err := strconv.Atoi(s); err == nil {
		return sign(neg, time.Duration(n)*day), true
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	var d time.Duration
	if ds, hh, found := strings.Cut(parts[0], "."); found {
		n, err := strconv.Atoi(ds)
		if err != nil {
			return 0, false
		}
		d, parts[0] = time.Duration(n)*day, hh
	}
	h, err1 := strconv.Atoi(parts[0])
	m, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil || h > 23 || m > 59 || h < 0 || m < 0 {
		return 0, false
	}
	d += time.Duration(h)*time.Hour + time.Duration(m)*time.Minute
	if len(parts) == 3 {
		sec, err := strconv.ParseFloat(parts[2], 64)
		if err != nil || sec < 0 || sec >= 60 {
			return 0, false
		}
		d += time.Duration(math.Round(sec*1e7)) * 100 // ticks of 100 ns
	}
	return sign(neg, d), true
}

func sign(neg bool, d time.Duration) time.Duration {
	if neg {
		return -d
	}
	return d
}

func parseDate(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, true
	case string:
		s := strings.TrimSpace(t)
		for _, l := range dateLayouts {
			if d, err := time.Parse(l, s); err == nil {
				return d, true
			}
		}
	}
	return time.Time{}, false
}
