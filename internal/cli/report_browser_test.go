package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// auditPlaybook checks three emulated tenants in two groups with controls
// that pass in some tenants and fail in others.
const auditPlaybook = `version: 1
name: browser-audit
tenants:
  - {name: contoso, organization: contoso.onmicrosoft.com, environment: Emulator, groups: [eu]}
  - {name: fabrikam, organization: fabrikam.onmicrosoft.com, environment: Emulator, groups: [us]}
  - {name: northwind, organization: northwind.onmicrosoft.com, environment: Emulator, groups: [eu, pilot]}
steps:
  - name: CAS mailboxes
    id: cas
    cmdlet: Get-CASMailbox
    parameters: {ResultSize: Unlimited}
    select: [Identity, PopEnabled, ImapEnabled]
    assert:
      - {id: T-POP, that: "${{ none(result, .PopEnabled) }}", message: POP off everywhere, severity: high}
      - {id: T-IMAP, that: "${{ tenant.name != 'contoso' }}", message: IMAP reviewed, severity: low}
  - name: Domains
    id: domains
    cmdlet: Get-AcceptedDomain
    assert:
      - {id: T-DOM, that: "${{ len(result) >= 1 }}", message: at least one accepted domain, severity: medium}
`

// chromiumPath finds a Chromium or Chrome binary, or "" when there is none.
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newBrowser starts headless Chromium with a fresh profile and nothing that
// reaches the network on its own.
func newBrowser(t testing.TB) context.Context {
	t.Helper()
	exe := chromiumPath()
	if exe == "" {
		t.Skip("no Chromium on this machine (Debian: apt-get install chromium; .ci/run installs it): the HTML report is not checked in a browser")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1100),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelT(); cancelB(); cancelA() })
	return ctx
}

