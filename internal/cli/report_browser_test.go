package cli

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
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
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelT(); cancelB(); cancelA() })
	return ctx
}

func TestHTMLReportInBrowser(t *testing.T) {
	ctx := newBrowser(t)
	pbPath := filepath.Join(t.TempDir(), "audit.yaml")
	if err := os.WriteFile(pbPath, []byte(auditPlaybook), 0o600); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	code, _, stderr := runMain(t, "run", pbPath, "--out", out, "--progress", "none", "--report", "html")
	if code != ExitNonCompliant {
		t.Fatalf("exit %d, want %d (some controls fail)\n%s", code, ExitNonCompliant, stderr)
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "*"))
	if len(dirs) != 1 {
		t.Fatalf("run directories: %v", dirs)
	}
	runDir := dirs[0]

	// What the page must show, from results.json.
	var res struct {
		Tenants []struct {
			Name   string
			Groups []string
			Steps  []struct{ Assertions []struct{ Passed bool } }
		}
	}
	b, err := os.ReadFile(filepath.Join(runDir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	pass, fail, inEU := 0, 0, 0
	for _, tn := range res.Tenants {
		for _, g := range tn.Groups {
			if g == "eu" {
				inEU++
			}
		}
		for _, st := range tn.Steps {
			for _, a := range st.Assertions {
				if a.Passed {
					pass++
				} else {
					fail++
				}
			}
		}
	}
	if pass == 0 || fail == 0 || inEU == 0 {
		t.Fatalf("the playbook must give passing and failing cells and eu tenants: %d pass, %d fail, %d in eu", pass, fail, inEU)
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
	filterGroup := func(g string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#f-grp"), g)); err != nil {
			t.Fatal(err)
		}
		browserEval[bool](t, ctx, `document.getElementById('f-grp').dispatchEvent(new Event('change'))`)
	}
	cells, failCells, passCells := count("#heatmap tbody td"), count("#heatmap tbody td.r-fail"), count("#heatmap tbody td.r-pass")
	heatRows, sections := count("#heatmap tbody tr"), count("section.tenant")
	runID := browserEval[string](t, ctx, `document.getElementById('run-id').textContent`)
	embedded := browserEval[string](t, ctx, `JSON.parse(document.getElementById('results-json').textContent).run.id`)
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	// The group filter keeps only eu tenants, in the heatmap and sections.
	filterGroup("eu")
	visibleSections, visibleRows := visible("section.tenant"), visible("#heatmap tbody tr")
	filterGroup("")
	sectionsAfter := visible("section.tenant")

	if want := len(res.Tenants) * 3; cells != want {
		t.Errorf("heatmap cells = %d, want %d tenants x 3 controls", cells, want)
	}
	if failCells != fail || passCells != pass {
		t.Errorf("heatmap: %d fail and %d pass cells, results.json has %d and %d", failCells, passCells, fail, pass)
	}
	if heatRows != len(res.Tenants) || sections != len(res.Tenants) {
		t.Errorf("heatmap rows %d, tenant sections %d, want %d each", heatRows, sections, len(res.Tenants))
	}
	if runID != filepath.Base(runDir) || embedded != runID {
		t.Errorf("run id shown %q, embedded %q, want %q", runID, embedded, filepath.Base(runDir))
	}
	if visibleSections != inEU || visibleRows != inEU {
		t.Errorf("group filter eu: %d sections and %d heatmap rows visible, want %d", visibleSections, visibleRows, inEU)
	}
	if sectionsAfter != len(res.Tenants) {
		t.Errorf("filter cleared: %d sections visible, want %d", sectionsAfter, len(res.Tenants))
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
