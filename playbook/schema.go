package playbook

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/exoplay/exoplay"
	"github.com/exoplay/exoplay/cmdlet"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

var (
	schemaOnce sync.Once
	schemaC    *jsonschema.Schema
	schemaErr  error
	printer    = message.NewPrinter(language.English)
)

// editorSchemaStub stands in for schema.cmdlets.json in the loader's schema
// pass: the definitions schema.json refers to, each accepting anything.
var editorSchemaStub = map[string]any{"$defs": map[string]any{"step": true, "stepAllowUnknown": true}}

// compiledSchema compiles the embedded schema.json once.
func compiledSchema() (*jsonschema.Schema, error) {
	schemaOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(exoplay.SchemaJSON))
		if err != nil {
			schemaErr = fmt.Errorf("embedded schema.json: %w", err)
			return
		}
		c := jsonschema.NewCompiler()
		const url = "https://github.com/exoplay/exoplay/schema.json"
		if err := c.AddResource(url, doc); err != nil {
			schemaErr = fmt.Errorf("embedded schema.json: %w", err)
			return
		}
		// The catalog's editor schema is the projection of the Go catalog
		// rules (catalog.go), which already ran with better messages and
		// PowerShell's case-insensitivity: here it accepts everything.
		if err := c.AddResource(cmdlet.SchemaID, editorSchemaStub); err != nil {
			schemaErr = fmt.Errorf("cmdlet schema: %w", err)
			return
		}
		schemaC, schemaErr = c.Compile(url)
	})
	return schemaC, schemaErr
}

// ValidateSchema checks a YAML document against schema.json alone and maps
// each failure to the position of the value it concerns. The loader runs it
// after its own rules; tests use it to prove the two agree.
func ValidateSchema(file string, data []byte) Diagnostics {
	root, ds := parseYAML(file, data)
	if ds != nil {
		return ds
	}
	return validateSchema(root)
}

func validateSchema(root *node) Diagnostics {
	sch, err := compiledSchema()
	if err != nil {
		return Diagnostics{{Pos: root.pos, Message: err.Error()}}
	}
	err = sch.Validate(toJSON(root))
	var ve *jsonschema.ValidationError
	if err == nil {
		return nil
	}
	if !errors.As(err, &ve) {
		return Diagnostics{{Pos: root.pos, Message: "schema: " + err.Error()}}
	}
	var out Diagnostics
	seen := map[Pos]bool{}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		p := locate(root, e.InstanceLocation)
		if seen[p] {
			return
		}
		seen[p] = true
		out = append(out, Diagnostic{Pos: p, Message: "schema: " + e.ErrorKind.LocalizedString(printer)})
	}
	walk(ve)
	return out
}

// locate follows a JSON pointer (as tokens) through the node tree.
func locate(n *node, path []string) Pos {
	for _, tok := range path {
		switch n.kind {
		case mapNode:
			next := n.get(tok)
			if next == nil {
				return n.pos
			}
			n = next
		case seqNode:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n.items) {
				return n.pos
			}
			n = n.items[i]
		default:
			return n.pos
		}
	}
	return n.pos
}

// toJSON converts the node tree to the values the schema validator expects.
func toJSON(n *node) any {
	switch n.kind {
	case mapNode:
		m := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			m[k.value] = toJSON(n.vals[i])
		}
		return m
	case seqNode:
		l := make([]any, len(n.items))
		for i, it := range n.items {
			l[i] = toJSON(it)
		}
		return l
	}
	switch v := n.plain().(type) {
	case int, int64, uint64, float64, bool, string, nil:
		return v
	default:
		return fmt.Sprint(v)
	}
}
