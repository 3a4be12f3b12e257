package playbook

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/exoplay/exoplay"
)

// Every fixture goes through both the Go loader (alone, without the schema
// pass) and schema.json. Valid fixtures must pass both. Each invalid fixture
// declares "# schema: reject" (the schema catches it too) or "# schema:
// accept" (a rule JSON Schema cannot express: uniqueness, scope, files) and
// one "# want: [FILE:]LINE:COL MESSAGE" line per diagnostic the loader must
// report, no more and no fewer.

var wantRE = regexp.MustCompile(`(?m)^# want: (?:(\S+\.\w+):)?(\d+):(\d+) (.+)$`)

func TestValidFixtures(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.yaml")
	if len(files) < 5 {
		t.Fatalf("want at least 5 valid fixtures, found %d", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if _, err := Load(f, LoadOptions{}); err != nil {
				t.Errorf("loader rejects a valid fixture:\n%v", err)
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if ds := ValidateSchema(f, data); ds != nil {
				t.Errorf("schema.json rejects a valid fixture the loader accepts:\n%v", ds)
			}
		})
	}
}

func TestInvalidFixtures(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*.yaml")
	if len(files) < 40 {
		t.Fatalf("want at least 40 invalid fixtures (one per rule), found %d", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			text := string(data)
			var schemaRejects bool
			switch {
			case strings.Contains(text, "\n# schema: reject\n"):
				schemaRejects = true
			case strings.Contains(text, "\n# schema: accept\n"):
			default:
				t.Fatal(`fixture lacks "# schema: reject" or "# schema: accept"`)
			}
			wants := wantRE.FindAllStringSubmatch(text, -1)
			if len(wants) == 0 {
				t.Fatal(`fixture lacks "# want: LINE:COL MESSAGE"`)
			}

			_, err = Load(f, LoadOptions{SkipSchema: true})
			var got Diagnostics
			if !errors.As(err, &got) {
				t.Fatalf("loader accepted an invalid fixture (err %v)", err)
			}
			for _, w := range wants {
				file := f
				if w[1] != "" {
					file = filepath.Join(filepath.Dir(f), w[1])
				}
				line, _ := strconv.Atoi(w[2])
				col, _ := strconv.Atoi(w[3])
				want := Pos{File: file, Line: line, Col: col}
				found := false
				for _, d := range got {
					if d.Pos == want && strings.Contains(d.Message, w[4]) {
						found = true
					}
				}
				if !found {
					t.Errorf("missing diagnostic %s: %s\ngot:\n%v", want, w[4], got)
				}
			}
			if len(got) != len(wants) {
				t.Errorf("loader reported %d problems, fixture expects %d:\n%v", len(got), len(wants), got)
			}

			sd := ValidateSchema(f, data)
			switch {
			case schemaRejects && sd == nil:
				t.Errorf("the loader rejects this file but schema.json accepts it")
			case !schemaRejects && sd != nil:
				t.Errorf("fixture says schema.json cannot express this rule, but it rejects the file:\n%v", sd)
			}
			// With the schema pass on, the loader still reports its own
			// (better) messages and nothing else.
			_, err = Load(f, LoadOptions{})
			var full Diagnostics
			errors.As(err, &full)
			if len(full) != len(got) {
				t.Errorf("full load reported %d problems, Go rules alone %d:\n%v", len(full), len(got), full)
			}
		})
	}
}

// TestSchemaDocumentsEveryKey keeps editor help complete: every property
// the schema declares (outside if/then conditions) has a description.
func TestSchemaDocumentsEveryKey(t *testing.T) {
	var doc any
	if err := json.Unmarshal(exoplay.SchemaJSON, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch o := v.(type) {
		case map[string]any:
			if props, ok := o["properties"].(map[string]any); ok && !strings.Contains(path, "/if") && !strings.Contains(path, "/then") {
				for k, p := range props {
					pm, isMap := p.(map[string]any)
					if !isMap {
						continue
					}
					if _, ok := pm["description"]; !ok {
						if _, ref := pm["$ref"]; !ref {
							t.Errorf("schema.json: %s/properties/%s has no description", path, k)
						}
					}
				}
			}
			for k, c := range o {
				walk(c, path+"/"+k)
			}
		case []any:
			for i, c := range o {
				walk(c, fmt.Sprintf("%s/%d", path, i))
			}
		}
	}
	walk(doc, "")
}
