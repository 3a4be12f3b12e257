package playbook

import (
	"strings"
	"testing"
)

// A register read only by an assertion's applies_when, by an expect's over
// or condition, or by its message is a register the step needs: --tags that
// leave out the step registering it are an error (the read would see an
// empty list and pass or misjudge), and --controls keeps that step.
func TestAssertionReadsAreNeeds(t *testing.T) {
	const yaml = `version: 1
steps:
  - {id: org, cmdlet: Get-OrganizationConfig, register: org, tags: [read]}
  - id: applies
    cmdlet: Get-RemoteDomain
    tags: [applies]
    assert: [{id: C-1, applies_when: "${{ len(org) > 0 }}", expect: {each: "${{ .AutoForwardEnabled == false }}"}}]
  - {id: over, cmdlet: Get-RemoteDomain, tags: [over], assert: [{id: C-2, expect: {over: "${{ org }}", each: "${{ .OAuth2ClientProfileEnabled == true }}"}}]}
  - {id: cond, cmdlet: Get-RemoteDomain, tags: [cond], assert: [{id: C-3, expect: {each: "${{ .Name != org[0].Name }}"}}]}
  - id: message
    cmdlet: Get-RemoteDomain
    tags: [message]
    assert: [{id: C-4, that: "${{ len(result) > 0 }}", message: "no remote domain in ${{ org[0].Name }}"}]
`
	for _, tag := range []string{"applies", "over", "cond", "message"} {
		pb, err := Parse("p.yaml", []byte(yaml), LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pb.SelectSteps([]string{tag}, nil); err == nil || !strings.Contains(err.Error(), `step "`+tag+`" reads register "org"`) {
			t.Errorf("--tags %s: %v, want the unselected register step named", tag, err)
		}
		if deps := pb.Needs(pb.Steps[len(pb.Steps)-1]); tag == "message" && (len(deps) != 1 || deps[0].Step.ID != "org") {
			t.Errorf("needs of step message: %+v", deps)
		}
	}
	for _, id := range []string{"C-1", "C-2", "C-3", "C-4"} {
		pb, err := Parse("p.yaml", []byte(yaml), LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := pb.SelectControls([]string{id}); err != nil {
			t.Fatal(err)
		}
		if len(pb.Steps) != 2 || pb.Steps[0].ID != "org" {
			t.Errorf("--controls %s keeps %d steps (first %s): want org and the control's step", id, len(pb.Steps), pb.Steps[0].ID)
		}
	}
}

// A tag selection that leaves no step is refused: the run would send
// nothing and end ok.
func TestSelectionOfNoStepIsRefused(t *testing.T) {
	pb, err := Parse("p.yaml", []byte(`version: 1
steps:
  - {id: one, cmdlet: Get-Mailbox, tags: [read]}
  - {id: two, cmdlet: Get-CASMailbox, tags: [read, cas]}
`), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, sel := range [][2][]string{
		{nil, {"all"}},
		{{"cas"}, {"cas"}},
		{{"untagged"}, nil},
	} {
		_, err := pb.SelectSteps(sel[0], sel[1])
		if err == nil || !strings.Contains(err.Error(), "select none of the playbook's 2 steps") || !strings.Contains(err.Error(), `"cas", "read"`) {
			t.Errorf("--tags %v --skip-tags %v: %v, want a refusal naming the tags", sel[0], sel[1], err)
		}
	}
	for _, sel := range [][2][]string{{nil, nil}, {{"cas"}, nil}, {nil, {"cas"}}} {
		if steps, err := pb.SelectSteps(sel[0], sel[1]); err != nil || len(steps) == 0 {
			t.Errorf("--tags %v --skip-tags %v: %d steps, %v", sel[0], sel[1], len(steps), err)
		}
	}
}
