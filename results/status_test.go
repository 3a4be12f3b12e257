package results

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func step(id string, s Status) *Step {
	return &Step{ID: id, Cmdlet: "Get-X", Service: "exchange", Status: s}
}

func TestTenantStatus(t *testing.T) {
	t.Parallel()
	cases := []struct {
		steps []Status
		want  Status
	}{
		{[]Status{StatusOK, StatusChanged, StatusFailed, StatusIncomplete}, StatusIncomplete}, // failed never hides unfinished work
		{[]Status{StatusOK, StatusFailed, StatusSkipped}, StatusFailed},
		{[]Status{StatusOK, StatusIncomplete, StatusChanged}, StatusIncomplete},
		{[]Status{StatusOK, StatusChanged, StatusSkipped}, StatusChanged},
		{[]Status{StatusOK, StatusSkipped}, StatusOK},
		{[]Status{StatusSkipped, StatusSkipped}, StatusSkipped},
		{nil, StatusOK},
	}
	for _, c := range cases {
		var steps []*Step
		for i, s := range c.steps {
			steps = append(steps, step(string(rune('a'+i)), s))
		}
		if got := TenantStatus(steps); got != c.want {
			t.Errorf("TenantStatus(%v) = %s, want %s", c.steps, got, c.want)
		}
	}
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	authFail := func(name string) *Tenant {
		return &Tenant{Name: name, Status: StatusFailed, Error: &Error{Category: "auth", Message: "AADSTS7000215"}}
	}
	okTenant := func(name string, steps ...*Step) *Tenant {
		return &Tenant{Name: name, Status: TenantStatus(steps), Steps: steps}
	}
	failedAssert := step("verify", StatusOK)
	failedAssert.Assertions = []Assertion{{ID: "EXO-1", Passed: false}, {ID: "EXO-2", Passed: true}}
	cases := []struct {
		name        string
		tenants     []*Tenant
		interrupted bool
		want        int
	}{
		{"all ok", []*Tenant{okTenant("a", step("s", StatusOK))}, false, ExitOK},
		{"a step failed", []*Tenant{okTenant("a", step("s", StatusFailed)), okTenant("b", failedAssert)}, false, ExitStepFailed},
		{"only assertions", []*Tenant{okTenant("a", failedAssert)}, false, ExitNonCompliant},
		{"every sign-in failed", []*Tenant{authFail("a"), authFail("b")}, false, ExitAuthFailed},
		{"some sign-in failed", []*Tenant{authFail("a"), okTenant("b", step("s", StatusOK))}, false, ExitStepFailed},
		{"interrupted", []*Tenant{okTenant("a", step("s", StatusIncomplete))}, true, ExitInterrupted},
		// A resume leaves a tenant preflight blocks unfinished (for a later
		// resume): work not done is never exit 0, nor hidden behind a finding.
		{"a tenant left unfinished", []*Tenant{okTenant("a", step("s", StatusOK)),
			{Name: "b", Status: StatusIncomplete, Error: &Error{Category: "auth", Code: "preflight_blocked"}, Steps: []*Step{step("s", StatusIncomplete)}}}, false, ExitInterrupted},
		{"unfinished and non-compliant", []*Tenant{okTenant("a", failedAssert), okTenant("b", step("s", StatusIncomplete))}, false, ExitInterrupted},
		{"unfinished and failed", []*Tenant{okTenant("a", step("s", StatusFailed)), okTenant("b", step("s", StatusIncomplete))}, false, ExitStepFailed},
	}
	for _, c := range cases {
		r := &Results{Tenants: c.tenants}
		r.Summarize(c.interrupted)
		if r.Summary.ExitCode != c.want {
			t.Errorf("%s: exit %d, want %d", c.name, r.Summary.ExitCode, c.want)
		}
	}
}

