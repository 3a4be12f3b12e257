package playbook

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/exoplay/exoplay/internal/inputfile"
)

// Limits that keep hostile input bounded in memory and time.
const (
	// MaxFileSize is the largest playbook or inventory file accepted: the
	// limit of every input file (inputfile.Read).
	MaxFileSize = inputfile.MaxSize
	// maxNodes caps the document size after YAML aliases are expanded, so an
	// alias bomb ("billion laughs") is refused instead of exhausting memory.
	maxNodes = 1_000_000
	// maxDepth caps nesting; no valid playbook comes close.
	maxDepth = 64
)

type nodeKind uint8

const (
	scalarNode nodeKind = iota
	mapNode
	seqNode
)

// node is a YAML node with aliases and merge keys (<<) resolved, duplicate
// keys rejected and positions kept. Aliased subtrees are shared, not copied.
type node struct {
	kind  nodeKind
	tag   string // resolved short tag of a scalar: !!str, !!int, !!bool, !!float, !!null...
	value string // scalar text
	style yaml.Style
	pos   Pos
	raw   *yaml.Node

	keys, vals []*node // mapping, in document order
	items      []*node // sequence

	size, height int // expanded node count and nesting height
}

// get returns the value of key k in a mapping node, or nil.
func (n *node) get(k string) *node {
	for i, key := range n.keys {
		if key.value == k {
			return n.vals[i]
		}
	}
	return nil
}

func (n *node) kindName() string {
	switch n.kind {
	case mapNode:
		return "a mapping"
	case seqNode:
		return "a list"
	}
	switch n.tag {
	case "!!null":
		return "null"
	case "!!int":
		return "an integer"
	case "!!float":
		return "a number"
	case "!!bool":
		return "a boolean"
	}
	return "a string"
}

// plain returns the scalar as a plain Go value (string, int, float64, bool, nil)
// or, for collections, maps and lists of those.
func (n *node) plain() any {
	switch n.kind {
	case mapNode:
		m := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			m[k.value] = n.vals[i].plain()
		}
		return m
	case seqNode:
		l := make([]any, len(n.items))
		for i, it := range n.items {
			l[i] = it.plain()
		}
		return l
	}
	switch n.tag {
	case "!!str", "!!binary", "!!timestamp", "!!merge":
		return n.value
	case "!!null":
		return nil
	}
	var v any
	if err := n.raw.Decode(&v); err != nil {
		return n.value
	}
	return v
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML parses one YAML document into a resolved node tree.
func parseYAML(file string, data []byte) (*node, Diagnostics) {
	fail := func(line int, format string, args ...any) (*node, Diagnostics) {
		p := Pos{File: file, Line: line}
		if line > 0 {
			p.Col = 1
		}
		return nil, Diagnostics{{Pos: p, Message: fmt.Sprintf(format, args...)}}
	}
	if len(data) > MaxFileSize {
		return fail(0, "file is %d bytes; the limit is %d", len(data), MaxFileSize)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return fail(1, "file is empty")
		}
		return yamlError(file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return fail(extra.Line, "a playbook holds one YAML document; remove the second (---)")
	} else if !errors.Is(err, io.EOF) {
		return yamlError(file, err)
	}
	b := &builder{file: file, memo: map[*yaml.Node]*node{}, busy: map[*yaml.Node]bool{}}
	root := doc.Content[0]
	n := b.build(root)
	if !b.diags.empty() {
		return nil, b.diags.list
	}
	if n.height > maxDepth {
		return fail(root.Line, "document is nested %d levels deep; the limit is %d", n.height, maxDepth)
	}
	return n, nil
}

func yamlError(file string, err error) (*node, Diagnostics) {
	var te *yaml.TypeError
	msg := err.Error()
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return nil, Diagnostics{{Pos: Pos{File: file, Line: line, Col: 1}, Message: "YAML syntax: " + m[2]}}
	}
	return nil, Diagnostics{{Pos: Pos{File: file, Line: 1, Col: 1}, Message: "YAML syntax: " + trimYAMLPrefix(msg)}}
}

func trimYAMLPrefix(s string) string {
	if len(s) > 6 && s[:6] == "yaml: " {
		return s[6:]
	}
	return s
}

type builder struct {
	file   string
	memo   map[*yaml.Node]*node
	busy   map[*yaml.Node]bool
	diags  diags
	tooBig bool // reported once
}

