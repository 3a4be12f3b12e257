package runner

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/playbook"
)

func TestDecodeObjectKeepsNumbersBeyondFloat64(t *testing.T) {
	v, err := decodeObject([]byte(`{"Name":"x","Big":1e700,"Small":3}`))
	if err != nil {
		t.Fatalf("1e700: %v", err)
	}
	m := v.(map[string]any)
	if m["Big"] != json.Number("1e700") || m["Name"] != "x" {
		t.Fatalf("decoded %#v", m)
	}
	// Expressions read it as its text, not as a failure.
	if got := playbook.NormalizeJSON(m["Big"]); got != "1e700" {
		t.Fatalf("normalised to %#v", got)
	}
	if _, err := decodeObject([]byte(`{"a":`)); err == nil || !strings.Contains(err.Error(), "cannot be read") {
		t.Fatalf("invalid JSON: %v", err)
	}
	if v, _ := decodeObject([]byte(`{"n":1.5}`)); v.(map[string]any)["n"] != 1.5 {
		t.Fatal("ordinary numbers must stay float64")
	}
}

func TestNonFiniteParametersAreRefused(t *testing.T) {
	for _, p := range []map[string]any{
		{"A": math.NaN()}, {"A": "x", "B": []any{1.0, math.Inf(1)}}, {"C": map[string]any{"Add": []any{math.Inf(-1)}}},
	} {
		if e := nonFinite(p); e == nil || !strings.Contains(e.Message, "no such number") {
			t.Errorf("%v: %v", p, e)
		}
	}
	if e := nonFinite(map[string]any{"A": 1.0, "B": "NaN"}); e != nil {
		t.Errorf("finite parameters refused: %v", e)
	}
}

// BenchmarkNonFinite is the per-cell check of a typical write's parameters
// (an identity, a flag and a list of 100 addresses), all finite.
func BenchmarkNonFinite(b *testing.B) {
	addrs := make([]any, 100)
	for i := range addrs {
		addrs[i] = "smtp:user@contoso.com"
	}
	params := map[string]any{"Identity": "adele", "PopEnabled": false, "EmailAddresses": map[string]any{"Add": addrs}, "Quota": 5.0}
	b.ReportAllocs()
	for b.Loop() {
		if nonFinite(params) != nil {
			b.Fatal("finite parameters refused")
		}
	}
}
