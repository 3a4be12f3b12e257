package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/exoplay/exoplay/report"
	"github.com/exoplay/exoplay/results"
)

// syntheticAudit builds the results of an audit of n tenants shaped like
// the shipped baseline's: 42 controls over 25 read steps, each step's
// small output inline, about half the cells failing with two failing
// objects each, a few not_applicable and manual ones, three groups.
func syntheticAudit(n int) *results.Results {
	const controls, steps = 42, 25
	start := time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)
	r := &results.Results{SchemaVersion: 1, Run: results.Run{ID: "20261122T070000Z-audit-exo", Mode: "run",
		Playbook: results.Playbook{Name: "audit-exo", SHA256: strings.Repeat("ab", 32)}, ToolVersion: "bench",
		Started: start, Finished: start.Add(4 * time.Minute)}}
	severities := []string{"critical", "high", "high", "medium", "medium", "low"}
	for i := range n {
		name := fmt.Sprintf("customer-%03d", i)
		t := &results.Tenant{Name: name, Organization: name + ".onmicrosoft.com", TenantID: fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i),
			Status: results.StatusOK, Groups: []string{[]string{"eu", "us", "apac"}[i%3]}}
		for s := range steps {
			id := fmt.Sprintf("read-%02d", s)
			obj := fmt.Sprintf(`{"Identity":"%s\\Policy %d","Name":"Policy %d","Enabled":%t,"Mode":"Enforce","Domains":["%s.onmicrosoft.com","mail.%s.example"],"WhenChanged":"2026-10-01T12:00:00Z","Description":"%s"}`,
				name, s, s, (i+s)%2 == 0, name, name, strings.Repeat("x", 120))
			st := &results.Step{ID: id, Cmdlet: "Get-Config" + fmt.Sprint(s), Service: "exchange", Status: results.StatusOK,
				Attempts: results.Attempts{Calls: 1, Attempts: 1, Requests: 1, Pages: 1},
				Output:   &results.Output{Objects: 2, Path: results.DataPath(name, id), Inline: []json.RawMessage{json.RawMessage(obj), json.RawMessage(obj)}}}
			for c := s; c < controls; c += steps {
				a := results.Assertion{ID: fmt.Sprintf("EXO-%02d", c+1), Severity: severities[c%len(severities)], Passed: true}
				a.Result = results.ResultPass
				a.Title = fmt.Sprintf("Control %d: the setting that this control checks is configured as the baseline requires", c+1)
				a.Expected = fmt.Sprintf("every object: .Enabled == true && .Mode == \"Enforce\" && len(.Domains ?? []) >= %d", c%3)
				a.Strength = "shall"
				a.Refs = []string{fmt.Sprintf("MS.EXO.%d.1v1", c), fmt.Sprintf("CIS 6.%d.1", c), "MT.10" + fmt.Sprint(c)}
				a.Tags = []string{"mail-flow", "scuba"}
				a.Remediation = fmt.Sprintf("Set-Config%d -Identity Default -Enabled $true", s)
				a.RemedyURL = fmt.Sprintf("https://learn.microsoft.com/powershell/module/exchange/set-config%d", s)
				a.Objects = 2
				switch h := (i*7 + c*13) % 20; {
				case h < 10:
					a.Passed, a.Result = false, results.ResultFail
					a.Actual = "2 of 2 objects fail"
					a.Failing = []results.FailingObject{
						{Identity: "Policy " + fmt.Sprint(s), Values: map[string]any{"Enabled": false, "Mode": "Audit"}},
						{Identity: "Default", Values: map[string]any{"Enabled": false}},
					}
				case h == 10:
					a.Result, a.Reason = results.ResultNotApplicable, "the tenant has no Defender for Office 365 Plan 1"
				case h == 11:
					a.Result, a.Reason = results.ResultManual, "checked outside Exchange (DNS)"
				}
				st.Assertions = append(st.Assertions, a)
			}
			t.Steps = append(t.Steps, st)
		}
		r.Tenants = append(r.Tenants, t)
	}
	r.Summarize(false)
	return r
}

// BenchmarkHTMLReport300 renders the HTML report of a 300-tenant audit;
// html-bytes is the file's size (aim: under 10 MB).
func BenchmarkHTMLReport300(b *testing.B) {
	r := syntheticAudit(300)
	js, _ := json.Marshal(r)
	var buf bytes.Buffer
	b.ResetTimer()
	for b.Loop() {
		buf.Reset()
		if err := report.Render(&buf, "html", r, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "html-bytes")
	b.ReportMetric(float64(len(js)), "results-json-bytes")
}

// BenchmarkHTMLOpen300 opens that report in headless Chromium: the time
// from navigation to the load event, filters' script run (aim: under 2 s).
func BenchmarkHTMLOpen300(b *testing.B) {
	ctx := newBrowser(b)
	r := syntheticAudit(300)
	var buf bytes.Buffer
	if err := report.Render(&buf, "html", r, nil); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "report.html")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	// Start the browser outside the measurement.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if err := chromedp.Do(ctx, chromedp.Navigate("about:blank"), chromedp.Navigate("file://"+path)); err != nil {
			b.Fatal(err)
		}
		if n := browserEval[int](b, ctx, `document.querySelectorAll('#heatmap tbody tr').length`); n != 300 {
			b.Fatalf("heatmap rows %d", n)
		}
	}
	b.ReportMetric(float64(buf.Len()), "html-bytes")
}
