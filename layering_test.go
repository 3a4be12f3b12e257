package exoplay_test

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/exoplay/exoplay"

// layers is DESIGN.md §1's import table: for each package of the product,
// the packages of the module it may import (besides its own subpackages
// and the leaves). A subpackage belongs to its parent's row
// (transport/internal/wire is transport; internal/emulator/entra is the
// emulator). "." is the module root (package exoplay, the embedded schema).
var layers = map[string][]string{
	"cmd/exoplay":      {"internal/cli"},
	"internal/cli":     {"internal/connect", "runner", "report", "results", "playbook", ".", "internal/emulator", "baseline", "internal/cassette", "notify"},
	"internal/connect": {"auth", "transport", "runner", "playbook", "internal/cassette"},
	// cassette: the record format, redaction and shape comparison; below
	// connect. The emulator reads cassettes with its own decoder
	// (internal/emulator/replay), so it still imports nothing of the product.
	"internal/cassette": {},
	"runner":            {"playbook", "results"},
	"report":            {"results"},
	"notify":            {"results"},
	"playbook":          {"."},
	"results":           {},
	"auth":              {},
	"transport":         {},
	".":                 {},
	"baseline":          {}, // data: the shipped baselines (go:embed)
	"cloud":             {},
	"cmdlet":            {},
	// inputfile: the one rule for reading a file a user names (regular
	// files only, bounded, never blocking on a FIFO); a leaf so that auth
	// reads certificate and token files by it too.
	"internal/inputfile": {},
	// wait: sleeping under a context (the one real Sleep behind every
	// injected clock) and reading Retry-After; a leaf so that auth,
	// transport, runner and notify share them.
	"internal/wait":     {},
	"internal/category": {},
	// atomicfile: replacing a file whole (temp, sync, rename); a leaf so
	// that auth's token cache and results' run files share it.
	"internal/atomicfile": {},
	"internal/emulator":   {},
}

// leaves may be imported by every product package; they import nothing of
// the module themselves (their rows above are empty).
var leaves = []string{"cloud", "cmdlet", "internal/inputfile", "internal/wait", "internal/atomicfile", "internal/category"}

// noLeaves are rows that may not even import the leaves: the emulator is an
// independent implementation of the service, so that it can catch the
// client's mistakes.
var noLeaves = []string{"internal/emulator"}

// tools are not part of the product: they may import any package (bench
// drives the CLI and the emulator; the examples' tests run the CLI), and no
// product package may import them.
var tools = []string{"bench", "examples", "deploy"}

// pending are imports DESIGN §1 forbids that exist today while the work
// that removes them is under way. The test fails when one of them
// disappears, so the list only shrinks. (Empty since internal/connect took
// over building the token manager and the transport client from
// internal/cli, issue 9 item 2.)
var pending = map[string]bool{}

type pkg struct {
	ImportPath string
	Imports    []string
}

// rowOf finds the table row of a module-relative package path: the row
// itself or its longest parent.
func rowOf(rel string, table map[string][]string) (string, bool) {
	for p := rel; ; {
		if _, ok := table[p]; ok {
			return p, true
		}
		i := strings.LastIndex(p, "/")
		if i < 0 {
			return "", false
		}
		p = p[:i]
	}
}

func rel(path string) string {
	if path == module {
		return "."
	}
	return strings.TrimPrefix(path, module+"/")
}

func inside(p, row string) bool { return p == row || row != "." && strings.HasPrefix(p, row+"/") }

func isTool(rel string) bool {
	return slices.ContainsFunc(tools, func(t string) bool { return inside(rel, t) })
}

// TestImportsFollowDesignLayers fails when a package's (non-test) imports
// break DESIGN.md §1: imports point down only, leaves import nothing, the
// emulator imports nothing of the product. Tests may import anything (the
// end-to-end tests assemble the product against the emulator).
func TestImportsFollowDesignLayers(t *testing.T) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := map[string]bool{}
	var problems []string
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		from := rel(p.ImportPath)
		if isTool(from) {
			continue
		}
		row, ok := rowOf(from, layers)
		if !ok {
			problems = append(problems, from+": not in the layering table of layering_test.go; add it where DESIGN.md §1 puts it")
			continue
		}
		for _, imp := range p.Imports {
			if imp != module && !strings.HasPrefix(imp, module+"/") {
				continue
			}
			to := rel(imp)
			if inside(to, row) {
				continue // its own subpackages
			}
			edge := row + " -> " + to
			switch {
			case isTool(to):
				problems = append(problems, from+" imports "+to+": bench, examples and deploy are tools, never imported by the product")
				continue
			case slices.ContainsFunc(leaves, func(l string) bool { return inside(to, l) }) && !slices.Contains(noLeaves, row):
				continue
			}
			target, _ := rowOf(to, layers)
			if slices.Contains(layers[row], target) {
				continue
			}
			if pending[edge] {
				seen[edge] = true
				continue
			}
			problems = append(problems, from+" imports "+to+": DESIGN.md §1 allows "+row+" -> "+allowed(row))
		}
	}
	for edge := range pending {
		if !seen[edge] {
			problems = append(problems, edge+" is gone: remove it from pending in layering_test.go")
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

func allowed(row string) string {
	a := append([]string(nil), layers[row]...)
	if !slices.Contains(noLeaves, row) && !slices.Contains(leaves, row) {
		a = append(a, leaves...)
	}
	if len(a) == 0 {
		return "nothing of the module"
	}
	return "{" + strings.Join(a, ", ") + "}"
}

// TestLayeringTableCatchesAWrongImport checks the checker: an upward import
// is reported and a leaf import is not.
func TestLayeringTableCatchesAWrongImport(t *testing.T) {
	row, _ := rowOf("transport/internal/wire", layers)
	if row != "transport" {
		t.Fatalf("transport/internal/wire is in row %q, want transport", row)
	}
	if target, _ := rowOf("runner", layers); slices.Contains(layers[row], target) {
		t.Fatal("transport may import runner according to the table")
	}
	if slices.Contains(layers["playbook"], "runner") || slices.Contains(layers["runner"], "internal/cli") {
		t.Fatal("an upward import is allowed by the table")
	}
	for _, l := range slices.Concat(leaves, noLeaves) {
		if len(layers[l]) != 0 {
			t.Fatalf("%s, a leaf or the emulator, may import something of the module", l)
		}
	}
}

// The package comment's layout (doc.go) names every row of the table, so
// that a package added to the table is added to the map a newcomer reads.
func TestDocCommentNamesEveryLayer(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	words := map[string]bool{}
	for _, w := range strings.FieldsFunc(string(doc), func(r rune) bool { return strings.ContainsRune(" \t\n,{}:>-()", r) }) {
		words[w] = true
	}
	for row := range layers {
		if row != "." && !words[row] {
			t.Errorf("doc.go's layout does not name %s", row)
		}
	}
}
