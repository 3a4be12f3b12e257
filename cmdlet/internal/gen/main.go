package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/exoplay/exoplay/cmdlet"
)

// sourceName is recorded in the catalog next to the commit.
const sourceName = "MicrosoftDocs/office-docs-powershell " + pagesDir

func main() {
	src := flag.String("src", "", "docs checkout: a git dir (read at -commit) or a folder of cmdlet pages")
	rev := flag.String("commit", "HEAD", "commit to read when -src is a git dir")
	out := flag.String("out", "catalog.json.gz", "output file")
	plain := flag.Bool("json", false, "write indented JSON instead of gzip'd JSON (for reading and tests)")
	flag.Parse()
	if *src == "" {
		fmt.Fprintln(os.Stderr, "gen: -src is required (set EXOPLAY_DOCS for go generate)")
		os.Exit(2)
	}
	if *rev == "" {
		*rev = "HEAD"
	}
	if err := generate(*src, *rev, *out, *plain); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// generate reads the docs at src (commit rev), writes the catalog to out and
// prints its summary on stderr.
func generate(src, rev, out string, plain bool) error {
	s, err := openSource(src, rev)
	if err != nil {
		return err
	}
	cat, err := build(s)
	if err != nil {
		return err
	}
	b, err := encode(cat, plain)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return err
	}
	summary(os.Stderr, cat)
	return nil
}

// build reads every page of s into a catalog.
func build(s source) (*cmdlet.Catalog, error) {
	names, err := s.pages()
	if err != nil {
		return nil, err
	}
	cat := &cmdlet.Catalog{Source: sourceName, Commit: s.commit(), Cmdlets: []*cmdlet.Info{}}
	for _, name := range names {
		text, err := s.read(name)
		if err != nil {
			return nil, err
		}
		if !strings.Contains(name, "-") { // the module's index page, not a cmdlet
			continue
		}
		in, problems, err := parsePage(name, text)
		switch {
		case errors.Is(err, errNotApplicable):
			continue
		case err != nil:
			cat.Unparsed = append(cat.Unparsed, cmdlet.Problem{Page: name, Why: err.Error()})
			continue
		}
		cat.Unparsed = append(cat.Unparsed, problems...)
		cat.Cmdlets = append(cat.Cmdlets, in)
	}
	sort.Slice(cat.Cmdlets, func(i, j int) bool { return cat.Cmdlets[i].Name < cat.Cmdlets[j].Name })
	out := cmdlet.New(cat.Source, cat.Commit, cat.Cmdlets)
	out.Unparsed = cat.Unparsed
	return out, nil
}

// encode writes the catalog as compact JSON, gzip'd (no name, no time, so
// the same input gives the same bytes with one Go version), or indented.
func encode(cat *cmdlet.Catalog, plain bool) ([]byte, error) {
	if plain {
		b, err := json.MarshalIndent(cat, "", " ")
		return append(b, '\n'), err
	}
	b, err := json.Marshal(cat)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func summary(w io.Writer, cat *cmdlet.Catalog) {
	var exo, scc, params, onprem int
	for _, in := range cat.Cmdlets {
		if in.Services&cmdlet.Exchange != 0 {
			exo++
		}
		if in.Services&cmdlet.Compliance != 0 {
			scc++
		}
		params += len(in.Params)
		onprem += len(in.OnPremOnly)
	}
	fmt.Fprintf(w, "gen: %d cmdlets (%d Exchange Online, %d Security & Compliance), %d parameters, %d on-premises-only parameters, %d problems\n",
		len(cat.Cmdlets), exo, scc, params, onprem, len(cat.Unparsed))
	for _, p := range cat.Unparsed {
		fmt.Fprintf(w, "gen: %s: %s\n", p.Page, p.Why)
	}
}
