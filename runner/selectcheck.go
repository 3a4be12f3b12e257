package runner

import (
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/exoplay/exoplay/internal/category"
	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
)

// seenSelect records which select entries matched a property of some
// object, so that a typo (`select: [Name, OAuth2ClientProfileEnabld]`)
// fails the step instead of silently keeping only Name.
type seenSelect struct {
	m       *playbook.PropertyMatcher
	sel     []string
	hit     []atomic.Bool
	left    atomic.Int32 // entries not matched yet: 0 makes mark free
	objects atomic.Bool  // an object went through the projection
}

func (s *seenSelect) init(m *playbook.PropertyMatcher, sel []string) {
	s.m, s.sel, s.hit = m, sel, make([]atomic.Bool, len(sel))
	s.left.Store(int32(len(sel)))
}

// mark notes the entries property name matches (case-insensitive, globs).
func (s *seenSelect) mark(name string) {
	if s.left.Load() == 0 {
		return
	}
	for i := range s.sel {
		if s.hit[i].Load() {
			continue
		}
		if s.m.EntryMatches(i, name) && s.hit[i].CompareAndSwap(false, true) {
			s.left.Add(-1)
		}
	}
}

// unmatched lists the select entries that matched no property of any
// object the projection saw, leaving out those the step marks optional
// (compared case-insensitively, as select is). Without objects there is
// nothing to judge by.
func (p *projection) unmatched(optional []string) []string {
	if p == nil || !p.seen.objects.Load() || p.seen.left.Load() == 0 {
		return nil
	}
	var out []string
	for i, e := range p.seen.sel {
		if p.seen.hit[i].Load() {
			continue
		}
		opt := false
		for _, o := range optional {
			opt = opt || strings.EqualFold(o, e)
		}
		if !opt {
			out = append(out, e)
		}
	}
	return out
}

// checkSelect fails a step that succeeded when a select entry matched no
// property of its output.
func (s *stepRun) checkSelect(sr *results.Step) {
	if sr.Status != results.StatusOK && sr.Status != results.StatusChanged {
		return
	}
	miss := s.proj.unmatched(s.st.Optional)
	if len(miss) == 0 {
		return
	}
	sr.Status = results.StatusFailed
	sr.Error = &results.Error{Category: category.Validation, Code: "select_unmatched", Message: fmt.Sprintf(
		"select %s matched no property of the %s output (a typo?); if it may be absent, list it under the step's optional:",
		quoteAll(miss), s.st.Cmdlet)}
}

// checkAssertions fails a step whose assertion could not be evaluated (it
// read a property no object has, or gave no boolean): that is an error of
// the playbook, not a compliance finding.
func checkAssertions(sr *results.Step) {
	for _, a := range sr.Assertions {
		if a.Error != "" && sr.Status != results.StatusFailed {
			sr.Status = results.StatusFailed
			sr.Error = &results.Error{Category: category.Validation, Code: "assertion_error", Message: "assertion " + a.ID + " could not be evaluated: " + a.Error}
		}
	}
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
