package emulator

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// behaviourRE finds the ids code names: "// behaviour exo.batch.item-auth".
var behaviourRE = regexp.MustCompile(`//\s*behaviour ((?:exo|entra|dir)(?:\.[a-z0-9-]+)+)`)

// TestBehavioursTable holds BEHAVIOURS.md and the code to each other: every
// behaviour the code names has a row, every row names a behaviour of the
// code, and every row says its source or "assumption".
func TestBehavioursTable(t *testing.T) {
	inCode := map[string]string{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range behaviourRE.FindAllSubmatch(b, -1) {
			inCode[string(m[1])] = path
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("BEHAVIOURS.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := map[string]bool{}
	public, assumed := 0, 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| id ") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) != 4 {
			t.Errorf("row %q: want id | behaviour | source | kind", line)
			continue
		}
		id, what, source, kind := cells[0], cells[1], cells[2], cells[3]
		if rows[id] {
			t.Errorf("row %s appears twice", id)
		}
		rows[id] = true
		switch {
		case what == "" || source == "":
			t.Errorf("row %s: no behaviour or no source", id)
		case kind == "public" && strings.TrimSpace(source) != "assumption":
			public++
		case kind == "assumption":
			assumed++
		default:
			t.Errorf("row %s: kind %q (want public with a source, or assumption)", id, kind)
		}
		if _, ok := inCode[id]; !ok {
			t.Errorf("row %s names no behaviour of the code (no // behaviour %s)", id, id)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	var missing []string
	for id, path := range inCode {
		if !rows[id] {
			missing = append(missing, id+" ("+path+")")
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("behaviour %s has no row in BEHAVIOURS.md", m)
	}
	t.Logf("%d behaviours: %d cite a public source, %d are assumptions", len(rows), public, assumed)
}
