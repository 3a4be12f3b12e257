package wire

import (
	"cmp"
	"math"
	"slices"
	"strconv"
)

// plainMembers writes m as the general encoder's members does, for maps
// that hold only plain values (see plainValue). It reports false, with
// e.buf to be discarded, on anything else or anything the general encoder
// would refuse, so that the general encoder has the last word on both.
func (e *encoder) plainMembers(m map[string]any, tag bool, depth int) bool {
	type member struct {
		k string
		v any
	}
	var arr [16]member
	ms := arr[:0]
	for k, v := range m {
		if k == "" {
			return false
		}
		ms = append(ms, member{k, v})
	}
	slices.SortFunc(ms, func(a, b member) int { return cmp.Compare(a.k, b.k) })
	e.buf = append(e.buf, '{')
	first := true
	if tag {
		e.buf = append(e.buf, `"@odata.type":"`+hashTableType+`"`...)
		first = false
	}
	for _, m := range ms {
		if plainArrayOfMaps(m.v) {
			if !first {
				e.buf = append(e.buf, ',')
			}
			first = false
			// appendString(k+"@odata.type") without the concatenation
			e.buf = appendString(e.buf, m.k)
			e.buf = append(e.buf[:len(e.buf)-1], `@odata.type":"`+hashTableArrayType+`"`...)
		}
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		e.buf = appendString(e.buf, m.k)
		e.buf = append(e.buf, ':')
		if !e.plainValue(m.v, depth+1) {
			return false
		}
	}
	e.buf = append(e.buf, '}')
	return true
}

// plainValue writes the values YAML and expressions produce: nil, string,
// bool, int, int64, float64, []any and map[string]any of them.
func (e *encoder) plainValue(v any, depth int) bool {
	if depth > maxDepth {
		return false
	}
	switch x := v.(type) {
	case nil:
		e.buf = append(e.buf, "null"...)
	case string:
		e.buf = appendString(e.buf, x)
	case bool:
		e.buf = strconv.AppendBool(e.buf, x)
	case int:
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case int64:
		e.buf = strconv.AppendInt(e.buf, x, 10)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
		e.buf = appendFloat(e.buf, x, 64)
	case map[string]any:
		return e.plainMembers(x, true, depth)
	case []any:
		e.buf = append(e.buf, '[')
		for i, el := range x {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if !e.plainValue(el, depth+1) {
				return false
			}
		}
		e.buf = append(e.buf, ']')
	default:
		return false
	}
	return true
}

// plainArrayOfMaps is isArrayOfMaps for the plain values: a non-empty
// []any of map[string]any. (An array of other maps is not plain: the
// general encoder handles it.)
func plainArrayOfMaps(v any) bool {
	a, ok := v.([]any)
	if !ok || len(a) == 0 {
		return false
	}
	for _, el := range a {
		if _, ok := el.(map[string]any); !ok {
			return false
		}
	}
	return true
}
