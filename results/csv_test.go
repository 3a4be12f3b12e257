package results

import (
	"encoding/csv"
	"strings"
	"testing"
)

func TestWriteCSV(t *testing.T) {
	t.Parallel()
	r := &Results{Tenants: []*Tenant{
		{Name: "contoso", Organization: "contoso.onmicrosoft.com", TenantID: "tid-1", Status: StatusFailed, Steps: []*Step{
			{ID: "org", Cmdlet: "Get-OrganizationConfig", Status: StatusOK, Output: &Output{Objects: 1}, Attempts: Attempts{Calls: 1},
				Assertions: []Assertion{{ID: "A-1", Passed: true, Severity: "high"}, {ID: "A-2", Passed: false, Severity: "low", Message: "=HYPERLINK(\"x\")"}}},
			{ID: "set", Cmdlet: "Set-Mailbox", Write: true, Status: StatusFailed, Error: &Error{Category: "not_found", Code: "Ex6F9304", Message: "object\n'x' not found"}},
		}},
		// As the runner reports a sign-in failure: every step skipped.
		{Name: "nowhere", Organization: "nowhere.onmicrosoft.com", Status: StatusFailed, Error: &Error{Category: "auth", Code: "AADSTS90002", Message: "tenant not found"},
			Steps: []*Step{{ID: "org", Cmdlet: "Get-OrganizationConfig", Status: StatusSkipped, Reason: "not run: sign-in failed"}}},
	}}
	var b strings.Builder
	if err := WriteCSV(&b, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 { // header, two assertion rows, one step row, one sign-in row
		t.Fatalf("%d rows:\n%s", len(rows), b.String())
	}
	col := func(name string) int {
		for i, h := range rows[0] {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	if rows[2][col("assertion_id")] != "A-2" || rows[2][col("assertion_passed")] != "false" || rows[2][col("assertion_message")] != "'=HYPERLINK(\"x\")" {
		t.Errorf("assertion row: %v", rows[2])
	}
	if rows[3][col("error_code")] != "Ex6F9304" || rows[3][col("error")] != "object 'x' not found" || rows[3][col("write")] != "true" {
		t.Errorf("failed step row: %v", rows[3])
	}
	if rows[4][col("tenant")] != "nowhere" || rows[4][col("error_category")] != "auth" || rows[4][col("error")] != "tenant not found" {
		t.Errorf("sign-in row: %v", rows[4])
	}
}