func (b *builder) pos(y *yaml.Node) Pos { return Pos{File: b.file, Line: y.Line, Col: y.Column} }

// build converts y; it returns an empty scalar after reporting a problem so
// that callers never see nil.
func (b *builder) build(y *yaml.Node) *node {
	if y.Kind == yaml.AliasNode {
		if y.Alias == nil || b.busy[y.Alias] {
			b.diags.add(b.pos(y), "alias *%s refers to itself", y.Value)
			return &node{kind: scalarNode, tag: "!!null", pos: b.pos(y), size: 1, height: 1}
		}
		return b.build(y.Alias)
	}
	// Only anchored nodes can be reached twice, so only they are memoised
	// (and watched for self-reference); a big plain document stays cheap.
	anchored := y.Anchor != ""
	if anchored {
		if n, ok := b.memo[y]; ok {
			return n
		}
		b.busy[y] = true
		defer delete(b.busy, y)
	}
	n := &node{pos: b.pos(y), raw: y, style: y.Style, size: 1}
	switch y.Kind {
	case yaml.DocumentNode:
		if len(y.Content) == 0 {
			n.kind, n.tag = scalarNode, "!!null"
		} else {
			return b.build(y.Content[0])
		}
	case yaml.ScalarNode:
		n.kind, n.tag, n.value = scalarNode, y.ShortTag(), y.Value
	case yaml.SequenceNode:
		n.kind = seqNode
		for _, c := range y.Content {
			n.items = append(n.items, b.child(n, c))
		}
	case yaml.MappingNode:
		n.kind = mapNode
		b.buildMap(n, y)
	}
	n.height++
	if n.size > maxNodes && !b.tooBig {
		b.tooBig = true
		b.diags.add(n.pos, "document expands to more than %d values (are YAML aliases nested to multiply it?)", maxNodes)
	}
	if anchored {
		b.memo[y] = n
	}
	return n
}

func (b *builder) child(parent *node, y *yaml.Node) *node {
	c := b.build(y)
	parent.size = min(parent.size+c.size, maxNodes+1)
	parent.height = max(parent.height, c.height)
	return c
}

func (b *builder) buildMap(n *node, y *yaml.Node) {
	seen := map[string]*node{}
	var merged [][2]*node
	for i := 0; i+1 < len(y.Content); i += 2 {
		ky, vy := y.Content[i], y.Content[i+1]
		if ky.Kind == yaml.ScalarNode && ky.ShortTag() == "!!merge" {
			merged = append(merged, b.mergeSources(vy)...)
			continue
		}
		k := b.build(ky)
		if k.kind != scalarNode {
			b.diags.add(k.pos, "mapping keys must be plain strings, not %s", k.kindName())
			continue
		}
		if first, dup := seen[k.value]; dup {
			b.diags.add(k.pos, "duplicate key %q (first defined at line %d)", k.value, first.pos.Line)
			continue
		}
		seen[k.value] = k
		n.keys = append(n.keys, k)
		n.vals = append(n.vals, b.child(n, vy))
	}
	// Merged keys (<<: *defaults) fill in what the mapping does not set itself.
	for _, kv := range merged {
		if _, ok := seen[kv[0].value]; ok {
			continue
		}
		seen[kv[0].value] = kv[0]
		n.keys = append(n.keys, kv[0])
		n.vals = append(n.vals, kv[1])
		n.size = min(n.size+kv[1].size, maxNodes+1)
		n.height = max(n.height, kv[1].height)
	}
}

// mergeSources returns the key/value pairs a merge key (<<) brings in.
func (b *builder) mergeSources(vy *yaml.Node) [][2]*node {
	src := b.build(vy)
	var maps []*node
	switch src.kind {
	case mapNode:
		maps = []*node{src}
	case seqNode:
		maps = src.items
	}
	var out [][2]*node
	for _, m := range maps {
		if m.kind != mapNode {
			b.diags.add(m.pos, "a merge key (<<) takes a mapping or a list of mappings, not %s", m.kindName())
			continue
		}
		for i := range m.keys {
			out = append(out, [2]*node{m.keys[i], m.vals[i]})
		}
	}
	if src.kind == scalarNode {
		b.diags.add(src.pos, "a merge key (<<) takes a mapping or a list of mappings, not %s", src.kindName())
	}
	return out
}
