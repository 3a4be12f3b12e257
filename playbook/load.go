package playbook

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/exoplay/exoplay/internal/inputfile"
)

// LoadOptions tune loading.
type LoadOptions struct {
	// Vars are --var overrides: they win over playbook and tenant vars and
	// are known names in expressions.
	Vars map[string]any
	// ReadFile reads the playbook and inventory files; nil means os.ReadFile.
	ReadFile func(string) ([]byte, error)
	// SkipSchema skips the JSON Schema pass (the Go rules still apply); used
	// by tests that compare the two.
	SkipSchema bool
	// Include resolves an include: name to a file name and its bytes
	// (include.go); nil refuses include:. Includes are added as if the
	// playbook listed them (exoplay audit adds the baseline).
	Include  func(name string) (file string, data []byte, err error)
	Includes []string
	// WaiverFiles are extra waivers files (--waivers), checked like the
	// playbook's own waivers: against its controls.
	WaiverFiles []string
}

// Load reads, parses and validates the playbook at path. The error, if any,
// is Diagnostics: every problem found, sorted by position.
func Load(path string, opts LoadOptions) (*Playbook, error) {
	read := opts.ReadFile
	if read == nil {
		read = inputfile.Read
	}
	data, err := read(path)
	if err != nil {
		return nil, Diagnostics{{Pos: Pos{File: path}, Message: fmt.Sprintf("cannot read playbook: %v", unwrapPathError(err))}}
	}
	return Parse(path, data, opts)
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// Parse validates a playbook held in memory; path names it in diagnostics
// and anchors relative paths.
func Parse(path string, data []byte, opts LoadOptions) (*Playbook, error) {
	if opts.ReadFile == nil {
		opts.ReadFile = inputfile.Read
	}
	sum := sha256.Sum256(data)
	pb := &Playbook{Path: path, Dir: filepath.Dir(path), SHA256: hex.EncodeToString(sum[:])}
	root, ds := parseYAML(path, data)
	if ds != nil {
		return nil, ds
	}
	l := &loader{file: path, pb: pb, opts: opts}
	l.c.d = &l.d
	root = l.applyIncludes(root)
	l.decode(root)
	if l.d.empty() && !opts.SkipSchema {
		// The Go rules passed; the schema is a second opinion so that a gap
		// in either shows up as a positioned error instead of drift.
		l.d.list = append(l.d.list, validateSchema(root)...)
	}
	if !l.d.empty() {
		return nil, capDiagnostics(sortDiagnostics(l.d.list))
	}
	pb.varReads = l.c.varReads
	return pb, nil
}

// maxDiagnostics bounds the report: past it, more lines help nobody (a
// 10,000-row inventory without an auth column would print 10,000).
const maxDiagnostics = 200

func capDiagnostics(ds Diagnostics) Diagnostics {
	if len(ds) <= maxDiagnostics {
		return ds
	}
	more := len(ds) - maxDiagnostics
	last := ds[maxDiagnostics-1]
	return append(ds[:maxDiagnostics:maxDiagnostics], Diagnostic{Pos: last.Pos, Message: fmt.Sprintf("... and %d more problems", more)})
}

// loader holds the state of one Parse.
type loader struct {
	file string
	pb   *Playbook
	opts LoadOptions
	d    diags
	c    compiler

	varNames  []string // every top-level var name: playbook, tenants, --var
	authNames []string // every auth entry written, valid or not
}

var topKeys = []string{"version", "name", "description", "include", "vars", "auth", "inventory", "tenants", "settings", "steps", "waivers", "secret_vars", "notify"}

func (l *loader) decode(root *node) {
	pb := l.pb
	pb.Pos = root.pos
	f := l.fields(root, "the playbook", topKeys...)
	if f == nil {
		return
	}
	if n := f.required("version"); n != nil {
		if v, ok := n.plain().(float64); n.kind == scalarNode && (n.tag == "!!int" && n.plain() == 1 || ok && v == 1) {
			pb.Version = 1
		} else {
			l.d.add(n.pos, "version must be 1 (the only playbook format version), not %s", n.value)
		}
	}
	var nn *node
	pb.Name, nn = f.str("name")
	if nn != nil && len(pb.Name) > MaxNameLen {
		l.d.add(nn.pos, "name is %d bytes long; it becomes part of the run directory's name and may be at most %d bytes", len(pb.Name), MaxNameLen)
	}
	if pb.Name == "" {
		base := filepath.Base(pb.Path)
		pb.Name = strings.ToValidUTF8(strings.TrimSuffix(base, filepath.Ext(base))[:min(MaxNameLen, len(base)-len(filepath.Ext(base)))], "")
	}
	pb.Description, _ = f.str("description")
	pb.Vars = l.vars(f.get("vars"), "vars")
	pb.Auth = l.auths(f.get("auth"))
	l.tenants(f.get("tenants"), pb.Path)
	l.inventory(f)
	l.checkTenants()
	l.settings(f.get("settings"))
	pb.Notify = l.notify(f.get("notify"))
	l.collectVarNames()
	if n := f.required("steps"); n != nil {
		l.steps(n)
	}
	l.secretVars(f)
	pb.Waivers = l.waivers(f.get("waivers"))
	for _, w := range l.opts.WaiverFiles {
		l.waiverFile(w)
	}
	l.checkWaivers()
}

// vars decodes a vars mapping into plain values; names must be identifiers
// so that they can be used at the top level of expressions.
func (l *loader) vars(n *node, what string) map[string]any {
	if n == nil {
		return map[string]any{}
	}
	if n.kind != mapNode {
		l.d.add(n.pos, "%s must be a mapping of names to values, not %s", what, describeNode(n))
		return map[string]any{}
	}
	out := make(map[string]any, len(n.keys))
	for i, k := range n.keys {
		switch {
		case !identRE.MatchString(k.value):
			l.d.add(k.pos, "variable name %q must be an identifier (letters, digits, _; not starting with a digit)", k.value)
		case slices.Contains(reservedNames, k.value):
			l.d.add(k.pos, "variable name %q is reserved in expressions; choose another name", k.value)
		}
		out[k.value] = n.vals[i].plain()
	}
	return out
}

// collectVarNames gathers every var name an expression may use at the top level.
func (l *loader) collectVarNames() {
	seen := map[string]bool{}
	add := func(m map[string]any) {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				l.varNames = append(l.varNames, k)
			}
		}
	}
	add(l.pb.Vars)
	for _, t := range l.pb.Tenants {
		add(t.Vars)
	}
	add(l.opts.Vars)
}
