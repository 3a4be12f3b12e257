package playbook

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkCSVHeader200kColumns loads an inventory whose header has 200,000
// columns (issue 14 item 7: the duplicate check was quadratic, 83 s).
func BenchmarkCSVHeader200kColumns(b *testing.B) {
	var h strings.Builder
	h.WriteString("organization")
	for i := range 200_000 {
		fmt.Fprintf(&h, ",vars.c%d", i)
	}
	h.WriteString(",vars.c7\n") // one duplicate, so the check has something to find
	csv := []byte(h.String())
	pbText := []byte("version: 1\ninventory: [t.csv]\nsteps:\n  - cmdlet: Get-Mailbox\n")
	read := func(p string) ([]byte, error) {
		if strings.HasSuffix(p, ".csv") {
			return csv, nil
		}
		return pbText, nil
	}
	b.ResetTimer()
	for b.Loop() {
		_, err := Parse("p.yaml", pbText, LoadOptions{ReadFile: read})
		if err == nil || !strings.Contains(err.Error(), `"vars.c7" appears twice`) {
			b.Fatalf("want the duplicate column reported, got %v", err)
		}
	}
}
