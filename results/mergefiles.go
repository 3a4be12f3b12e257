package results

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// readEventsFile reads a journal file.
func readEventsFile(path string) ([]Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadEvents(f)
}

// copyData copies the finished data files of a shard (data/<tenant>/*.jsonl;
// not the spools of steps that did not finish) into out. Two shards never
// hold one tenant, so a file that exists already is an overlap.
func copyData(shard, out string) error {
	root := filepath.Join(shard, DataDir)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !d.Type().IsRegular() || !strings.HasSuffix(d.Name(), ".jsonl") || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		rel, err := filepath.Rel(shard, path)
		if err != nil {
			return err
		}
		return copyFile(path, filepath.Join(out, rel))
	})
	if os.IsNotExist(err) {
		return nil // a shard whose tenants wrote no data
	}
	return err
}

func copyFile(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	o, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if os.IsExist(err) {
		return refuse("%s exists in two shards: the shards overlap", dst)
	}
	if err != nil {
		return err
	}
	if _, err := io.Copy(o, in); err != nil {
		o.Close()
		return err
	}
	return o.Close()
}

// concatLines writes every JSON-lines file at the top of the shards' run
// directories (events.jsonl, a write ledger, exoplay.log) into out, shard
// after shard. A torn last line (a shard killed mid-write) is left out, so
// the merged file stays readable line by line.
func concatLines(out string, shards []*shardRun) error {
	var names []string
	for _, s := range shards {
		entries, err := os.ReadDir(s.dir)
		if err != nil {
			return err
		}
		for _, e := range entries {
			n := e.Name()
			if e.Type().IsRegular() && !strings.HasPrefix(n, ".") && (strings.HasSuffix(n, ".jsonl") || n == LogFileName) && !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	slices.Sort(names)
	for _, n := range names {
		if err := concatFile(filepath.Join(out, n), shards, n); err != nil {
			return err
		}
	}
	return nil
}

func concatFile(dst string, shards []*shardRun, name string) error {
	o, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	for _, s := range shards {
		b, err := os.ReadFile(filepath.Join(s.dir, name))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			o.Close()
			return err
		}
		if i := bytes.LastIndexByte(b, '\n'); i+1 < len(b) {
			b = b[:i+1]
		}
		if _, err := o.Write(b); err != nil {
			o.Close()
			return fmt.Errorf("writing %s: %w", dst, err)
		}
	}
	if err := o.Sync(); err != nil {
		o.Close()
		return err
	}
	return o.Close()
}

// verifyShard checks a shard against its manifest.json, when it has one (a
// shard that did not finish has none): a merge must not launder evidence
// changed after the shard ran into a fresh manifest.
func verifyShard(s *shardRun) error {
	if _, err := os.Stat(filepath.Join(s.dir, ManifestFile)); os.IsNotExist(err) {
		return nil
	}
	m, diffs, err := Verify(s.dir)
	if err != nil {
		return fmt.Errorf("%s: %w", s.dir, err)
	}
	for _, d := range diffs {
		if !strings.HasPrefix(d.Kind, "input-") {
			return refuse("%s differs from its %s: %s is %s (see exoplay verify %s)", s.dir, ManifestFile, d.Path, d.Kind, s.dir)
		}
	}
	s.inputs = m.Inputs
	return nil
}

// mergedInputs are the inputs the shards' manifests name, each once.
func mergedInputs(shards []*shardRun) []ManifestInput {
	var out []ManifestInput
	for _, s := range shards {
		for _, in := range s.inputs {
			if !slices.Contains(out, in) {
				out = append(out, in)
			}
		}
	}
	return out
}
