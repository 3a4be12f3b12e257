package playbook

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// include: pulls another playbook's vars, steps and waivers into this one,
// before its own (a var of the including playbook wins over the included
// one's, so thresholds are overridden with vars). Names are resolved by
// LoadOptions.Include: the CLI resolves "baseline:NAME" to the baselines
// shipped in the binary. Positions keep naming the included file, so a
// problem in it is reported where it is.

// includableKeys are what an included playbook may hold.
var includableKeys = []string{"version", "name", "description", "vars", "steps", "waivers"}

// Include is a playbook pulled in by include:.
type Include struct {
	Name   string // as written, e.g. baseline:exo
	Path   string // what the resolver named it
	SHA256 string
}

// applyIncludes resolves root's include: list (and LoadOptions.Includes)
// and returns root with the included vars, steps and waivers merged in.
func (l *loader) applyIncludes(root *node) *node {
	if root.kind != mapNode {
		return root
	}
	type named struct {
		name string
		pos  Pos
	}
	var names []named
	if in := root.get("include"); in != nil {
		items := []*node{in}
		if in.kind == seqNode {
			items = in.items
		}
		for _, it := range items {
			if it.kind != scalarNode || it.tag != "!!str" || strings.TrimSpace(it.value) == "" {
				l.d.add(it.pos, "include must be a name or a list of names such as baseline:exo, not %s", describeNode(it))
				continue
			}
			names = append(names, named{it.value, it.pos})
		}
	}
	for _, n := range l.opts.Includes {
		if !slices.ContainsFunc(names, func(x named) bool { return x.name == n }) {
			names = append(names, named{n, root.pos})
		}
	}
	for _, n := range names {
		if l.opts.Include == nil {
			l.d.add(n.pos, "include %q: nothing can be included here", n.name)
			continue
		}
		file, data, err := l.opts.Include(n.name)
		if err != nil {
			l.d.add(n.pos, "include %q: %v", n.name, err)
			continue
		}
		inc, ds := parseYAML(file, data)
		if ds != nil {
			l.d.list = append(l.d.list, ds...)
			continue
		}
		if l.fields(inc, fmt.Sprintf("included playbook %q", n.name), includableKeys...) == nil {
			continue
		}
		sum := sha256.Sum256(data)
		l.pb.Includes = append(l.pb.Includes, Include{Name: n.name, Path: file, SHA256: hex.EncodeToString(sum[:])})
		root = mergeInto(root, inc)
	}
	return root
}

// mergeInto returns a copy of root whose vars, steps and waivers are inc's
// followed by root's (vars: root's win).
func mergeInto(root, inc *node) *node {
	out := *root
	out.keys, out.vals = slices.Clone(root.keys), slices.Clone(root.vals)
	set := func(k string, v *node) {
		for i, kn := range out.keys {
			if kn.value == k {
				out.vals[i] = v
				return
			}
		}
		out.keys = append(out.keys, &node{kind: scalarNode, tag: "!!str", value: k, pos: v.pos})
		out.vals = append(out.vals, v)
	}
	for _, k := range []string{"steps", "waivers"} {
		a, b := inc.get(k), root.get(k)
		switch {
		case a == nil:
		case b == nil || b.kind != seqNode || a.kind != seqNode:
			if b == nil {
				set(k, a)
			}
		default:
			merged := *b
			merged.items = append(slices.Clone(a.items), b.items...)
			set(k, &merged)
		}
	}
	if a, b := inc.get("vars"), root.get("vars"); a != nil && a.kind == mapNode {
		merged := *a
		merged.keys, merged.vals = slices.Clone(a.keys), slices.Clone(a.vals)
		if b != nil && b.kind == mapNode {
			for i, k := range b.keys {
				if j := slices.IndexFunc(merged.keys, func(x *node) bool { return x.value == k.value }); j >= 0 {
					merged.vals[j] = b.vals[i]
				} else {
					merged.keys, merged.vals = append(merged.keys, k), append(merged.vals, b.vals[i])
				}
			}
		}
		set("vars", &merged)
	}
	return &out
}
