package playbook

import (
	"slices"
	"strings"
	"testing"
)

func loadExpect(t *testing.T, asserts string) *Playbook {
	t.Helper()
	src := `version: 1
vars: {allowed: [fabrikam.com]}
tenants:
  - {name: contoso, organization: contoso.onmicrosoft.com, environment: Emulator}
steps:
  - cmdlet: Get-DkimSigningConfig
    register: dkim
  - cmdlet: Get-RemoteDomain
    assert:
` + asserts
	pb, err := Parse("expect.yaml", []byte(src), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return pb
}

func TestExpectForms(t *testing.T) {
	objs := []any{
		map[string]any{"Name": "Default", "DomainName": "*", "AutoForwardEnabled": true},
		map[string]any{"Name": "Fabrikam", "DomainName": "fabrikam.com", "AutoForwardEnabled": true},
		map[string]any{"Name": "Tailspin", "DomainName": "tailspin.com", "AutoForwardEnabled": false},
	}
	pb := loadExpect(t, `      - id: each
        expect: {each: "${{ .AutoForwardEnabled == false || .DomainName in allowed }}"}
      - id: any
        expect: {any: "${{ .DomainName == 'contoso.com' }}"}
      - id: none
        expect: {none: "${{ .AutoForwardEnabled && .DomainName == '*' }}"}
      - id: count
        expect: {count: "${{ .AutoForwardEnabled }}", max: 1}
      - id: nested
        expect: {each: "${{ let d = .DomainName; none(dkim, .Domain == d) }}"}
`)
	scope := pb.Scope(pb.Tenants[0], nil)
	scope["dkim"] = []any{map[string]any{"Domain": "fabrikam.com"}}
	want := map[string]struct {
		pass    bool
		failing []int
		actual  string
	}{
		"each":   {false, []int{0}, "1 of 3 objects fail"},
		"any":    {false, nil, "0 of 3 objects match"},
		"none":   {false, []int{0}, "1 of 3 objects match"},
		"count":  {false, []int{0, 1}, "2 of 3 objects match"},
		"nested": {false, []int{1}, "1 of 3 objects fail"},
	}
	for _, a := range pb.Steps[1].Assert {
		o, err := a.Expect.Check(scope, objs)
		if err != nil {
			t.Fatalf("%s: %v", a.ID, err)
		}
		w := want[a.ID]
		if o.Pass != w.pass || !slices.Equal(o.Failing, w.failing) || o.Actual != w.actual {
			t.Errorf("%s: pass %v failing %v actual %q, want %v %v %q", a.ID, o.Pass, o.Failing, o.Actual, w.pass, w.failing, w.actual)
		}
	}
	if got := pb.Steps[1].Assert[0].Expect.Props; !slices.Equal(got, []string{"AutoForwardEnabled", "DomainName"}) {
		t.Errorf("props read = %v", got)
	}
	if got := pb.Steps[1].Assert[3].Expect.Expected(); got != "at most 1 objects: .AutoForwardEnabled" {
		t.Errorf("expected text = %q", got)
	}
	// A condition that is not boolean for an object is an error, not a fail.
	bad := loadExpect(t, `      - {id: x, expect: {each: "${{ .Name }}"}}
`)
	if _, err := bad.Steps[1].Assert[0].Expect.Check(scope, objs); err == nil || !strings.Contains(err.Error(), "not true or false") {
		t.Errorf("err = %v", err)
	}
}

func TestWaiversLoadAndCheck(t *testing.T) {
	src := `version: 1
tenants:
  - {name: contoso, organization: contoso.onmicrosoft.com, environment: Emulator, groups: [eu]}
steps:
  - cmdlet: Get-RemoteDomain
    assert:
      - {id: FWD-1, expect: {each: "${{ !.AutoForwardEnabled }}"}}
waivers:
  - {id: W1, controls: FWD-1, groups: [eu], reason: legal, owner: jane, expires: 2026-12-31}
  - {id: W2, controls: [FWD-*], tenants: ["fab*"], reason: x, owner: y, ticket: T-1, expires: "2026-01-31"}
`
	pb, err := Parse("w.yaml", []byte(src), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w1, w2 := pb.Waivers[0], pb.Waivers[1]
	if !w1.Covers(pb.Tenants[0], "FWD-1") || w2.Covers(pb.Tenants[0], "FWD-1") || w1.Covers(pb.Tenants[0], "FWD-2") {
		t.Error("scope matching is wrong")
	}
	if w1.Date() != "2026-12-31" {
		t.Errorf("date = %s", w1.Date())
	}
	bad := strings.NewReplacer("controls: FWD-1,", "controls: FWD-9,", "owner: y,", "").Replace(src)
	_, err = Parse("w.yaml", []byte(bad), LoadOptions{SkipSchema: true})
	for _, want := range []string{`w.yaml:9:5: waiver W1: no control "FWD-9" in this playbook`, `w.yaml:10:5: waiver 2 is missing the required key "owner"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in %v", want, err)
		}
	}
	noScope := strings.Replace(src, "groups: [eu], ", "", 1)
	if _, err := Parse("w.yaml", []byte(noScope), LoadOptions{}); err == nil || !strings.Contains(err.Error(), "needs a scope") {
		t.Errorf("a waiver without scope: %v", err)
	}
}

func TestDaysReadsTimeSpans(t *testing.T) {
	for in, want := range map[string]float64{"90.00:00:00": 90, "06:00:00": 0.25, "1.12:00:00": 1.5, "00:00:00.5000000": 0.5 / 86400} {
		if got, err := parseTimeSpanDays(in); err != nil || got != want {
			t.Errorf("days(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"90", "90 days", "1.25:00:00", ""} {
		if _, err := parseTimeSpanDays(in); err == nil {
			t.Errorf("days(%q) accepted", in)
		}
	}
}

func TestExpectRefusesAPropertyNoObjectHas(t *testing.T) {
	pb := loadExpect(t, `      - {id: typo, expect: {each: "${{ .AutoForwardEnabld == false }}"}}
`)
	objs := []any{map[string]any{"Name": "Default", "AutoForwardEnabled": true}}
	_, err := pb.Steps[1].Assert[0].Expect.Check(pb.Scope(pb.Tenants[0], nil), objs)
	if err == nil || !strings.Contains(err.Error(), `property "AutoForwardEnabld" is in none of the 1 objects of the checked list`) {
		t.Fatalf("a misspelt property must be an error, not a pass: %v", err)
	}
}
