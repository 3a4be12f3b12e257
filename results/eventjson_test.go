package results

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

// The journal's encoder must write what json.Marshal writes, so that old
// and new journals read the same and nothing is lost in a field it skips.
func TestAppendEventMatchesJSONMarshal(t *testing.T) {
	t.Parallel()
	item := 7
	zero := 0
	ts := time.Date(2026, 11, 22, 7, 0, 0, 123456789, time.UTC)
	events := []Event{
		{Time: ts, Type: EventCellSent, Tenant: "contoso", Step: "set-pop", Item: &item},
		{Time: ts.Add(time.Millisecond), Type: EventCellDone, Tenant: "contoso", Step: "s", Item: &zero, Status: StatusChanged, Sent: true,
			Data:     &Range{Off: 1 << 40, Len: 12, Objects: 3},
			Attempts: &Attempts{Calls: 1, Attempts: 2, Requests: 3, Pages: 1, ThrottledWaits: 1, ThrottledSeconds: 1.25}},
		{Time: ts, Type: EventCellDone, Status: StatusFailed, Attempts: &Attempts{ThrottledSeconds: 1e-9}},
		{Time: ts, Type: EventCellDone, Attempts: &Attempts{ThrottledSeconds: 3e21}},
		{Time: ts, Type: EventCellDone, Attempts: &Attempts{ThrottledSeconds: 0.000001}},
		{Time: ts, Type: EventCellDone, Attempts: &Attempts{ThrottledSeconds: 123456.5}},
		{Time: ts.In(time.FixedZone("x", 3600)), Type: EventStepStarted, Tenant: `a "quoted" <tag> & \ back`, Step: "ünïcode\u2028\x01"},
		{Time: ts, Type: EventCellDone, Tenant: "t", Step: "s", Item: &item, Status: StatusFailed,
			Error:    &Error{Category: "validation", Code: "x", Message: "bad <value> \"y\"\n"},
			Warnings: []string{"w1", "w<2>", ""}, WouldRun: map[string]any{"Identity": "a", "B": []any{1, true}, "P": Redacted}},
		{Time: ts, Type: EventStepDone, Tenant: "t", Step: "s", Status: StatusOK,
			StepResult: &Step{ID: "s", Cmdlet: "Get-X", Status: StatusOK, Output: &Output{Objects: 1, Inline: []json.RawMessage{json.RawMessage(`{"a":1}`)}}}},
		{Time: ts, Type: EventTenantDone, Tenant: "t", TenantResult: &Tenant{Name: "t", Status: StatusOK}},
		{Time: ts, Type: EventRunStarted, Run: &Run{ID: "r", Mode: "run", Argv: []string{"exoplay", "run"}, Started: ts}},
		{Time: ts, Type: EventRunStarted, Inputs: &Inputs{Inventory: []FileDigest{{Path: "t.csv", SHA256: "ab"}}, Tenants: []TenantInput{{Name: "t", Organization: "t.onmicrosoft.com"}},
			Selection: Selection{Limit: "eu", Vars: map[string]any{"x": true}, SecretVars: map[string]string{"pw": "cd"}}}},
		{Time: ts, Type: EventRunFinished, Status: StatusOK, Message: "exit code 0"},
		{Time: ts, Type: EventCellDone, Warnings: []string{}, WouldRun: map[string]any{}},
		{Type: "zero time"},
	}
	for i, ev := range events {
		want, werr := json.Marshal(ev)
		got, gerr := appendEvent(nil, &ev)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("event %d: error %v, json.Marshal %v", i, gerr, werr)
		}
		if string(got) != string(want) {
			t.Errorf("event %d:\n got %s\nwant %s", i, got, want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1)} {
		if _, err := appendEvent(nil, &Event{Type: "x", Attempts: &Attempts{ThrottledSeconds: f}}); err == nil {
			t.Errorf("%v: no error, json.Marshal refuses it", f)
		}
	}
	if _, err := appendEvent(nil, &Event{Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), Type: "x"}); err == nil {
		t.Error("year 10000: no error, json.Marshal refuses it")
	}
}

func BenchmarkAppendEvent(b *testing.B) {
	item := 7
	ev := Event{Time: time.Now().UTC(), Type: EventCellDone, Tenant: "contoso", Step: "set-pop", Item: &item, Status: StatusChanged,
		Attempts: &Attempts{Calls: 1, Attempts: 1, Requests: 1}}
	var buf []byte
	for b.Loop() {
		buf, _ = appendEvent(buf[:0], &ev)
	}
}
