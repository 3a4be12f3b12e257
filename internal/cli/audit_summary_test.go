package cli

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/results"
)

// TestAuditSummaryReasonsInTenantOrder: a control that could not be decided
// for several reasons lists them in the order the tenants met them, the
// same on every run (a map's order made the text differ between two
// renderings of one results.json).
func TestAuditSummaryReasonsInTenantOrder(t *testing.T) {
	res := &results.Results{}
	var want []string
	for i := range 6 {
		reason := fmt.Sprintf("reason %d of tenant t%d", 6-i, i)
		want = append(want, "  EXO-01 could not be decided: "+reason)
		res.Tenants = append(res.Tenants, &results.Tenant{Name: fmt.Sprintf("t%d", i), Steps: []*results.Step{{ID: "org",
			Assertions: []results.Assertion{{ID: "EXO-01", Verdict: results.Verdict{Result: results.ResultError, Reason: reason}}}}}})
	}
	for range 10 {
		var out bytes.Buffer
		if err := writeAuditSummary(&out, &bytes.Buffer{}, res, "runs/x"); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), strings.Join(want, "\n")+"\n") {
			t.Fatalf("reasons not in tenant order:\n%s", out.String())
		}
	}
}

// Every row adds up to the tenants audited: a tenant that could not sign in
// has no verdict, and counts as ERROR with its reason (the summary counted
// only recorded verdicts, so such a tenant vanished from the table).
func TestAuditSummaryCountsTenantsWithoutAVerdict(t *testing.T) {
	res := &results.Results{Tenants: []*results.Tenant{
		{Name: "ok", Steps: []*results.Step{{ID: "org", Status: results.StatusOK,
			Assertions: []results.Assertion{{ID: "EXO-01", Severity: "high", Verdict: results.Verdict{Result: results.ResultPass}}}}}},
		{Name: "locked", Status: results.StatusFailed, Error: &results.Error{Category: "auth", Message: "AADSTS7000215 bad secret"}},
	}}
	res.Summary.Tenants.Total = 2
	var out bytes.Buffer
	if err := writeAuditSummary(&out, &bytes.Buffer{}, res, "runs/x"); err != nil {
		t.Fatal(err)
	}
	var row []string
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "EXO-01 ") {
			row = strings.Fields(line)
		}
	}
	// CONTROL SEVERITY PASS FAIL WAIVED N/A MANUAL ERROR NOT-RUN TITLE
	if len(row) < 9 || row[2] != "1" || row[7] != "1" || row[8] != "0" {
		t.Fatalf("row %q, want 1 pass and 1 error:\n%s", row, out.String())
	}
	if !strings.Contains(out.String(), "EXO-01 could not be decided: sign-in failed: ") || !strings.Contains(out.String(), "bad secret") {
		t.Fatalf("the sign-in failure is not named:\n%s", out.String())
	}
}
