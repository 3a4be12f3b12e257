package baseline_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/baseline"
	"github.com/exoplay/exoplay/playbook"
)

// Every control of the shipped baseline carries what an auditor needs:
// title, severity, strength, rationale, remediation (cmdlet and URL) and
// cross-references; EXO-01 .. EXO-40 are all there, once.
func TestExoBaselineIsComplete(t *testing.T) {
	file, data, err := baseline.Lookup("baseline:exo")
	if err != nil {
		t.Fatal(err)
	}
	pb, err := playbook.Parse(file, data, playbook.LoadOptions{Include: baseline.Include})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range pb.Controls() {
		a := c.Assertion
		if seen[a.ID] {
			t.Errorf("%s twice", a.ID)
		}
		seen[a.ID] = true
		m := a.Control
		if m.Title == "" || m.Strength == "" || m.Rationale == "" || len(m.Refs) == 0 || len(m.Tags) == 0 {
			t.Errorf("%s lacks title, strength, rationale, refs or tags: %+v", a.ID, m)
		}
		if a.Manual == "" && (m.Remediation == "" || !strings.HasPrefix(m.RemediationURL, "https://learn.microsoft.com/")) {
			t.Errorf("%s lacks a remediation cmdlet line and reference URL", a.ID)
		}
		if a.Manual == "" && a.Expect == nil {
			t.Errorf("%s is neither manual nor an expect: (that: gives no failing objects)", a.ID)
		}
	}
	for i := 1; i <= 40; i++ {
		if id := fmt.Sprintf("EXO-%02d", i); !seen[id] {
			t.Errorf("%s is missing", id)
		}
	}
	if c := pb.Steps; len(c) == 0 || c[0].Write {
		t.Error("the baseline must only read")
	}
	for _, st := range pb.Steps {
		if st.Write {
			t.Errorf("step %s writes (%s): the baseline only reads", st.ID, st.Cmdlet)
		}
	}
}

func TestLookupAndInclude(t *testing.T) {
	if got := baseline.Names(); len(got) != 1 || got[0] != "exo" {
		t.Errorf("names = %v", got)
	}
	if _, _, err := baseline.Lookup("nope"); err == nil || !strings.Contains(err.Error(), "shipped baselines: exo") {
		t.Errorf("unknown baseline: %v", err)
	}
	if _, _, err := baseline.Include("other.yaml"); err == nil || !strings.Contains(err.Error(), "baseline:exo") {
		t.Errorf("include of a file: %v", err)
	}
	v, err := baseline.Version("exo")
	if err != nil || len(v) != 64 {
		t.Errorf("version %q, %v", v, err)
	}
}
