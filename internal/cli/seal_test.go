package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
)

// The manifest seals the playbook and inventory as the run loaded them: a
// file edited while the run went on is not entered with the edit's hash
// (which would disagree with results.json's playbook sha256), and verify
// then reports the edit as a changed input.
func TestManifestSealsTheInputsAsLoaded(t *testing.T) {
	src, dir := t.TempDir(), t.TempDir()
	hash := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	loadedPB, loadedInv := []byte("name: sealed\n"), []byte("name,organization\na,a.onmicrosoft.com\n")
	pbPath, invPath := filepath.Join(src, "pb.yaml"), filepath.Join(src, "tenants.csv")
	for p, b := range map[string][]byte{pbPath: []byte("name: edited during the run\n"), invPath: []byte("name,organization\nb,b.onmicrosoft.com\n")} {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	pb := &playbook.Playbook{Path: pbPath, SHA256: hash(loadedPB), Inventory: []string{invPath}, InventorySHA256: []string{hash(loadedInv)}}
	if err := sealRunDir(&streams{}, dir, "", pb, nil); err != nil {
		t.Fatal(err)
	}
	m, err := results.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"playbook": hash(loadedPB), "inventory": hash(loadedInv)}
	for _, in := range m.Inputs {
		if in.SHA256 != want[in.Role] {
			t.Errorf("%s sealed with %s, want the loaded bytes' %s", in.Role, in.SHA256, want[in.Role])
		}
		delete(want, in.Role)
	}
	if len(want) > 0 {
		t.Errorf("inputs missing from the manifest: %v", want)
	}
	_, diffs, err := results.Verify(dir)
	if err != nil {
		t.Fatal(err)
	}
	changed := 0
	for _, d := range diffs {
		if d.Kind == "input-changed" {
			changed++
		}
	}
	if changed != 2 {
		t.Errorf("verify: %d changed inputs, want the playbook and the inventory: %+v", changed, diffs)
	}
}
