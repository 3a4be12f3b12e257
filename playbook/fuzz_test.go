package playbook

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: any input gives a playbook or Diagnostics, never a panic, and
// a playbook that loads evaluates its static values without error.
// Seeds: every fixture plus testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, glob := range []string{"testdata/valid/*.yaml", "testdata/invalid/*.yaml"} {
		files, _ := filepath.Glob(glob)
		for _, p := range files {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data)
			}
		}
	}
	noFiles := LoadOptions{ReadFile: func(string) ([]byte, error) { return nil, os.ErrNotExist }}
	f.Fuzz(func(t *testing.T, data []byte) {
		pb, err := Parse("fuzz.yaml", data, noFiles)
		if err != nil {
			var ds Diagnostics
			if !errors.As(err, &ds) || len(ds) == 0 {
				t.Fatalf("error is not Diagnostics: %T %v", err, err)
			}
			for _, d := range ds {
				if d.Message == "" || d.Pos.File == "" {
					t.Fatalf("empty diagnostic: %+v", d)
				}
			}
			return
		}
		for _, st := range pb.Steps {
			for _, p := range st.Parameters {
				if p.Value.IsStatic() {
					if _, err := p.Value.Eval(nil); err != nil {
						t.Fatalf("static value failed: %v", err)
					}
				}
			}
		}
	})
}

// FuzzExpression: any text in a parameter, a when or an assertion either
// fails to load with a diagnostic or evaluates (possibly to an error)
// without a panic, over results that mix JSON numbers, nils and strings.
func FuzzExpression(f *testing.F) {
	for _, s := range []string{
		"org[0].OAuth2ClientProfileEnabled != desired",
		"all(result, .PopEnabled == false)",
		"len(mbx) > 0 ? mbx[0].Name : 'none'",
		"filter(mbx, .Size > 5)",
		"item.Identity + '@' + tenant.organization",
		"vars.x.y.z",
		"mbx[99].Name",
		"1/0", "let x = 1; x + desired", "upper(item)", "}} ${{", "",
		"map(mbx, #.Name) | join(',')",
	} {
		f.Add(s)
	}
	result := []any{map[string]any{"Name": "a", "Size": "10", "Count": json.Number("7"), "PopEnabled": true}, nil, "text", 3.5, json.Number("2.5")}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 2000 {
			return
		}
		pb, err := Parse("x.yaml", []byte(exprPlaybook(src)), LoadOptions{})
		if err != nil {
			return
		}
		scope := pb.Scope(nil, nil)
		scope["mbx"] = result
		scope["item"] = result[0]
		scope["result"] = result
		st := pb.Steps[1]
		for _, v := range []*Value{st.Parameters[0].Value, st.When, pb.Steps[1].Assert[0].That} {
			_, _ = v.Eval(scope)
			_, _ = v.EvalBool(scope)
			_, _ = v.EvalList(scope)
		}
	})
}

// exprPlaybook puts src in a parameter, a when and an assertion (as a
// double-quoted YAML string, escaped).
func exprPlaybook(src string) string {
	q := quoteYAML("${{ " + src + " }}")
	return "version: 1\nvars: {desired: true}\nsteps:\n  - cmdlet: Get-Mailbox\n    register: mbx\n" +
		"  - cmdlet: Set-Mailbox\n    foreach: ${{ mbx }}\n    parameters: {P: " + q + "}\n    when: " + q +
		"\n    assert:\n      - that: " + q + "\n"
}

func quoteYAML(s string) string {
	out := []byte{'"'}
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			out = append(out, '\\', byte(r))
		case r < 0x20 || r == 0x7f:
			out = append(out, []byte(`\x`)...)
			out = append(out, "0123456789abcdef"[r>>4], "0123456789abcdef"[r&15])
		default:
			out = append(out, string(r)...)
		}
	}
	return string(append(out, '"'))
}
