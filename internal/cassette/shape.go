package cassette

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// A Shape is what the shape check compares of an answer: its status and,
// for every path of its JSON body (envelope keys, property names, array
// elements as "[]"), the JSON types found there. The values of OData type
// annotations (…@odata.type) are part of the shape; other values are not.
type Shape struct {
	Status int
	Types  map[string]map[string]bool // path -> JSON types ("string", "number", "boolean", "null", "object", "array", or "string=#X" for a type annotation)
	parent map[string]string          // path -> its parent's path (keys may hold dots)
}

// ShapeOf reads the shape of an answer. A body that is not JSON has the
// one path "$" of type "text".
func ShapeOf(status int, body []byte) Shape {
	s := Shape{Status: status, Types: map[string]map[string]bool{}, parent: map[string]string{}}
	if len(strings.TrimSpace(string(body))) == 0 {
		return s
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		s.add("$", "text")
		return s
	}
	s.walk("$", "", v)
	return s
}

func (s Shape) add(path, typ string) {
	if s.Types[path] == nil {
		s.Types[path] = map[string]bool{}
	}
	s.Types[path][typ] = true
}

func (s Shape) walk(path, key string, v any) {
	switch x := v.(type) {
	case map[string]any:
		s.add(path, "object")
		for k, e := range x {
			s.parent[path+"."+k] = path
			s.walk(path+"."+k, k, e)
		}
	case []any:
		s.add(path, "array")
		for _, e := range x {
			s.parent[path+"[]"] = path
			s.walk(path+"[]", key, e)
		}
	case string:
		if strings.HasSuffix(key, "@odata.type") || key == "@odata.type" {
			s.add(path, "string="+x)
		} else {
			s.add(path, "string")
		}
	case float64:
		s.add(path, "number")
	case bool:
		s.add(path, "boolean")
	case nil:
		s.add(path, "null")
	}
}

// Differences lists, one readable line each, how the emulator's shape
// differs from the cassette's: a different status, a path only one side
// has, or different JSON types at a path. null matches every type (a null
// says nothing of the type a value has when it is set). When one side
// succeeded and the other failed, the status is the one difference: a
// success and an error have nothing else to compare (the emulator lacks
// the object, or the service refused what the emulator accepts).
func Differences(cassette, emulator Shape) []string {
	var out []string
	if cassette.Status != emulator.Status {
		line := fmt.Sprintf("status: cassette %d, emulator %d", cassette.Status, emulator.Status)
		if (cassette.Status < 300) != (emulator.Status < 300) {
			return []string{line + "; bodies not compared (one is a success, the other an error)"}
		}
		out = append(out, line)
	}
	paths := map[string]bool{}
	for p := range cassette.Types {
		paths[p] = true
	}
	for p := range emulator.Types {
		paths[p] = true
	}
	sorted := make([]string, 0, len(paths))
	for p := range paths {
		sorted = append(sorted, p)
	}
	sort.Strings(sorted)
	for _, p := range sorted {
		c, e := cassette.Types[p], emulator.Types[p]
		switch {
		case c == nil && topMissing(p, emulator, cassette):
			out = append(out, fmt.Sprintf("%s: only in the emulator's answer (%s)", p, types(e)))
		case e == nil && topMissing(p, cassette, emulator):
			out = append(out, fmt.Sprintf("%s: only in the cassette (%s); the emulator does not answer it", p, types(c)))
		case c != nil && e != nil:
			ct, et := types(c), types(e)
			if ct != et && !onlyNull(c) && !onlyNull(e) {
				out = append(out, fmt.Sprintf("%s: JSON type: cassette %s, emulator %s", p, ct, et))
			}
		}
	}
	return out
}

// topMissing reports whether path p of has is the top of what other lacks:
// its parent is there (so a missing subtree is one line, not one per
// descendant).
func topMissing(p string, has, other Shape) bool {
	parent, ok := has.parent[p]
	return !ok || other.Types[parent] != nil
}

func onlyNull(t map[string]bool) bool { return len(t) == 1 && t["null"] }

// types spells a type set, null left out unless it is all there is.
func types(t map[string]bool) string {
	var ts []string
	for k := range t {
		if k != "null" || len(t) == 1 {
			ts = append(ts, k)
		}
	}
	sort.Strings(ts)
	return strings.Join(ts, "|")
}
