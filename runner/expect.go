package runner

import (
	"fmt"
	"slices"
	"time"

	"github.com/exoplay/exoplay/internal/category"
	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
)

// Assertion verdicts: the result vocabulary (pass, fail, error,
// not_applicable, waived, manual), expected against actual, the objects
// that fail, and waivers. The forms themselves are playbook.Expect's.

// assertAll gives every assertion of a finished step its verdict. A step
// that failed leaves its assertions undecided (error); one skipped because
// its when was false makes them not_applicable.
func (s *stepRun) assertAll(sr *results.Step, regv any) {
	if len(s.st.Assert) == 0 || sr.Status == results.StatusIncomplete {
		return
	}
	reg, _ := regv.([]any)
	scope := s.tr.with("result", orEmpty(reg))
	if l, ok := regv.(playbook.List); ok {
		// Kept on disk: that: reads it through the List; an expect
		// without over needs every object in memory (materialize).
		scope["result"] = l
		if needsObjects(s.st.Assert) {
			all, err := l.Slice()
			if err != nil {
				sr.Status, sr.Error = results.StatusFailed, &results.Error{Category: category.Unknown, Code: "data", Message: err.Error()}
				return
			}
			reg = all
		}
	}
	ran := sr.Status == results.StatusOK || sr.Status == results.StatusChanged
	legacy := &results.Step{Status: sr.Status}
	for i := range s.st.Assert {
		a := &s.st.Assert[i]
		v := s.tr.verdict(a, sr, scope, reg)
		s.tr.applyWaiver(a, &v, sr)
		v.Passed = v.Result != results.ResultFail && v.Result != results.ResultError
		sr.Assertions = append(sr.Assertions, v)
		if ran && a.Expect == nil && a.AppliesWhen == nil && a.Manual == "" {
			legacy.Assertions = append(legacy.Assertions, v)
		}
	}
	// A plain that: which cannot be evaluated fails its step, as before the
	// vocabulary; the other forms report error and leave the step (and the
	// controls after it) running, so one broken control does not hide the rest.
	checkAssertions(legacy)
	if legacy.Status != sr.Status {
		sr.Status, sr.Error = legacy.Status, legacy.Error
	}
}

// undecided gives the assertions of a step that did not run because
// something before it failed (sign-in, an earlier step) their result: error,
// or manual for a control checked by hand, so a per-control view counts
// the tenant instead of losing it. It returns sr.
func undecided(st *playbook.Step, sr *results.Step) *results.Step {
	for i := range st.Assert {
		a := &st.Assert[i]
		v := described(a, a.Message)
		v.Result, v.Reason = results.ResultError, "could not be decided: "+sr.Reason
		if a.Manual != "" {
			v.Result, v.Reason, v.Passed = results.ResultManual, a.Manual, true
		} else {
			v.Error = v.Reason
		}
		sr.Assertions = append(sr.Assertions, v)
	}
	return sr
}

// described is an assertion's result with its control's description and
// no verdict yet.
func described(a *playbook.Assertion, message string) results.Assertion {
	c := a.Control
	return results.Assertion{ID: a.ID, Message: message, Severity: a.Severity, Verdict: results.Verdict{
		Title: c.Title, Strength: c.Strength, Refs: c.Refs, Tags: c.Tags, Remediation: c.Remediation, RemedyURL: c.RemediationURL,
	}}
}

// verdict evaluates one assertion before waivers.
func (tr *tenantRun) verdict(a *playbook.Assertion, sr *results.Step, scope playbook.Scope, reg []any) results.Assertion {
	out := described(a, a.RenderMessage(scope))
	decide := func(result, reason string) results.Assertion {
		out.Result, out.Reason = result, reason
		if result == results.ResultError {
			out.Error = reason
		}
		return out
	}
	if a.AppliesWhen != nil {
		ok, err := a.AppliesWhen.EvalBool(scope)
		switch {
		case err != nil:
			return decide(results.ResultError, "applies_when could not be evaluated: "+err.Error())
		case !ok:
			return decide(results.ResultNotApplicable, "applies_when is false: "+a.AppliesWhen.Source())
		}
	}
	if a.Manual != "" {
		return decide(results.ResultManual, a.Manual)
	}
	switch sr.Status {
	case results.StatusFailed:
		msg := "the step failed"
		if sr.Error != nil {
			msg += ": " + sr.Error.Message
		}
		return decide(results.ResultError, msg)
	case results.StatusSkipped:
		return decide(results.ResultNotApplicable, "the step was skipped: "+sr.Reason)
	}
	if a.Expect == nil {
		ok, err := a.That.EvalBool(scope)
		out.Expected = a.That.Source()
		if err != nil {
			return decide(results.ResultError, err.Error())
		}
		out.Actual = "false"
		if ok {
			out.Actual = "true"
			return decide(results.ResultPass, "")
		}
		return decide(results.ResultFail, "")
	}
	e := a.Expect
	out.Expected = e.Expected()
	objs := reg
	if e.Over != nil {
		l, err := e.Over.EvalList(scope)
		if err != nil {
			return decide(results.ResultError, "over could not be evaluated: "+err.Error())
		}
		objs = l
	}
	o, err := e.Check(scope, orEmpty(objs))
	if err != nil {
		return decide(results.ResultError, err.Error())
	}
	out.Objects, out.Actual = o.Total, o.Actual
	out.FailingTotal = len(o.Failing)
	for _, i := range o.Failing[:min(len(o.Failing), results.MaxFailing)] {
		out.Failing = append(out.Failing, failingObject(objs[i], e))
	}
	if out.FailingTotal <= results.MaxFailing {
		out.FailingTotal = 0 // all listed
	}
	if !o.Pass && len(o.Failing) == 0 && len(objs) > 0 && len(objs) <= 5 {
		// any / count below min: no object is at fault, so say which were seen.
		var seen []string
		for _, obj := range objs {
			seen = append(seen, identityOf(obj, e.Identity))
		}
		out.Actual += fmt.Sprintf(" (seen: %v)", seen)
	}
	if o.Pass {
		return decide(results.ResultPass, "")
	}
	return decide(results.ResultFail, "")
}

