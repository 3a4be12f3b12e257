package playbook

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/exoplay/exoplay"
	"github.com/exoplay/exoplay/cmdlet"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

var (
	editorOnce sync.Once
	editorSch  *jsonschema.Schema
)

// editorSchema compiles schema.json with the real schema.cmdlets.json, as
// an editor (yaml-language-server) sees them, once per test binary (about
// 1.5 s of CPU: jsonschema/v6 is quadratic in the number of subschemas).
func editorSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	editorOnce.Do(func() { editorSch = compileEditorSchema(t) })
	if editorSch == nil {
		t.Fatal("editor schema did not compile")
	}
	return editorSch
}

func compileEditorSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	main, err := jsonschema.UnmarshalJSON(bytes.NewReader(exoplay.SchemaJSON))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../schema.cmdlets.json")
	if err != nil {
		t.Fatal(err)
	}
	cmd, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	const url = "https://github.com/exoplay/exoplay/schema.json"
	if err := c.AddResource(url, main); err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource(cmdlet.SchemaID, cmd); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// editorErrors validates src and returns "line:col" of each failure; an
// unknown property is placed at its key, as an editor underlines it.
func editorErrors(t *testing.T, s *jsonschema.Schema, src string) []string {
	t.Helper()
	root, ds := parseYAML("p.yaml", []byte(src))
	if ds != nil {
		t.Fatal(ds)
	}
	err := s.Validate(toJSON(root))
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		t.Fatal(err)
	}
	var out []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		for _, c := range e.Causes {
			walk(c)
		}
		if len(e.Causes) > 0 {
			return
		}
		if ap, ok := e.ErrorKind.(*kind.AdditionalProperties); ok {
			for _, name := range ap.Properties {
				out = append(out, keyPos(root, e.InstanceLocation, name)+" "+name)
			}
			return
		}
		p := locate(root, e.InstanceLocation)
		out = append(out, strings.TrimPrefix(p.String(), "p.yaml:")+" "+e.ErrorKind.LocalizedString(printer))
	}
	walk(ve)
	return out
}

func keyPos(root *node, at []string, name string) string {
	p := locate(root, at)
	n := root
	for _, tok := range at {
		if n.kind == mapNode && n.get(tok) != nil {
			n = n.get(tok)
		} else if n.kind == seqNode {
			i := 0
			for _, r := range tok {
				i = i*10 + int(r-'0')
			}
			if i < len(n.items) {
				n = n.items[i]
			}
		}
	}
	for _, k := range n.keys {
		if k.value == name {
			p = k.pos
		}
	}
	return strings.TrimPrefix(p.String(), "p.yaml:")
}

func TestEditorSchema(t *testing.T) {
	s := editorSchema(t)
	cases := []struct{ name, step, want string }{
		{"misspelt parameter", "  - cmdlet: Get-Mailbox\n    parameters:\n      Identiy: adele\n", "5:7 Identiy"},
		{"misspelt cmdlet", "  - cmdlet: Get-Mailboxx\n", "3:13 value must be one of"},
		{"Boolean as text", "  - cmdlet: Set-CASMailbox\n    parameters: {Identity: a, PopEnabled: yes please}\n", "4:43 "},
		{"enum", "  - cmdlet: Set-HostedOutboundSpamFilterPolicy\n    parameters: {Identity: Default, AutoForwardingMode: Of}\n", "4:57 value must be one of"},
		{"on-premises parameter", "  - cmdlet: Set-CASMailbox\n    parameters: {Identity: a, DomainController: dc1}\n", "4:31 DomainController"},
		{"fine", "  - cmdlet: Set-CASMailbox\n    parameters: {Identity: \"${{ item }}\", PopEnabled: false, ActiveSyncAllowedDeviceIDs: {Add: [x]}}\n    foreach: [a]\n", ""},
		{"unchecked", "  - cmdlet: Get-Mailboxx\n    unchecked: true\n    parameters: {Anything: 1}\n", ""},
		{"ensure: misspelt state key", "  - ensure:\n      cmdlet: Set-CASMailbox\n      identity: a\n      state:\n        PopEnabld: false\n", "7:9 PopEnabld"},
		{"ensure: misspelt cmdlet", "  - ensure:\n      cmdlet: Set-CASMailboxx\n      identity: a\n      state: {PopEnabled: false}\n", "4:15 value must be one of"},
		{"ensure: Boolean as text", "  - ensure:\n      cmdlet: Set-CASMailbox\n      identity: a\n      state: {PopEnabled: yes please}\n", "6:27 "},
		{"ensure: fine", "  - ensure:\n      cmdlet: Set-CASMailbox\n      identity: a\n      state: {PopEnabled: false}\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := editorErrors(t, s, catalogHead+c.step)
			if c.want == "" {
				if len(got) > 0 {
					t.Fatalf("want no error, got %q", got)
				}
				return
			}
			for _, g := range got {
				if strings.HasPrefix(g, c.want) {
					return
				}
			}
			t.Errorf("want %q, got %q", c.want, got)
		})
	}
	allow := "version: 1\nsettings: {allow_unknown_cmdlets: true}\nsteps:\n  - cmdlet: Get-Brandnew\n  - cmdlet: Get-Mailbox\n    parameters: {Identiy: a}\n"
	if got := editorErrors(t, s, allow); len(got) != 1 || got[0] != "6:18 Identiy" {
		t.Errorf("allow_unknown_cmdlets: %q", got)
	}
}

// Editors must not underline anything in the shipped examples.
func TestExamplesPassTheEditorSchema(t *testing.T) {
	s := editorSchema(t)
	files, _ := filepath.Glob("../examples/*.yaml")
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := editorErrors(t, s, string(b)); len(got) > 0 {
			t.Errorf("%s: %q", f, got)
		}
	}
}

func BenchmarkEditorSchemaCompile(b *testing.B) {
	for b.Loop() {
		compileEditorSchema(b)
	}
}
