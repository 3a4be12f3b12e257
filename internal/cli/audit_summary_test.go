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