// sample is a results document using every field.
func sample() *Results {
	start := time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)
	end := start.Add(3 * time.Second)
	item := 1
	verify := &Step{ID: "verify", Name: "Verify", Cmdlet: "Get-OrganizationConfig", Service: "exchange", Status: StatusOK,
		Attempts:   Attempts{Calls: 1, Attempts: 1, Requests: 1, Pages: 1},
		Output:     &Output{Objects: 1, Path: "data/contoso/verify.jsonl", Inline: []json.RawMessage{json.RawMessage(`{"Name":"contoso"}`)}},
		Assertions: []Assertion{{ID: "EXO-AUTH-1", Passed: false, Message: "Modern authentication must be enabled", Severity: "high"}},
	}
	pop := &Step{ID: "disable-pop", Cmdlet: "Set-CASMailbox", Service: "exchange", Write: true, Status: StatusFailed,
		Items:      &Counts{Total: 2, Changed: 1, Failed: 1},
		Error:      &Error{Category: "not_found", Code: "Ex6F9304", Message: "1 of 2 items failed"},
		ItemErrors: []ItemError{{Index: 1, Error: &Error{Category: "not_found", Code: "Ex6F9304", Message: "couldn't be found"}}},
		Warnings:   []string{"no settings modified"},
	}
	check := &Step{ID: "check", Cmdlet: "Set-OrganizationConfig", Service: "exchange", Write: true, Status: StatusSkipped,
		Reason: "check mode", WouldRun: []WouldRun{{Item: &item, Parameters: map[string]any{"OAuth2ClientProfileEnabled": true}}}}
	r := &Results{
		SchemaVersion: SchemaVersion,
		Run: Run{ID: "20261122T070000Z-x", Dir: "runs/20261122T070000Z-x", Playbook: Playbook{Name: "x", Path: "x.yaml", SHA256: strings.Repeat("a", 64)},
			ToolVersion: "dev", Started: start, Finished: end, Mode: "run", Argv: []string{"exoplay", "run", "x.yaml"}},
		Tenants: []*Tenant{
			{Name: "contoso", Organization: "contoso.onmicrosoft.com", TenantID: "0000", AuthMethod: "client_secret", Started: &start, Finished: &end, Steps: []*Step{verify, pop, check}},
			{Name: "fabrikam", Organization: "fabrikam.onmicrosoft.com", Status: StatusFailed, Error: &Error{Category: "auth", Message: "AADSTS7000215: invalid secret"}, Steps: []*Step{}},
		},
	}
	r.Tenants[0].Status = TenantStatus(r.Tenants[0].Steps)
	r.Summarize(false)
	return r
}

func TestSchemaAcceptsResultsAndRejectsDrift(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(sample())
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(b); err != nil {
		t.Fatalf("sample results do not match the schema: %v", err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	m["tenants"].([]any)[0].(map[string]any)["status"] = "great"
	bad, _ := json.Marshal(m)
	if err := Validate(bad); err == nil {
		t.Fatal("schema accepted an unknown status")
	}
}

func TestWriteSummary(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteSummary(&buf, sample(), "runs/x"); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"contoso", "failed", "fabrikam: sign-in failed: auth: AADSTS7000215",
		"contoso: step disable-pop (Set-CASMailbox) item 1: not_found [Ex6F9304]",
		"contoso: EXO-AUTH-1 [high] (step verify): Modern authentication must be enabled",
		"would run Set-OrganizationConfig 1 time(s)",
		"runs/x/results.json", "(exit 1)",
		"Writes: 1 confirmed, 0 unchanged, 1 failed, 0 unknown (each in runs/x/writes.jsonl).",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}

func TestWriteJSONL(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	// 3 steps of contoso, fabrikam's sign-in failure, the summary.
	if len(lines) != 5 {
		t.Fatalf("%d lines:\n%s", len(lines), buf.String())
	}
	var last map[string]any
	if err := json.Unmarshal([]byte(lines[4]), &last); err != nil || last["type"] != "summary" || last["exit_code"] != float64(1) {
		t.Fatalf("last line = %s (%v)", lines[4], err)
	}
}
