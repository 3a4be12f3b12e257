package emulator

import (
	"strings"
	"testing"
)

// A scenario file relaxes strict behaviours and picks answer forms with
// the keys of exchange.Strictness; unknown keys and forms are errors.
func TestScenarioStrict(t *testing.T) {
	o, err := ParseScenario([]byte("strict:\n  batch_item_auth_optional: true\n  error_detail: localized\n  concurrency_body: text\n  concurrency_status: 503\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !o.Strict.BatchItemAuthOptional || o.Strict.ErrorDetail != "localized" || o.Strict.ConcurrencyBody != "text" || o.Strict.ConcurrencyStatus != 503 {
		t.Errorf("%+v", o.Strict)
	}
	for in, want := range map[string]string{
		"strict:\n  error_detail: xml\n":   "error detail form",
		"strict:\n  batch_auth: true\n":    "batch_auth",
		"strict:\n  concurrency_status: 7": "not an HTTP status",
	} {
		if _, err := ParseScenario([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v", in, err)
		}
	}
}
