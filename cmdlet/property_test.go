package cmdlet

import "testing"

func TestPropertyBindsNamesAsPowerShellDoes(t *testing.T) {
	m := map[string]any{"Identity": "exact", "identity": "folded", "displayname": "d"}
	for _, tc := range []struct {
		name string
		want any
		ok   bool
	}{
		{"Identity", "exact", true},  // an exact match wins over a folded one
		{"identity", "folded", true}, // exact again
		{"DisplayName", "d", true},   // differs only in case
		{"DISPLAYNAME", "d", true},
		{"Display", nil, false},      // no prefix matching
		{"DisplayName ", nil, false}, // no trimming
		{"", nil, false},
	} {
		got, ok := Property(m, tc.name)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Property(%q) = %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
	if _, ok := Property(nil, "Identity"); ok {
		t.Error("Property(nil) found something")
	}
}
