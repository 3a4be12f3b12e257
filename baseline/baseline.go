package baseline

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

//go:embed *.yaml
var files embed.FS

// Scheme prefixes a baseline's name in include: ("baseline:exo").
const Scheme = "baseline:"

// Default is the baseline `exoplay audit` runs without --baseline.
const Default = "exo"

// Names lists the shipped baselines.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	slices.Sort(out)
	return out
}

// Lookup returns a baseline by name ("exo" or "baseline:exo"): a file name
// for diagnostics (baseline:exo.yaml) and its bytes.
func Lookup(name string) (file string, data []byte, err error) {
	n := strings.TrimPrefix(name, Scheme)
	data, err = files.ReadFile(n + ".yaml")
	if err != nil || strings.ContainsAny(n, "/\\") {
		return "", nil, fmt.Errorf("no baseline %q; shipped baselines: %s", n, strings.Join(Names(), ", "))
	}
	return Scheme + n + ".yaml", data, nil
}

// Version is the sha256 of a baseline's bytes, recorded as its version in
// results and manifests.
func Version(name string) (string, error) {
	_, data, err := Lookup(name)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// Include resolves an include: name for playbook.LoadOptions.Include: only
// "baseline:NAME" names are known.
func Include(name string) (string, []byte, error) {
	if !strings.HasPrefix(name, Scheme) {
		return "", nil, fmt.Errorf("unknown include %q: include names a shipped baseline, e.g. %s%s", name, Scheme, Default)
	}
	return Lookup(name)
}
