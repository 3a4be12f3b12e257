package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"slices"
	"testing"

	"github.com/exoplay/exoplay/cmdlet"
)

var update = flag.Bool("update", false, "rewrite testdata/expected.json from the fixture pages")

// The fixture pages (written for this test, in the structure of the
// reference pages) cover: named sets with a (Default) mark, one unnamed
// set, an indented code fence inside a parameter, a parameter with one
// yaml block per set, aliases, accepted values, a per-parameter
// applicability narrower than the cmdlet's, a "Valid values are:" list (and
// one that is not a list of words), an on-premises-only parameter
// and cmdlet, and the docs' known slips (FalseNamed, Positional, a set the
// syntax lacks, a missing Applicable line, a page without SYNTAX).
func TestFixture(t *testing.T) {
	s, err := openSource("testdata/pages", "")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := build(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := encode(cat, true)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("testdata/expected.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("generator output differs from testdata/expected.json (run with -update after checking the change):\n%s", got)
	}
}

// The committed catalog is what the generator makes of the recorded docs
// commit. The docs repository is not part of the module, so this runs only
// when EXOPLAY_DOCS names a checkout (a git dir or a work tree) holding
// that commit.
func TestCommittedCatalogMatchesTheDocs(t *testing.T) {
	docs := os.Getenv("EXOPLAY_DOCS")
	if docs == "" {
		t.Skip("EXOPLAY_DOCS is not set: the committed catalog is not compared with the docs")
	}
	committed, err := os.ReadFile("../../catalog.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	old, err := cmdlet.Decode(committed)
	if err != nil {
		t.Fatal(err)
	}
	s, err := openSource(docs, old.Commit)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := build(s)
	if err != nil {
		t.Fatal(err)
	}
	all, err := old.All()
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(cmdlet.New(old.Source, old.Commit, all))
	b, _ := json.Marshal(cmdlet.New(cat.Source, cat.Commit, cat.Cmdlets))
	if !slices.Equal(old.Unparsed, cat.Unparsed) {
		t.Errorf("the unparsed lists differ")
	}
	if !bytes.Equal(a, b) {
		t.Errorf("cmdlet/catalog.json.gz differs from the generator's output for %s: run go generate ./cmdlet", old.Commit)
	}
}
