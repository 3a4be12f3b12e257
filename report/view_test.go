package report

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/exoplay/exoplay/results"
)

// fleet builds results of a run over tenants named in verdicts: per tenant,
// per control id, "pass", "fail" or "error" (an expression error); a
// tenant listed in signInFailed has no steps' verdicts.
func fleet(id string, verdicts map[string]map[string]string, signInFailed ...string) *results.Results {
	r := &results.Results{SchemaVersion: 1, Run: results.Run{ID: id, Mode: "run", Started: time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)}}
	var names []string
	for n := range verdicts {
		names = append(names, n)
	}
	names = append(names, signInFailed...)
	sort.Strings(names)
	for _, n := range names {
		t := &results.Tenant{Name: n, Organization: n + ".onmicrosoft.com", Status: results.StatusOK, Groups: []string{"g-" + n[:1]}}
		st := &results.Step{ID: "check", Cmdlet: "Get-OrganizationConfig", Status: results.StatusOK,
			Output: &results.Output{Objects: 1, Path: results.DataPath(n, "check")}}
		if v, ok := verdicts[n]; ok {
			var ids []string
			for c := range v {
				ids = append(ids, c)
			}
			sort.Strings(ids)
			for _, c := range ids {
				a := results.Assertion{ID: c, Message: "control " + c, Severity: severityOf(c)}
				switch v[c] {
				case "pass":
					a.Passed = true
				case "error":
					a.Error = "cannot compare nil"
				}
				st.Assertions = append(st.Assertions, a)
			}
			t.Steps = []*results.Step{st}
		} else {
			t.Status = results.StatusFailed
			t.Error = &results.Error{Category: "auth", Message: "AADSTS700016: application not found"}
			t.Steps = []*results.Step{{ID: "check", Cmdlet: "Get-OrganizationConfig", Status: results.StatusSkipped, Reason: "sign-in failed"}}
		}
		r.Tenants = append(r.Tenants, t)
	}
	r.Summarize(false)
	return r
}

func severityOf(id string) string {
	if strings.HasSuffix(id, "1") {
		return "high"
	}
	return "low"
}

func TestBuildFillsEveryCellAndSaysWhy(t *testing.T) {
	r := fleet("r1", map[string]map[string]string{
		"alpha": {"C-1": "pass", "C-2": "fail"},
		"beta":  {"C-1": "fail", "C-2": "error"},
	}, "gamma")
	v := Build(r)
	if len(v.Controls) != 2 || v.Controls[0].ID != "C-1" {
		t.Fatalf("controls %+v: want C-1 (high) first", v.Controls)
	}
	got := map[string]string{}
	for _, tv := range v.Tenants {
		if len(tv.Cells) != 2 {
			t.Fatalf("%s has %d cells", tv.Name, len(tv.Cells))
		}
		for _, f := range tv.Cells {
			got[tv.Name+"/"+f.Control] = f.Result
		}
	}
	want := map[string]string{"alpha/C-1": Pass, "alpha/C-2": Fail, "beta/C-1": Fail, "beta/C-2": Error, "gamma/C-1": Error, "gamma/C-2": Error}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %q, want %q", k, got[k], w)
		}
	}
	gamma := v.Tenants[2].Cells[0]
	if !strings.Contains(gamma.Reason, "sign-in failed") || !strings.Contains(gamma.Reason, "AADSTS700016") {
		t.Errorf("a tenant that could not sign in: reason %q", gamma.Reason)
	}
	// C-1: alpha pass, beta fail, gamma error (undecided): 1 of 2 decided.
	if c := v.Controls[0]; c.Compliant != 0.5 || len(c.Failing) != 2 {
		t.Errorf("C-1 compliant %v with %d failing, want 0.5 and 2", c.Compliant, len(c.Failing))
	}
	if v.Counts[Fail] != 2 || v.Counts[Error] != 3 || v.Counts[Pass] != 1 {
		t.Errorf("counts %v", v.Counts)
	}
	if len(v.Ops) != 1 || v.Ops[0].Kind != "sign-in" || v.Ops[0].Tenant != "gamma" {
		t.Errorf("ops %+v: want gamma's sign-in failure, apart from findings", v.Ops)
	}
	// C-2: alpha fail, beta and gamma error (3 cells); C-1: 2.
	if top := v.TopFailing(1); len(top) != 1 || top[0].ID != "C-2" || len(top[0].Failing) != 3 {
		t.Errorf("top failing %+v: want C-2, with the most fail/error cells", top)
	}
}

