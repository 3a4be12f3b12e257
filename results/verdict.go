package results

import "slices"

// The verdict of an assertion beyond passed: a result from a fixed
// vocabulary, what was expected and found, the objects that fail, and the
// waiver that covered it. Every field is additive to schema version 1.

// Results of an assertion.
const (
	ResultPass          = "pass"
	ResultFail          = "fail"
	ResultError         = "error" // the tool could not decide (a read failed, an expression broke)
	ResultNotApplicable = "not_applicable"
	ResultWaived        = "waived"
	ResultManual        = "manual"
)

// MaxFailing is how many failing objects an assertion lists; FailingTotal
// counts them all.
const MaxFailing = 50

// Verdict is embedded in Assertion.
type Verdict struct {
	Result   string `json:"result,omitempty"`
	Title    string `json:"title,omitempty"`
	Expected string `json:"expected,omitempty"`
	Actual   string `json:"actual,omitempty"`
	// Reason says why a result is not_applicable, manual or error.
	Reason       string          `json:"reason,omitempty"`
	Objects      int             `json:"objects,omitempty"` // objects examined
	Failing      []FailingObject `json:"failing,omitempty"`
	FailingTotal int             `json:"failing_total,omitempty"`
	Waiver       *WaiverRef      `json:"waiver,omitempty"`
	Strength     string          `json:"strength,omitempty"`
	Refs         []string        `json:"refs,omitempty"`
	Tags         []string        `json:"tags,omitempty"`
	Remediation  string          `json:"remediation,omitempty"`
	RemedyURL    string          `json:"remediation_url,omitempty"`
}

// FailingObject names an object that fails and the values the condition read.
type FailingObject struct {
	Identity string         `json:"identity"`
	Values   map[string]any `json:"values,omitempty"`
}

// WaiverRef is the waiver that matched an assertion. Expired means it no
// longer holds (the result stays fail); ExpiringSoon that it ends within 30 days.
type WaiverRef struct {
	ID           string `json:"id"`
	Reason       string `json:"reason"`
	Owner        string `json:"owner"`
	Ticket       string `json:"ticket,omitempty"`
	Expires      string `json:"expires"`
	Expired      bool   `json:"expired,omitempty"`
	ExpiringSoon bool   `json:"expiring_soon,omitempty"`
}

// WaiverUse is one waiver of the run: how many failing results it waived
// (0 = unused), and whether it had expired or expires soon.
type WaiverUse struct {
	WaiverRef
	Controls []string `json:"controls"`
	Applied  int      `json:"applied"`
	// Matched counts the failing results it covered, expired or not.
	Matched int `json:"matched"`
}

// ResultCounts counts assertions by result (pass and fail are Passed and
// Failed of AssertionCounts).
type ResultCounts struct {
	Errors        int `json:"error"`
	NotApplicable int `json:"not_applicable"`
	Waived        int `json:"waived"`
	Manual        int `json:"manual"`
}

// severityOrder is playbook.Severities (lowest first); a runner test holds
// the two equal.
var severityOrder = []string{"info", "low", "medium", "high", "critical"}

// SeverityOrder returns the severities, lowest first.
func SeverityOrder() []string { return slices.Clone(severityOrder) }

// ResultOf is the assertion's result in the vocabulary, also for results
// written before it existed (passed true/false, error text).
func (a *Assertion) ResultOf() string {
	switch {
	case a.Result != "":
		return a.Result
	case a.Error != "":
		return ResultError
	case a.Passed:
		return ResultPass
	}
	return ResultFail
}

// gates reports whether a fail at severity counts for the exit code under
// failOn ("" = every severity).
func gates(severity, failOn string) bool {
	if failOn == "" {
		return true
	}
	s, f := slices.Index(severityOrder, severity), slices.Index(severityOrder, failOn)
	if s < 0 { // no severity written: the default, medium
		s = slices.Index(severityOrder, "medium")
	}
	return s >= f
}

// count adds one assertion to c and reports whether it is a gating fail
// (exit 3) or an error (exit 1).
func (c *AssertionCounts) count(a *Assertion, failOn string) (gatingFail, isError bool) {
	switch a.ResultOf() {
	case ResultPass:
		c.Passed++
	case ResultFail:
		c.Failed++
		return gates(a.Severity, failOn), false
	case ResultError:
		c.Errors++
		return false, true
	case ResultNotApplicable:
		c.NotApplicable++
	case ResultWaived:
		c.Waived++
	case ResultManual:
		c.Manual++
	}
	return false, false
}
