package emulator

import (
	"slices"
	"testing"
)

// TestResourcesAsSpelled holds the audiences derived from the hosts to the
// token resources of exo-rest-protocol.md §1.3, spelled out.
func TestResourcesAsSpelled(t *testing.T) {
	want := []string{"00000002-0000-0ff1-ce00-000000000000",
		"https://outlook.office365.com", "https://ps.compliance.protection.outlook.com",
		"https://outlook.office365.us", "https://ps.compliance.protection.office365.us",
		"https://outlook-dod.office365.us",
		"https://partner.outlook.cn", "https://ps.compliance.protection.partner.outlook.cn",
		"https://outlook.office.de", "https://ps.compliance.protection.outlook.de"}
	if got := resources(); !slices.Equal(got, want) {
		t.Errorf("resources() = %q\nwant %q", got, want)
	}
}
