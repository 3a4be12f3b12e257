package playbook

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// inventory loads the tenants of every inventory file (CSV or YAML), in order.
func (l *loader) inventory(f *fieldSet) {
	paths, nodes := f.strList("inventory", true)
	for i, p := range paths {
		if p == "" {
			continue
		}
		at := nodes[i].pos
		resolved := l.resolvePath(p)
		l.pb.Inventory = append(l.pb.Inventory, resolved)
		ext := strings.ToLower(filepath.Ext(p))
		if ext != ".csv" && ext != ".yaml" && ext != ".yml" {
			l.d.add(at, "inventory file %q must end in .csv, .yaml or .yml", p)
			continue
		}
		data, err := l.opts.ReadFile(resolved)
		if err != nil {
			l.d.add(at, "cannot read inventory file %q: %v", p, unwrapPathError(err))
			continue
		}
		if len(data) > MaxFileSize {
			l.d.add(at, "inventory file %q is %d bytes; the limit is %d", p, len(data), MaxFileSize)
			continue
		}
		sum := sha256.Sum256(data) // of the bytes the tenants come from: a resume compares it
		l.pb.InventorySHA256 = append(l.pb.InventorySHA256, hex.EncodeToString(sum[:]))
		if ext == ".csv" {
			l.csvInventory(resolved, data, at)
		} else {
			l.yamlInventory(resolved, data)
		}
	}
}

func (l *loader) yamlInventory(file string, data []byte) {
	root, ds := parseYAML(file, data)
	if ds != nil {
		l.d.list = append(l.d.list, ds...)
		return
	}
	if root.kind == mapNode {
		f := l.fields(root, "the inventory file", "tenants")
		if root = f.get("tenants"); root == nil {
			l.d.add(f.n.pos, "the inventory file has no tenants: list")
			return
		}
	}
	l.tenants(root, file)
}

// csvColumns are the columns a CSV inventory may have besides vars.NAME.
var csvColumns = []string{"name", "organization", "tenant_id", "environment", "emulate", "connection_uri", "authority_uri", "auth", "anchor", "groups"}

// csvInventory turns each row into a tenant mapping with cell positions and
// decodes it like a tenant written in the playbook. groups are separated by
// ';' or blanks; vars.NAME columns hold YAML-typed values.
func (l *loader) csvInventory(file string, data []byte, at Pos) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	r := csv.NewReader(bytes.NewReader(data))
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err != nil {
		l.csvError(file, err, at)
		return
	}
	hasOrg := false
	skip := make([]bool, len(header)) // unknown columns, reported once at the header
	seen := make(map[string]bool, len(header))
	for i, h := range header {
		h = strings.TrimSpace(h)
		header[i] = h
		line, col := r.FieldPos(i)
		p := Pos{File: file, Line: line, Col: col}
		dup := seen[h] // a map, not a scan of the columns before: 200k columns took 83 s
		seen[h] = true
		switch {
		case dup:
			skip[i] = true
			l.d.add(p, "inventory column %q appears twice", h)
		case h == "organization" || h == "tenant_id":
			hasOrg = true
		case slices.Contains(csvColumns, h):
		case strings.HasPrefix(h, "vars.") && identRE.MatchString(h[5:]):
		default:
			skip[i] = true
			l.d.add(p, "unknown inventory column %q%s; columns are %s or vars.NAME", h, didYouMean(h, csvColumns), quotedList(csvColumns))
		}
	}
	if !hasOrg {
		l.d.add(Pos{File: file, Line: 1, Col: 1}, "inventory CSV needs an \"organization\" or \"tenant_id\" column (header: %s)", truncate(strings.Join(header[:min(len(header), 20)], ","), 200))
		return
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, csv.ErrFieldCount) || err == nil && len(rec) != len(header) {
			line, _ := r.FieldPos(0)
			l.d.add(Pos{File: file, Line: line, Col: 1}, "row has %d cells; the header has %d", len(rec), len(header))
			continue
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				l.csvError(file, err, at)
			}
			return
		}
		line, col := r.FieldPos(0)
		row := &node{kind: mapNode, pos: Pos{File: file, Line: line, Col: col}}
		vars := &node{kind: mapNode, pos: row.pos}
		for i, cell := range rec {
			cell = strings.TrimSpace(cell)
			if cell == "" || skip[i] {
				continue
			}
			line, col := r.FieldPos(i)
			p := Pos{File: file, Line: line, Col: col}
			key := &node{kind: scalarNode, tag: "!!str", value: header[i], pos: p}
			val := &node{kind: scalarNode, tag: "!!str", value: cell, pos: p}
			switch {
			case header[i] == "groups":
				val = &node{kind: seqNode, pos: p}
				for _, g := range strings.FieldsFunc(cell, func(r rune) bool { return r == ';' || r == ' ' || r == '\t' }) {
					val.items = append(val.items, &node{kind: scalarNode, tag: "!!str", value: g, pos: p})
				}
			case strings.HasPrefix(header[i], "vars."):
				raw := &yaml.Node{Kind: yaml.ScalarNode, Value: cell}
				key.value = header[i][5:]
				vars.keys = append(vars.keys, key)
				vars.vals = append(vars.vals, &node{kind: scalarNode, tag: raw.ShortTag(), value: cell, pos: p, raw: raw})
				continue
			}
			row.keys = append(row.keys, key)
			row.vals = append(row.vals, val)
		}
		if len(vars.keys) > 0 {
			row.keys = append(row.keys, &node{kind: scalarNode, tag: "!!str", value: "vars", pos: row.pos})
			row.vals = append(row.vals, vars)
		}
		if t := l.tenant(row, file); t != nil {
			l.pb.Tenants = append(l.pb.Tenants, t)
		}
	}
}

func (l *loader) csvError(file string, err error, at Pos) {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		l.d.add(Pos{File: file, Line: pe.Line, Col: pe.Column}, "CSV: %v", pe.Err)
		return
	}
	if errors.Is(err, io.EOF) {
		l.d.add(Pos{File: file, Line: 1, Col: 1}, "inventory CSV is empty: it needs a header line such as name,organization,auth")
		return
	}
	l.d.add(at, "reading inventory: %v", err)
}
