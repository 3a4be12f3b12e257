package runner

import (
	"testing"

	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
)

// Done cells that left only a status share one cell per status and reason;
// the step's counts, attempts and item errors are those of the cells as
// they were, in input order whatever order they finished in.
func TestStoreSharesDoneCellsAndKeepsTheStepResult(t *testing.T) {
	const n = 1000
	s := &stepRun{st: &playbook.Step{ID: "s", Foreach: &playbook.Value{}}, cells: make([]*cell, n)}
	want := results.Counts{}
	wantCalls := 0
	// Finish in reverse order, as concurrent cells may.
	for i := n - 1; i >= 0; i-- {
		c := &cell{index: i, attempts: results.Attempts{Calls: 1, Attempts: 1 + i%3, Requests: 1 + i%3}}
		switch {
		case i%100 == 7:
			c.status, c.err = results.StatusFailed, &results.Error{Category: "validation", Code: "x", Message: "bad item"}
		case i%100 == 9:
			c.status, c.diff = results.StatusChanged, &results.Diff{Item: c.itemPtr(), Identity: "x"}
		case i%10 == 1:
			c.status, c.reason, c.attempts = results.StatusSkipped, "when is false", results.Attempts{}
		case i%50 == 3:
			c.status, c.warnings = results.StatusOK, []string{"w"}
		case i%2 == 0:
			c.status, c.rng = results.StatusChanged, &results.Range{Off: int64(i)} // no objects
		default:
			c.status = results.StatusOK
		}
		want.Add(c.status)
		wantCalls += c.attempts.Calls
		s.store(c)
		if s.cells[i] != c && (c.err != nil || len(c.warnings) > 0 || c.diff != nil) {
			t.Fatalf("cell %d has an error, warnings or a diff but was not kept", i)
		}
	}
	distinct := map[*cell]bool{}
	for _, c := range s.cells {
		distinct[c] = true
	}
	// 10 failed, 10 with a diff, 20 with a warning kept; ok, changed,
	// skipped shared.
	if kept := len(distinct) - 3; kept != 40 {
		t.Errorf("%d distinct cells besides the 3 shared, want the 40 with an error, a diff or a warning", kept)
	}
	sr := &results.Step{}
	s.aggregate(sr)
	if *sr.Items != want {
		t.Errorf("items %+v, want %+v", *sr.Items, want)
	}
	if sr.Attempts.Calls != wantCalls {
		t.Errorf("calls %d, want %d", sr.Attempts.Calls, wantCalls)
	}
	if len(sr.ItemErrors) != 10 {
		t.Fatalf("%d item errors, want 10", len(sr.ItemErrors))
	}
	for k, e := range sr.ItemErrors {
		if e.Index != 100*k+7 {
			t.Errorf("item error %d is for item %d, want %d (input order)", k, e.Index, 100*k+7)
		}
	}
	if len(sr.Diffs) != 10 {
		t.Errorf("%d diffs, want 10", len(sr.Diffs))
	}
	if sr.Status != results.StatusFailed || len(sr.Warnings) != 1 {
		t.Errorf("status %s warnings %v, want failed and one warning", sr.Status, sr.Warnings)
	}
}