func TestPartialRunIsFlagged(t *testing.T) {
	r := fleet("r1", map[string]map[string]string{"alpha": {"C-1": "pass"}})
	r.Tenants[0].Steps[0].Status = results.StatusIncomplete
	r.Tenants[0].Steps[0].Assertions = nil
	r.Tenants = append(r.Tenants, &results.Tenant{Name: "beta", Status: results.StatusIncomplete,
		Steps: []*results.Step{{ID: "check", Status: results.StatusIncomplete, Reason: "interrupted"}}})
	r.Summarize(true)
	v := Build(r)
	if !v.Run.Partial || !strings.Contains(v.Run.PartialReason, "interrupted") {
		t.Errorf("partial %v %q", v.Run.Partial, v.Run.PartialReason)
	}
	var html bytes.Buffer
	if err := WriteHTML(&html, v, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html.String(), `id="partial"`) {
		t.Error("the HTML has no partial-run banner")
	}
}

func TestDiff(t *testing.T) {
	prev := Build(fleet("old", map[string]map[string]string{
		"alpha": {"C-1": "pass", "C-2": "fail"},
		"beta":  {"C-1": "pass", "C-2": "pass"},
		"gone":  {"C-1": "pass", "C-2": "pass"},
	}))
	cur := Build(fleet("new", map[string]map[string]string{
		"alpha": {"C-1": "fail", "C-2": "pass", "C-3": "pass"},
		"beta":  {"C-1": "pass", "C-2": "error", "C-3": "pass"},
		"new":   {"C-1": "fail", "C-2": "fail", "C-3": "fail"},
	}))
	ch := Diff(prev, cur)
	names := func(cs []Change) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.Tenant+"/"+c.Control+":"+c.Before+">"+c.After)
		}
		return strings.Join(s, ",")
	}
	if got := names(ch.NewlyFailing); got != "alpha/C-1:pass>fail,beta/C-2:pass>error" {
		t.Errorf("newly failing %s", got)
	}
	if got := names(ch.NewlyFixed); got != "alpha/C-2:fail>pass" {
		t.Errorf("newly fixed %s", got)
	}
	if strings.Join(ch.TenantsAdded, ",") != "new" || strings.Join(ch.TenantsRemoved, ",") != "gone" {
		t.Errorf("tenants added %v removed %v", ch.TenantsAdded, ch.TenantsRemoved)
	}
	if strings.Join(ch.ControlsAdded, ",") != "C-3" || len(ch.ControlsRemoved) != 0 {
		t.Errorf("controls added %v removed %v", ch.ControlsAdded, ch.ControlsRemoved)
	}
	if same := Diff(cur, cur); !same.Empty() {
		t.Errorf("a run against itself: %+v", same)
	}
}

func TestJUnit(t *testing.T) {
	r := fleet("r1", map[string]map[string]string{
		"alpha": {"C-1": "pass", "C-2": "fail"},
		"beta":  {"C-1": "error", "C-2": "pass"},
	})
	var b bytes.Buffer
	if err := WriteJUnit(&b, Build(r)); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
				Error   *struct{} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if doc.Tests != 4 || doc.Failures != 1 || doc.Errors != 1 || len(doc.Suites) != 2 {
		t.Fatalf("tests %d failures %d errors %d suites %d\n%s", doc.Tests, doc.Failures, doc.Errors, len(doc.Suites), b.String())
	}
	if s := doc.Suites[0]; s.Name != "alpha" || len(s.Cases) != 2 || s.Cases[1].Failure == nil {
		t.Errorf("alpha's suite: %+v", s)
	}
}