// failingObject names obj and the values the condition read from it.
func failingObject(obj any, e *playbook.Expect) results.FailingObject {
	f := results.FailingObject{Identity: identityOf(obj, e.Identity)}
	m, ok := obj.(map[string]any)
	if !ok {
		return f
	}
	for _, p := range e.Props {
		if v, has := m[p]; has {
			if f.Values == nil {
				f.Values = map[string]any{}
			}
			f.Values[p] = v
		}
	}
	return f
}

// identityOf is the object's prop, else its Identity, Name, DomainName or
// Domain; a value that is not an object names itself.
func identityOf(obj any, prop string) string {
	m, ok := obj.(map[string]any)
	if !ok {
		return playbook.Stringify(obj)
	}
	for _, p := range []string{prop, "Identity", "Name", "DomainName", "Domain"} {
		if v, has := m[p]; p != "" && has && v != nil {
			return playbook.Stringify(v)
		}
	}
	return "(object without Identity or Name)"
}

// applyWaiver turns a fail that an unexpired waiver covers into waived;
// an expired one leaves the fail and warns.
func (tr *tenantRun) applyWaiver(a *playbook.Assertion, v *results.Assertion, sr *results.Step) {
	if v.Result != results.ResultFail {
		return
	}
	now := tr.r.clock.now()
	var expired *playbook.Waiver
	for _, w := range tr.r.pb.Waivers {
		if !w.Covers(tr.t, a.ID) {
			continue
		}
		if w.Expired(now) {
			if expired == nil {
				expired = w
			}
			continue
		}
		v.Result, v.Waiver = results.ResultWaived, waiverRef(w, now)
		if v.Waiver.ExpiringSoon {
			sr.Warnings = append(sr.Warnings, fmt.Sprintf("waiver %s for %s expires on %s", w.ID, a.ID, w.Date()))
		}
		return
	}
	if expired != nil {
		v.Waiver = waiverRef(expired, now)
		msg := fmt.Sprintf("waiver %s for %s expired on %s: the control fails", expired.ID, a.ID, expired.Date())
		sr.Warnings = append(sr.Warnings, msg)
		tr.log.Warn().Str("waiver", expired.ID).Str("control", a.ID).Msg(msg)
	}
}

func waiverRef(w *playbook.Waiver, now time.Time) *results.WaiverRef {
	return &results.WaiverRef{ID: w.ID, Reason: w.Reason, Owner: w.Owner, Ticket: w.Ticket, Expires: w.Date(),
		Expired: w.Expired(now), ExpiringSoon: w.ExpiresSoon(now)}
}

// waiverUse reports every waiver of the playbook with the results it
// covered, counted from the results themselves (so a resumed run counts the
// tenants an earlier invocation finished too).
func waiverUse(pb *playbook.Playbook, tenants []*results.Tenant, now time.Time) []results.WaiverUse {
	if len(pb.Waivers) == 0 {
		return nil
	}
	out := make([]results.WaiverUse, len(pb.Waivers))
	index := map[string]int{}
	for i, w := range pb.Waivers {
		out[i] = results.WaiverUse{WaiverRef: *waiverRef(w, now), Controls: slices.Clone(w.Controls)}
		index[w.ID] = i
	}
	for _, t := range tenants {
		if t == nil {
			continue
		}
		for _, st := range t.Steps {
			for _, a := range st.Assertions {
				if a.Waiver == nil {
					continue
				}
				if i, ok := index[a.Waiver.ID]; ok {
					out[i].Matched++
					if a.Result == results.ResultWaived {
						out[i].Applied++
					}
				}
			}
		}
	}
	return out
}

// needsObjects reports whether an assertion checks the step's objects
// one by one (expect without over).
func needsObjects(as []playbook.Assertion) bool {
	for i := range as {
		if as[i].Expect != nil && as[i].Expect.Over == nil {
			return true
		}
	}
	return false
}
