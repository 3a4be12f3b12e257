package results

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

func TestDiffsInCSVAndText(t *testing.T) {
	one := 1
	r := &Results{Tenants: []*Tenant{{Name: "contoso", Status: StatusChanged, Steps: []*Step{
		{ID: "pop-off", Cmdlet: "Set-CASMailbox", Write: true, Status: StatusChanged, Diffs: []Diff{
			{Item: &one, Identity: "adele", Properties: []PropertyDiff{{"PopEnabled", true, false}, {"EmailAddresses", []any{"smtp:a@x"}, nil}}},
		}},
		{ID: "org", Cmdlet: "Get-OrganizationConfig", Status: StatusOK},
	}}}}
	var b bytes.Buffer
	if err := WriteCSV(&b, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range rows[0] {
		if h == "diff" {
			col = i
		}
	}
	if col < 0 || len(rows) != 3 {
		t.Fatalf("no diff column or %d rows: %v", len(rows), rows)
	}
	if got, want := rows[1][col], `adele: PopEnabled: true -> false; EmailAddresses: ["smtp:a@x"] -> $null`; got != want {
		t.Errorf("diff cell %q, want %q", got, want)
	}
	if rows[2][col] != "" {
		t.Errorf("a step without diffs: %q", rows[2][col])
	}
	var txt bytes.Buffer
	PrintDiffs(&txt, r)
	if want := "contoso: step pop-off (Set-CASMailbox), 1 object(s) differ:\n  adele\n    - PopEnabled: true\n    + PopEnabled: false\n"; !strings.Contains(txt.String(), want) {
		t.Errorf("text:\n%s\nwant it to hold:\n%s", txt.String(), want)
	}
}
