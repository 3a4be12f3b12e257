package cli

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// auditRun runs auditPlaybook (with extra args) against the built-in
// emulator and returns its run directory.
func auditRun(t *testing.T, playbook string, args ...string) string {
	t.Helper()
	pbPath := filepath.Join(t.TempDir(), "audit.yaml")
	if err := os.WriteFile(pbPath, []byte(playbook), 0o600); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	code, _, stderr := runMain(t, append([]string{"run", pbPath, "--out", out, "--progress", "none"}, args...)...)
	if code != ExitNonCompliant && code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "*"))
	if len(dirs) != 1 {
		t.Fatalf("run directories: %v", dirs)
	}
	return dirs[0]
}

func TestReportFormats(t *testing.T) {
	dir := auditRun(t, auditPlaybook)
	code, junit, stderr := runMain(t, "report", dir, "--format", "junit")
	if code != ExitOK {
		t.Fatalf("junit: exit %d: %s", code, stderr)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name string `xml:"name,attr"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(junit), &doc); err != nil {
		t.Fatalf("junit: %v", err)
	}
	// 3 tenants x 3 controls; T-POP fails everywhere (the emulator seeds
	// POP on), T-IMAP in contoso only.
	if doc.Tests != 9 || doc.Failures != 4 || len(doc.Suites) != 3 {
		t.Errorf("junit: %d tests, %d failures, %d suites", doc.Tests, doc.Failures, len(doc.Suites))
	}

	code, csvOut, _ := runMain(t, "report", dir, "--format", "csv")
	if code != ExitOK || strings.Count(csvOut, "\n") != 5 || !strings.HasPrefix(csvOut, "control,title,severity,tenant,result,reason,remediation,owner,due date,justification\n") {
		t.Errorf("csv: exit %d\n%s", code, csvOut)
	}
	code, md, _ := runMain(t, "report", dir, "--format", "markdown")
	if code != ExitOK || !strings.Contains(md, "| T-POP | high | 0% | 3 | 0 |") {
		t.Errorf("markdown: exit %d\n%s", code, md)
	}
	out := filepath.Join(t.TempDir(), "r.html")
	if code, _, stderr := runMain(t, "report", dir, "--out", out); code != ExitOK {
		t.Fatalf("html: exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(b), `id="heatmap"`) {
		t.Fatalf("html report: %v", err)
	}
	// Self-contained: nothing is loaded from elsewhere (links to read are fine).
	for _, fetch := range []string{" src=", "<link", "url(", "@import", "<iframe", "fetch(", "XMLHttpRequest"} {
		if strings.Contains(string(b), fetch) {
			t.Errorf("the html report holds %q: it must load nothing", fetch)
		}
	}

	if code, _, stderr := runMain(t, "report", dir, "--format", "pdf"); code != ExitInvalid || !strings.Contains(stderr, "--format") {
		t.Errorf("unknown format: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runMain(t, "report", t.TempDir()); code != ExitInvalid || !strings.Contains(stderr, "results.json") {
		t.Errorf("not a run directory: exit %d: %s", code, stderr)
	}
}

func TestDiffBetweenRuns(t *testing.T) {
	old := auditRun(t, auditPlaybook)
	// The second run drops fabrikam and lets contoso pass T-IMAP.
	changed := strings.Replace(auditPlaybook, "tenant.name != 'contoso'", "tenant.name != 'northwind'", 1)
	cur := auditRun(t, changed, "--limit", "!fabrikam")
	code, out, stderr := runMain(t, "diff", old, cur, "--format", "json")
	if code != ExitOK || stderr != "" {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// The runs given the other way round: the report is inverted (fixed
	// reads as failing), so it says so.
	for _, args := range [][]string{{"diff", cur, old}, {"report", old, "--previous", cur, "--format", "markdown"}} {
		code, _, stderr := runMain(t, args...)
		if want := "started after"; code != ExitOK || !strings.Contains(stderr, want) {
			t.Errorf("%v: exit %d, stderr lacks %q:\n%s", args[0], code, want, stderr)
		}
	}
	var ch struct {
		NewlyFailing   []struct{ Tenant, Control string } `json:"newly_failing"`
		NewlyFixed     []struct{ Tenant, Control string } `json:"newly_fixed"`
		TenantsRemoved []string                           `json:"tenants_removed"`
	}
	if err := json.Unmarshal([]byte(out), &ch); err != nil {
		t.Fatal(err)
	}
	if len(ch.NewlyFailing) != 1 || ch.NewlyFailing[0].Tenant != "northwind" || ch.NewlyFailing[0].Control != "T-IMAP" {
		t.Errorf("newly failing %+v", ch.NewlyFailing)
	}
	if len(ch.NewlyFixed) != 1 || ch.NewlyFixed[0].Tenant != "contoso" {
		t.Errorf("newly fixed %+v", ch.NewlyFixed)
	}
	if strings.Join(ch.TenantsRemoved, ",") != "fabrikam" {
		t.Errorf("tenants removed %v", ch.TenantsRemoved)
	}
	code, text, _ := runMain(t, "diff", old, cur)
	if code != ExitOK || !strings.Contains(text, "northwind T-IMAP [low]: pass -> fail") {
		t.Errorf("text diff: exit %d\n%s", code, text)
	}
	// The HTML report lists the same changes.
	code, html, _ := runMain(t, "report", cur, "--previous", old)
	if code != ExitOK || !strings.Contains(html, `id="newly-failing"`) || !strings.Contains(html, "Tenants removed: fabrikam") {
		t.Errorf("html --previous: exit %d, changes missing", code)
	}
}

func TestVerifyRunDir(t *testing.T) {
	dir := auditRun(t, auditPlaybook, "--report", "html")
	code, out, stderr := runMain(t, "verify", dir)
	if code != ExitOK || !strings.Contains(out, "ok:") {
		t.Fatalf("fresh run: exit %d\n%s%s", code, out, stderr)
	}
	var m struct {
		Files []struct{ Path, Tenant, Step string }
	}
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	listed := map[string]string{}
	for _, f := range m.Files {
		listed[f.Path] = f.Tenant + "/" + f.Step
	}
	for _, want := range []string{"results.json", "events.jsonl", "report.html", "data/contoso/cas.jsonl"} {
		if _, ok := listed[want]; !ok {
			t.Errorf("manifest does not list %s: %v", want, listed)
		}
	}
	if listed["data/contoso/cas.jsonl"] != "contoso/cas" {
		t.Errorf("data file owner %q", listed["data/contoso/cas.jsonl"])
	}

	data := filepath.Join(dir, "data", "contoso", "cas.jsonl")
	if err := os.WriteFile(data, []byte(`{"Identity":"x","PopEnabled":false}`+"\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "events.jsonl")); err != nil {
		t.Fatal(err)
	}
	code, out, stderr = runMain(t, "verify", dir)
	if code != ExitStepFailed || !strings.Contains(out, "changed: data/contoso/cas.jsonl") || !strings.Contains(out, "missing: events.jsonl") || !strings.Contains(stderr, "2 file(s) differ") {
		t.Errorf("tampered run: exit %d\n%s%s", code, out, stderr)
	}
	if code, _, stderr := runMain(t, "verify", t.TempDir()); code != ExitInvalid || !strings.Contains(stderr, "manifest.json") {
		t.Errorf("no manifest: exit %d %s", code, stderr)
	}
}