// auditInventory is 12 emulated tenants in three groups; the emulator
// derives each one's posture (Fresh, Risky, Hardened) from its name.
func auditInventory(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("name,organization,environment,groups\n")
	for i, n := range []string{"contoso", "fabrikam", "northwind", "adatum", "litware", "tailspin", "wingtip", "proseware", "lucerne", "margie", "alpine", "woodgrove"} {
		fmt.Fprintf(&b, "%s,%s.onmicrosoft.com,Emulator,%s\n", n, n, []string{"eu", "us", "apac"}[i%3])
	}
	path := filepath.Join(t.TempDir(), "tenants.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestHTMLReportInBrowser audits 12 emulated tenants with the shipped
// baseline and checks the HTML report as a browser renders it: one heatmap
// cell per tenant x control with the result results.json holds, a section
// per tenant, and filters that hide what they should.
func TestHTMLReportInBrowser(t *testing.T) {
	ctx := newBrowser(t)
	out := t.TempDir()
	code, _, stderr := runMain(t, "audit", auditInventory(t), "--out", out, "--progress", "none", "--report", "html")
	if code != ExitNonCompliant {
		t.Fatalf("exit %d, want %d (Fresh and Risky tenants fail controls)\n%s", code, ExitNonCompliant, stderr)
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "*"))
	if len(dirs) != 1 {
		t.Fatalf("run directories: %v", dirs)
	}
	runDir := dirs[0]
	// The manifest names the baseline's version.
	var m struct {
		Inputs []struct{ Role, Path, Version string }
	}
	if b, err := os.ReadFile(filepath.Join(runDir, "manifest.json")); err != nil || json.Unmarshal(b, &m) != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	if !slices.ContainsFunc(m.Inputs, func(in struct{ Role, Path, Version string }) bool {
		return in.Role == "baseline" && in.Path == "baseline:exo" && len(in.Version) == 64
	}) {
		t.Errorf("manifest inputs %+v: want the baseline and its version", m.Inputs)
	}

	// What the page must show, from results.json.
	var res struct {
		Tenants []struct {
			Name   string
			Groups []string
			Steps  []struct {
				Assertions []struct {
					ID     string
					Passed bool
					Result string
				}
			}
		}
	}
	b, err := os.ReadFile(filepath.Join(runDir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	byResult, controls, inEU := map[string]int{}, map[string]bool{}, 0
	for _, tn := range res.Tenants {
		if slices.Contains(tn.Groups, "eu") {
			inEU++
		}
		for _, st := range tn.Steps {
			for _, a := range st.Assertions {
				controls[a.ID] = true
				byResult[a.Result]++
			}
		}
	}
	if len(res.Tenants) != 12 || byResult["pass"] == 0 || byResult["fail"] == 0 || inEU == 0 {
		t.Fatalf("want 12 tenants with passing and failing cells: %d tenants, %v, %d in eu", len(res.Tenants), byResult, inEU)
	}

	if err := chromedp.Do(ctx,
		chromedp.Navigate("file://"+filepath.Join(runDir, "report.html")),
		chromedp.WaitVisible(chromedp.CSS("#heatmap")),
	); err != nil {
		t.Fatalf("browser: %v", err)
	}
	count := func(sel string) int {
		return browserEval[int](t, ctx, `document.querySelectorAll(`+jsString(sel)+`).length`)
	}
	visible := func(sel string) int {
		return browserEval[int](t, ctx, `Array.from(document.querySelectorAll(`+jsString(sel)+`)).filter(e => e.offsetParent !== null).length`)
	}
	filter := func(id, v string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#"+id), v)); err != nil {
			t.Fatal(err)
		}
		browserEval[bool](t, ctx, `document.getElementById(`+jsString(id)+`).dispatchEvent(new Event('change'))`)
	}
	if n, want := count("#heatmap tbody td"), len(res.Tenants)*len(controls); n != want {
		t.Errorf("heatmap cells = %d, want %d tenants x %d controls", n, want, len(controls))
	}
	for r, want := range byResult {
		if n := count("#heatmap tbody td.r-" + r); n != want {
			t.Errorf("heatmap: %d %s cells, results.json has %d", n, r, want)
		}
	}
	if rows, sections := count("#heatmap tbody tr"), count("section.tenant"); rows != 12 || sections != 12 {
		t.Errorf("heatmap rows %d, tenant sections %d, want 12 each", rows, sections)
	}
	runID := browserEval[string](t, ctx, `document.getElementById('run-id').textContent`)
	// The embedded results.json decompresses in the page.
	embedded, err := chromedp.Run(ctx, chromedp.Evaluate[string](`exoplayResults().then(r => r.run.id)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("embedded results: %v", err)
	}
	if runID != filepath.Base(runDir) || embedded != runID {
		t.Errorf("run id shown %q, embedded %q, want %q", runID, embedded, filepath.Base(runDir))
	}
	// The viewport (header, tiles, heatmap): a full-page capture of the
	// 12 tenants' sections costs ~20 s of software rendering.
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}

	// The group filter keeps only eu tenants, in the heatmap and sections.
	filter("f-grp", "eu")
	if s, r := visible("section.tenant"), visible("#heatmap tbody tr"); s != inEU || r != inEU {
		t.Errorf("group filter eu: %d sections and %d heatmap rows visible, want %d", s, r, inEU)
	}
	filter("f-grp", "")
	// The result filter keeps only failing rows in the tenants' tables.
	filter("f-res", "fail")
	if n := visible("table.findings tbody tr"); n != byResult["fail"] {
		t.Errorf("result filter fail: %d findings rows visible, want %d", n, byResult["fail"])
	}
	filter("f-res", "")
	if n := visible("section.tenant"); n != 12 {
		t.Errorf("filters cleared: %d sections visible, want 12", n)
	}

	dir := os.Getenv("EXOPLAY_SCREENSHOT_DIR")
	if dir == "" {
		if dir, err = os.MkdirTemp("", "exoplay-report-screenshot-"); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "report.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the report: %s", path)
}

// browserEval evaluates a JavaScript expression in the page.
func browserEval[T any](t testing.TB, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluating %s: %v", js, err)
	}
	return v
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