func TestActionPlan(t *testing.T) {
	r := fleet("r1", map[string]map[string]string{
		"alpha": {"C-1": "pass", "C-2": "fail"},
		"beta":  {"C-1": "fail", "C-2": "pass"},
	})
	r.Tenants[1].Steps[0].Assertions[0].Message = "=HYPERLINK(\"http://x\")"
	var b bytes.Buffer
	if err := WriteActionPlan(&b, Build(r)); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "control,title,severity,tenant,result,reason,remediation,owner,due date,justification" {
		t.Errorf("header %v", rows[0])
	}
	if len(rows) != 3 || rows[1][0] != "C-1" || rows[1][3] != "beta" || rows[2][0] != "C-2" || rows[2][3] != "alpha" {
		t.Fatalf("rows %v: want the failing cells, high severity first", rows)
	}
	for _, row := range rows {
		for _, c := range row {
			if strings.HasPrefix(c, "=") {
				t.Errorf("formula cell %q not defused", c)
			}
		}
	}
}

func TestVerdictFieldsReachTheReports(t *testing.T) {
	r := fleet("r1", map[string]map[string]string{"alpha": {"C-1": "fail", "C-2": "fail"}})
	as := r.Tenants[0].Steps[0].Assertions
	as[0].Title, as[0].Expected, as[0].Actual = "Forwarding off", "every object: .AutoForwardEnabled == false", "1 of 2 objects fail"
	as[0].Remediation, as[0].RemedyURL = "Set-RemoteDomain -Identity Default -AutoForwardEnabled $false", "https://learn.microsoft.com/x"
	as[0].Failing = []results.FailingObject{{Identity: "Default", Values: map[string]any{"AutoForwardEnabled": true}}}
	as[0].FailingTotal = 3
	as[1].Result = results.ResultWaived
	as[1].Waiver = &results.WaiverRef{ID: "W-1", Reason: "legacy relay", Owner: "ops@msp.example", Ticket: "CHG-42", Expires: "2027-01-31"}
	v := Build(r)
	f := v.Tenants[0].Cells[0]
	if f.Control != "C-1" || f.Expected == "" || f.Actual == "" || len(f.Objects) != 1 || f.Objects[0] != "Default: AutoForwardEnabled=true" || f.More != 2 {
		t.Errorf("finding %+v", f)
	}
	if c := v.Controls[0]; c.Title != "Forwarding off" || c.Remediation == "" {
		t.Errorf("control %+v", c)
	}
	var b bytes.Buffer
	if err := WriteActionPlan(&b, v); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("rows %v %v", rows, err)
	}
	if rows[1][6] != "Set-RemoteDomain -Identity Default -AutoForwardEnabled $false (https://learn.microsoft.com/x)" || !strings.Contains(rows[1][5], "… and 2 more") {
		t.Errorf("fail row %v", rows[1])
	}
	if w := rows[2]; w[4] != "waived" || w[7] != "ops@msp.example" || w[8] != "2027-01-31" || w[9] != "legacy relay, ticket CHG-42" {
		t.Errorf("waived row %v: owner, due date and justification come from the waiver", w)
	}
	r.Waivers = []results.WaiverUse{{WaiverRef: *as[1].Waiver, Controls: []string{"C-2"}, Applied: 1, Matched: 1}}
	var html bytes.Buffer
	if err := WriteHTML(&html, Build(r), r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="waivers"`, "W-1", "legacy relay", "Set-RemoteDomain", "… and 2 more"} {
		if !strings.Contains(html.String(), want) {
			t.Errorf("the HTML lacks %q", want)
		}
	}
	// The waiver expires: the fail is back, listed as such.
	later := fleet("r2", map[string]map[string]string{"alpha": {"C-1": "fail", "C-2": "fail"}})
	ch := Diff(v, Build(later))
	if len(ch.WaiversExpired) != 1 || ch.WaiversExpired[0].Control != "C-2" || len(ch.NewlyFailing) != 0 {
		t.Errorf("changes %+v", ch)
	}
}
