package runner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"strings"
)

// projection applies a step's select: a list of property names, where
// '*', '?' and '[...]' are globs, matched case-insensitively as PowerShell's
// Select-Object does. Properties keep the order the service sent them in.
type projection struct {
	patterns []string // lower-cased
	exact    map[string]bool
	glob     bool
}

func newProjection(sel []string) *projection {
	if len(sel) == 0 {
		return nil
	}
	p := &projection{exact: map[string]bool{}}
	for _, s := range sel {
		ls := strings.ToLower(s)
		if strings.ContainsAny(s, "*?[") {
			p.glob = true
			p.patterns = append(p.patterns, ls)
		} else {
			p.exact[ls] = true
		}
	}
	return p
}

// serviceSelect is what to send as $select: the names, when none is a glob
// (the service does not expand wildcards).
func serviceSelect(sel []string) []string {
	for _, s := range sel {
		if strings.ContainsAny(s, "*?[") {
			return nil
		}
	}
	return sel
}

func (p *projection) match(name string) bool {
	ln := strings.ToLower(name)
	if p.exact[ln] {
		return true
	}
	for _, pat := range p.patterns {
		if ok, _ := path.Match(pat, ln); ok {
			return true
		}
	}
	return false
}

// apply returns obj with only the selected properties, as one JSON line.
// A nil projection only makes sure the object fits on one line.
func (p *projection) apply(obj json.RawMessage) (json.RawMessage, error) {
	if p == nil {
		if bytes.IndexByte(obj, '\n') < 0 {
			return obj, nil
		}
		var b bytes.Buffer
		if err := json.Compact(&b, obj); err != nil {
			return nil, fmt.Errorf("the service returned an object that is not valid JSON: %w", err)
		}
		return b.Bytes(), nil
	}
	dec := json.NewDecoder(bytes.NewReader(obj))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("the service returned an object that is not valid JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		// Not an object (a bare value): nothing to select from.
		return obj, nil
	}
	var out bytes.Buffer
	out.WriteByte('{')
	first := true
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("the service returned an object that is not valid JSON: %w", err)
		}
		key, _ := kt.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, fmt.Errorf("the service returned an object that is not valid JSON: %w", err)
		}
		if !p.match(key) {
			continue
		}
		if !first {
			out.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(key)
		out.Write(kb)
		out.WriteByte(':')
		if err := json.Compact(&out, val); err != nil {
			return nil, err
		}
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}
