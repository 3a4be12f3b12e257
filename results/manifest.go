package results

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/exoplay/exoplay/internal/atomicfile"
)

// ManifestFile is the run directory's list of its files with their sha256:
// the evidence a run leaves can be checked for changes later
// (`exoplay verify`).
const ManifestFile = "manifest.json"

// Manifest is manifest.json. It lists every file of the run directory but
// itself and exoplay.log (see unlisted), and the inputs the run read from
// outside it.
type Manifest struct {
	SchemaVersion int             `json:"schema_version"`
	RunID         string          `json:"run_id"`
	ToolVersion   string          `json:"tool_version"`
	Written       time.Time       `json:"written"`
	Algorithm     string          `json:"algorithm"` // sha256
	Files         []ManifestEntry `json:"files"`
	Inputs        []ManifestInput `json:"inputs"`
}

// ManifestEntry is one file of the run directory. Data files name the
// tenant and step whose output they hold: the raw objects the step's
// verdicts were computed from.
type ManifestEntry struct {
	Path   string `json:"path"` // relative to the run directory, slash-separated
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	Tenant string `json:"tenant,omitempty"`
	Step   string `json:"step,omitempty"`
}

// ManifestInput is a file (or a versioned built-in, such as a baseline) the
// run read from outside its directory.
type ManifestInput struct {
	Role    string `json:"role"` // playbook | inventory | baseline | waivers
	Path    string `json:"path,omitempty"`
	SHA256  string `json:"sha256,omitempty"`
	Version string `json:"version,omitempty"`
}

// InputFile hashes a file the run read, for its manifest.
func InputFile(role, path string) (ManifestInput, error) {
	sum, _, err := hashFile(path)
	if err != nil {
		return ManifestInput{}, fmt.Errorf("hashing the %s %s: %w", role, path, err)
	}
	return LoadedInput(role, path, sum), nil
}

// LoadedInput is the manifest entry of an input file whose bytes the run
// already read and hashed (sum, hex sha256): the playbook and inventory as
// they were when the run loaded them, not as they are when it ends.
func LoadedInput(role, path, sum string) ManifestInput {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	return ManifestInput{Role: role, Path: abs, SHA256: sum}
}

// unlisted are the files of a run directory its manifest does not cover:
// itself and the log (appended to until the process ends).
func unlisted(rel string) bool { return rel == ManifestFile || rel == LogFileName }

// WriteManifest hashes every file of the run directory dir and writes
// manifest.json. r (may be nil) names the tenant and step of data files.
// Call it last, once results.json and any report are written.
func WriteManifest(dir string, r *Results, inputs []ManifestInput, now time.Time) (*Manifest, error) {
	m := &Manifest{SchemaVersion: 1, Written: now.UTC(), Algorithm: "sha256", Inputs: inputs}
	if m.Inputs == nil {
		m.Inputs = []ManifestInput{}
	}
	owners := map[string][2]string{}
	if r != nil {
		m.RunID, m.ToolVersion = r.Run.ID, r.Run.ToolVersion
		for _, t := range r.Tenants {
			for _, s := range t.Steps {
				if s.Output != nil && s.Output.Path != "" {
					owners[s.Output.Path] = [2]string{t.Name, s.ID}
				}
			}
		}
	}
	files, err := listFiles(dir)
	if err != nil {
		return nil, err
	}
	m.Files = []ManifestEntry{}
	for _, rel := range files {
		sum, size, err := hashFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return nil, err
		}
		o := owners[rel]
		m.Files = append(m.Files, ManifestEntry{Path: rel, SHA256: sum, Size: size, Tenant: o[0], Step: o[1]})
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return m, atomicfile.WriteFile(filepath.Join(dir, ManifestFile), append(b, '\n'), 0o600)
}

// ReadManifest reads a run directory's manifest.json.
func ReadManifest(dir string) (*Manifest, error) {
	var m Manifest
	found, err := readJSONFile(dir, ManifestFile, &m)
	if err == nil && !found {
		err = fmt.Errorf("%s has no %s (written at the end of a run; a run of an older exoplay, or one that did not end, has none)", dir, ManifestFile)
	}
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// Discrepancy is one way a run directory differs from its manifest.
type Discrepancy struct {
	Path string `json:"path"`
	Kind string `json:"kind"` // changed | missing | extra | input-changed | input-missing
	Role string `json:"role,omitempty"`
}

// Verify compares the run directory with its manifest: files changed,
// missing or added since it was written. Inputs outside the directory
// (playbook, inventory) are compared too, when their path still exists
// there; those are reported apart (Kind input-*), since editing a
// playbook after a run is no tampering with the run's evidence.
func Verify(dir string) (*Manifest, []Discrepancy, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, nil, err
	}
	files, err := listFiles(dir)
	if err != nil {
		return m, nil, err
	}
	present := map[string]bool{}
	for _, f := range files {
		present[f] = true
	}
	var out []Discrepancy
	listed := map[string]bool{}
	for _, f := range m.Files {
		listed[f.Path] = true
		if !present[f.Path] {
			out = append(out, Discrepancy{Path: f.Path, Kind: "missing"})
			continue
		}
		sum, _, err := hashFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			return m, nil, err
		}
		if sum != f.SHA256 {
			out = append(out, Discrepancy{Path: f.Path, Kind: "changed"})
		}
	}
	for _, f := range files {
		if !listed[f] {
			out = append(out, Discrepancy{Path: f, Kind: "extra"})
		}
	}
	for _, in := range m.Inputs {
		if in.Path == "" || in.SHA256 == "" {
			continue
		}
		sum, _, err := hashFile(in.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			out = append(out, Discrepancy{Path: in.Path, Kind: "input-missing", Role: in.Role})
		case err != nil:
			return m, nil, err
		case sum != in.SHA256:
			out = append(out, Discrepancy{Path: in.Path, Kind: "input-changed", Role: in.Role})
		}
	}
	return m, out, nil
}

// listFiles lists the run directory's files (slash-separated, relative),
// sorted, without those the manifest does not cover.
func listFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if !unlisted(rel) {
			files = append(files, rel)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
