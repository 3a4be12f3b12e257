package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// pagesDir is where the Exchange cmdlet pages live in the docs repository.
const pagesDir = "exchange/exchange-ps/ExchangePowerShell"

// source yields the cmdlet pages, by file name, in name order.
type source interface {
	pages() ([]string, error)
	read(name string) ([]byte, error)
	commit() string
}

// openSource opens a git dir (bare, or a checkout's .git, or a work tree
// holding one) at rev, or else a folder: the folder itself when it holds
// .md pages, or its pagesDir.
func openSource(path, rev string) (source, error) {
	if isGitDir(path) {
		return openGit(path, rev)
	}
	if isGitDir(filepath.Join(path, ".git")) {
		return openGit(filepath.Join(path, ".git"), rev)
	}
	dir := path
	if fi, err := os.Stat(filepath.Join(path, pagesDir)); err == nil && fi.IsDir() {
		dir = filepath.Join(path, pagesDir)
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, err
	}
	return folder(dir), nil
}

func isGitDir(p string) bool {
	_, err1 := os.Stat(filepath.Join(p, "HEAD"))
	_, err2 := os.Stat(filepath.Join(p, "objects"))
	return err1 == nil && err2 == nil
}

type folder string

func (f folder) pages() ([]string, error) {
	ents, err := os.ReadDir(string(f))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".md") {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

func (f folder) read(name string) ([]byte, error) { return os.ReadFile(filepath.Join(string(f), name)) }
func (f folder) commit() string                   { return "" }

// gitSource reads every page with one `git cat-file --batch`.
type gitSource struct {
	dir, rev string
	blobs    map[string][]byte
}

func openGit(dir, rev string) (*gitSource, error) {
	out, err := exec.Command("git", "--git-dir", dir, "rev-parse", "--verify", rev+"^{commit}").Output()
	if err != nil {
		return nil, fmt.Errorf("git dir %s: no commit %q: %w", dir, rev, err)
	}
	g := &gitSource{dir: dir, rev: strings.TrimSpace(string(out)), blobs: map[string][]byte{}}
	ls, err := exec.Command("git", "--git-dir", dir, "ls-tree", g.rev+":"+pagesDir).Output()
	if err != nil {
		return nil, fmt.Errorf("git dir %s: listing %s: %w", dir, pagesDir, err)
	}
	var names, ids []string
	for _, line := range strings.Split(strings.TrimSpace(string(ls)), "\n") {
		meta, name, ok := strings.Cut(line, "\t")
		f := strings.Fields(meta)
		if !ok || len(f) != 3 || f[1] != "blob" || !strings.HasSuffix(name, ".md") {
			continue
		}
		names, ids = append(names, name), append(ids, f[2])
	}
	cmd := exec.Command("git", "--git-dir", dir, "cat-file", "--batch")
	cmd.Stdin = strings.NewReader(strings.Join(ids, "\n") + "\n")
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	r := bufio.NewReader(&stdout)
	for _, name := range names {
		hdr, err := r.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("git cat-file: %w", err)
		}
		f := strings.Fields(hdr)
		if len(f) != 3 {
			return nil, fmt.Errorf("git cat-file: unexpected %q", hdr)
		}
		n, err := strconv.Atoi(f[2])
		if err != nil {
			return nil, fmt.Errorf("git cat-file: unexpected %q", hdr)
		}
		b := make([]byte, n+1) // the blob and its newline
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, fmt.Errorf("git cat-file: %w", err)
		}
		g.blobs[name] = b[:n]
	}
	return g, nil
}

func (g *gitSource) pages() ([]string, error) {
	out := make([]string, 0, len(g.blobs))
	for n := range g.blobs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

func (g *gitSource) read(name string) ([]byte, error) { return g.blobs[name], nil }
func (g *gitSource) commit() string                   { return g.rev }
