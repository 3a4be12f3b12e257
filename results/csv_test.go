package results

import (
	"encoding/csv"
	"strings"
	"testing"
	"time"
)

func TestWriteCSV(t *testing.T) {
	t.Parallel()
	r := &Results{Run: Run{ID: "20261122T070000Z-x", Started: time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC), Playbook: Playbook{SHA256: "abc123"}}, Tenants: []*Tenant{
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
	for _, row := range rows[1:] {
		if row[col("run_id")] != "20261122T070000Z-x" || row[col("run_started")] != "2026-11-22T07:00:00Z" || row[col("playbook_sha256")] != "abc123" {
			t.Errorf("a row does not say which run it is evidence of: %v", row)
		}
	}
	if rows[4][col("tenant")] != "nowhere" || rows[4][col("error_category")] != "auth" || rows[4][col("error")] != "tenant not found" {
		t.Errorf("sign-in row: %v", rows[4])
	}
}
