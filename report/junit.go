package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string      `xml:"name,attr"`
	Tests      int         `xml:"tests,attr"`
	Failures   int         `xml:"failures,attr"`
	Errors     int         `xml:"errors,attr"`
	Skipped    int         `xml:"skipped,attr"`
	Timestamp  string      `xml:"timestamp,attr,omitempty"`
	Properties []junitProp `xml:"properties>property,omitempty"`
	Cases      []junitCase `xml:"testcase"`
}

type junitProp struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr,omitempty"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes JUnit XML for CI gates: one testsuite per tenant, one
// testcase per control. fail is a failure, error an error; waived,
// not_applicable, manual and not_run are skipped with the reason. A tenant
// of a run without assertions gets one testcase per step instead, so a
// failed step still fails the gate.
func WriteJUnit(w io.Writer, v *View) error {
	doc := junitSuites{Name: v.Run.Playbook + " " + v.Run.ID}
	for _, t := range v.Tenants {
		s := junitSuite{Name: t.Name, Properties: []junitProp{{"organization", t.Organization}}}
		if !v.Run.Started.IsZero() {
			s.Timestamp = v.Run.Started.UTC().Format("2006-01-02T15:04:05")
		}
		if t.TenantID != "" {
			s.Properties = append(s.Properties, junitProp{"tenant_id", t.TenantID})
		}
		for _, f := range t.Cells {
			name := f.Control
			if f.Message != "" {
				name += ": " + f.Message
			}
			c := junitCase{Name: name, Classname: t.Name + "." + f.Step}
			detail := findingDetail(f, true)
			switch f.Result {
			case Fail:
				c.Failure = &junitMessage{Message: firstLine(detail), Type: severityOr(f.Severity), Text: detail}
				s.Failures++
			case Error:
				c.Error = &junitMessage{Message: firstLine(detail), Type: "error", Text: detail}
				s.Errors++
			case Pass:
			default:
				c.Skipped = &junitMessage{Message: label(f.Result) + ": " + firstLine(detail)}
				s.Skipped++
			}
			s.Cases = append(s.Cases, c)
		}
		if len(v.Controls) == 0 {
			for _, o := range v.Ops {
				if o.Tenant != t.Name || (o.Kind != "sign-in" && o.Kind != "step-failed" && o.Kind != "incomplete") {
					continue
				}
				name := o.Kind
				if o.Step != "" {
					name = "step " + o.Step
				}
				s.Cases = append(s.Cases, junitCase{Name: name, Classname: t.Name, Error: &junitMessage{Message: o.Detail, Type: o.Kind, Text: o.Detail}})
				s.Errors++
			}
			if len(s.Cases) == 0 {
				s.Cases = append(s.Cases, junitCase{Name: "run", Classname: t.Name, SystemOut: "status " + t.Status})
			}
		}
		s.Tests = len(s.Cases)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
		doc.Suites = append(doc.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// findingDetail is a finding explained in text: message (when asked),
// reason, expected vs actual, failing objects, waiver, evidence.
func findingDetail(f *Finding, withMessage bool) string {
	var b strings.Builder
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s%s\n", k, v)
		}
	}
	if withMessage {
		line("", f.Message)
	}
	line("reason: ", f.Reason)
	line("expected: ", f.Expected)
	line("actual: ", f.Actual)
	for _, o := range f.Objects {
		line("failing: ", o)
	}
	if f.More > 0 {
		line("failing: ", fmt.Sprintf("… and %d more", f.More))
	}
	if w := f.Waiver; w != nil {
		state := "waived"
		switch {
		case w.Expired:
			state = "waiver expired"
		case w.ExpiringSoon:
			state = "waiver expiring soon"
		}
		line(state+": ", fmt.Sprintf("%s (owner %s, expires %s%s): %s", w.ID, w.Owner, w.Expires, ticket(w.Ticket), w.Reason))
	}
	line("evidence: ", f.Evidence)
	return strings.TrimSuffix(b.String(), "\n")
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func severityOr(s string) string {
	if s == "" {
		return "fail"
	}
	return s
}

func ticket(t string) string {
	if t == "" {
		return ""
	}
	return ", ticket " + t
}
