package results

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestManifestVerify(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	write(ResultsFile, `{}`)
	write(EventsFile, "{}\n")
	write(LogFileName, "log\n")
	write("data/contoso/org.jsonl", `{"Name":"contoso"}`+"\n")
	write("data/fabrikam/org.jsonl", `{"Name":"fabrikam"}`+"\n")
	pb := filepath.Join(t.TempDir(), "pb.yaml")
	if err := os.WriteFile(pb, []byte("version: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	in, err := InputFile("playbook", pb)
	if err != nil {
		t.Fatal(err)
	}
	r := &Results{Run: Run{ID: "run-1"}, Tenants: []*Tenant{{Name: "contoso", Steps: []*Step{{ID: "org", Output: &Output{Path: "data/contoso/org.jsonl"}}}}}}
	m, err := WriteManifest(dir, r, []ManifestInput{in}, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range m.Files {
		paths = append(paths, f.Path)
		if f.Path == "data/contoso/org.jsonl" && (f.Tenant != "contoso" || f.Step != "org") {
			t.Errorf("data file not tied to its step: %+v", f)
		}
	}
	if got := strings.Join(paths, ","); got != "data/contoso/org.jsonl,data/fabrikam/org.jsonl,events.jsonl,results.json" {
		t.Errorf("files %s: want everything but the log and the manifest", got)
	}
	if _, d, err := Verify(dir); err != nil || len(d) != 0 {
		t.Fatalf("fresh manifest: %v %v", d, err)
	}

	write("data/contoso/org.jsonl", `{"Name":"tampered"}`+"\n")
	if err := os.Remove(filepath.Join(dir, "data/fabrikam/org.jsonl")); err != nil {
		t.Fatal(err)
	}
	write("report.html", "<html>")
	write(LogFileName, "more log\n") // not covered
	if err := os.WriteFile(pb, []byte("version: 1\n# edited\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, d, err := Verify(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range d {
		got = append(got, x.Kind+":"+filepath.Base(x.Path))
	}
	want := "changed:org.jsonl,missing:org.jsonl,extra:report.html,input-changed:pb.yaml"
	if strings.Join(got, ",") != want {
		t.Errorf("discrepancies %v, want %s", got, want)
	}
}

func TestVerifyWithoutManifest(t *testing.T) {
	if _, _, err := Verify(t.TempDir()); err == nil || !strings.Contains(err.Error(), ManifestFile) {
		t.Errorf("err = %v", err)
	}
}
