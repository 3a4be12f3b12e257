package playbook

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/exoplay/exoplay/cmdlet"
)

// Severities of an assertion, lowest first.
var Severities = []string{"info", "low", "medium", "high", "critical"}

// DefaultSeverity is an assertion's severity when it names none.
const DefaultSeverity = "medium"

// MaxBatch is the most requests one $batch call carries.
const MaxBatch = 10

var (
	stepKeys   = []string{"id", "name", "cmdlet", "service", "parameters", "select", "register", "when", "foreach", "retries", "timeout", "continue_on_error", "failed_when", "changed_when", "assert", "tags", "anchor", "batch", "optional", "unchecked", "show", "ensure"}
	assertKeys = append([]string{"id", "that", "message", "severity"}, controlKeys...)
	services   = []string{"exchange", "compliance"}
)

func (l *loader) steps(n *node) {
	if n.kind != seqNode {
		l.d.add(n.pos, "steps must be a list of steps, not %s", describeNode(n))
		return
	}
	if len(n.items) == 0 {
		l.d.add(n.pos, "steps is empty: a playbook needs at least one step")
		return
	}
	// Registers are known up front so that a forward reference gets a
	// precise message instead of "unknown name".
	later := map[string]Pos{}
	for _, it := range n.items {
		if it.kind == mapNode {
			if r := it.get("register"); r != nil && r.kind == scalarNode {
				if _, dup := later[r.value]; !dup {
					later[r.value] = r.pos
				}
			}
		}
	}
	ids := map[string]*Step{}
	var registers []string
	regPos := map[string]Pos{}
	for i, it := range n.items {
		st := l.step(it, i, registers, later)
		if st == nil {
			continue
		}
		l.uniqueID(st, ids)
		if st.Register != "" {
			if first, dup := regPos[st.Register]; dup {
				l.d.add(st.registerPos, "register %q is already used by the step at line %d; names must be unique", st.Register, first.Line)
			} else {
				regPos[st.Register] = st.registerPos
				registers = append(registers, st.Register)
				delete(later, st.Register)
			}
		}
		l.pb.Steps = append(l.pb.Steps, st)
	}
}

// uniqueID keeps explicit ids unique ignoring case (an error: ids are file
// names, see names.go) and numbers default ones; ids is keyed by fileKey.
func (l *loader) uniqueID(st *Step, ids map[string]*Step) {
	if st.idPos != (Pos{}) {
		if first, dup := ids[fileKey(st.ID)]; dup {
			if first.ID == st.ID {
				l.d.add(st.idPos, "duplicate step id %q (first used by the step at line %d)", st.ID, first.Pos.Line)
			} else {
				l.d.add(st.idPos, "step id %q differs from %q (the step at line %d) only in case; they would share one data file on macOS and Windows", st.ID, first.ID, first.Pos.Line)
			}
			return
		}
		ids[fileKey(st.ID)] = st
		return
	}
	base := st.ID
	for k := 2; ids[fileKey(st.ID)] != nil; k++ {
		st.ID = fmt.Sprintf("%s-%d", base, k)
	}
	ids[fileKey(st.ID)] = st
}

func (l *loader) step(n *node, index int, registers []string, later map[string]Pos) *Step {
	what := fmt.Sprintf("step %d", index+1)
	f := l.fields(n, what, stepKeys...)
	if f == nil {
		return nil
	}
	st := &Step{Pos: n.pos, Service: "exchange"}
	st.Name, _ = f.str("name")
	var ef *fieldSet // ensure: a desired-state step (ensure.go)
	if en := f.get("ensure"); en != nil {
		ef = l.ensureHead(en, st, f)
	} else if cn := f.required("cmdlet"); cn != nil {
		st.Cmdlet, _ = f.str("cmdlet")
		if st.Cmdlet != "" && !cmdletRE.MatchString(st.Cmdlet) {
			l.d.add(cn.pos, "cmdlet %q is not of Verb-Noun form (e.g. Get-Mailbox)", st.Cmdlet)
		}
	}
	st.Write = cmdlet.IsWrite(st.Cmdlet)
	if s, sn := f.enum("service", services...); sn != nil && s != "" {
		st.Service = s
	}
	var idn *node
	st.ID, idn = f.str("id")
	if idn != nil {
		st.idPos = idn.pos
		if st.ID != "" {
			if msg := nameProblem(st.ID); msg != "" {
				l.d.add(idn.pos, "step id %q %s", truncate(st.ID, 60), msg)
			}
		}
	} else {
		st.ID = slug(st.Name)
		if st.ID == "" {
			st.ID = slug(st.Cmdlet)
		}
		if st.ID == "" {
			st.ID = fmt.Sprintf("step-%d", index+1)
		}
	}
	var rn *node
	st.Register, rn = f.str("register")
	if rn != nil && st.Register != "" {
		st.registerPos = rn.pos
		switch {
		case !identRE.MatchString(st.Register):
			l.d.add(rn.pos, "register %q must be an identifier (letters, digits, _; not starting with a digit) so expressions can name it", st.Register)
		case slices.Contains(reservedNames, st.Register):
			l.d.add(rn.pos, "register %q is reserved in expressions; choose another name", st.Register)
		case slices.Contains(l.varNames, st.Register):
			l.d.add(rn.pos, "register %q hides the variable of the same name; choose another name", st.Register)
		}
	}
	st.Select, _ = f.strList("select", true)
	st.Optional, _ = f.strList("optional", true)
	l.show(f, st)
	st.Tags, _ = f.strList("tags", true)
	for _, t := range st.Tags {
		if strings.ContainsAny(t, ", ") || t == "" {
			l.d.add(f.get("tags").pos, "tag %q may not be empty or hold commas or blanks", t)
		}
	}
	if v, ok := f.integer("retries", 0, 100); ok {
		st.Retries = &v
	}
	if v, ok := f.duration("timeout"); ok {
		st.Timeout = v
	}
	st.ContinueOnError = f.boolean("continue_on_error")
	if v, ok := f.integer("batch", 0, MaxBatch); ok {
		st.Batch = v
	}

	sc := &exprScope{vars: l.varNames, registers: registers, later: later, optional: st.Optional}
	if fn := f.get("foreach"); fn != nil {
		st.Foreach = l.c.listValue(fn, sc, "foreach")
		if src, whole := wholeExpr(fn.value); whole && fn.kind == scalarNode && st.Foreach != nil {
			sc.itemOf = foreachSource(src, registers) // item.Prop is then checked like .Prop
		}
	}
	inner := sc.with(f.has("foreach"), false)
	if f.has("batch") && !f.has("foreach") {
		l.d.add(f.get("batch").pos, "batch groups foreach items into $batch calls; this step has no foreach")
	}
	if wn := f.get("when"); wn != nil {
		st.When = l.c.boolValue(wn, inner, "when")
	}
	if an := f.get("anchor"); an != nil {
		if an.kind != scalarNode || an.tag != "!!str" {
			l.d.add(an.pos, "anchor must be text (a mailbox address), not %s", describeNode(an))
		} else {
			st.Anchor = l.c.value(an, inner)
		}
	}
	if pn := f.get("parameters"); pn != nil {
		st.Parameters = l.params(pn, inner)
	}
	if ef != nil {
		l.ensureBody(ef, st, inner)
	}
	withResult := sc.with(f.has("foreach"), true)
	if fw := f.get("failed_when"); fw != nil {
		st.FailedWhen = l.c.boolValue(fw, withResult, "failed_when")
	}
	if cw := f.get("changed_when"); cw != nil {
		st.ChangedWhen = l.c.boolValue(cw, withResult, "changed_when")
	}
	if as := f.get("assert"); as != nil {
		st.Assert = l.asserts(as, st, sc.with(false, true))
	}
	l.checkCatalog(st, f)
	l.checkEnsure(st)
	return st
}

func (l *loader) params(n *node, sc *exprScope) []Param {
	if n.kind != mapNode {
		l.d.add(n.pos, "parameters must be a mapping of parameter names to values, not %s", describeNode(n))
		return nil
	}
	out := make([]Param, 0, len(n.keys))
	for i, k := range n.keys {
		if !paramRE.MatchString(k.value) {
			l.d.add(k.pos, "parameter name %q must be a word such as Identity (no leading '-')", k.value)
			continue
		}
		out = append(out, Param{Name: k.value, Value: l.c.value(n.vals[i], sc), Pos: k.pos})
	}
	return out
}

func (l *loader) asserts(n *node, st *Step, sc *exprScope) []Assertion {
	if n.kind != seqNode {
		l.d.add(n.pos, "assert must be a list of assertions, not %s", describeNode(n))
		return nil
	}
	var out []Assertion
	seen := map[string]bool{}
	for i, it := range n.items {
		f := l.fields(it, fmt.Sprintf("assertion %d of step %q", i+1, st.ID), assertKeys...)
		if f == nil {
			continue
		}
		a := Assertion{Pos: it.pos, Severity: DefaultSeverity}
		var idn *node
		a.ID, idn = f.str("id")
		if idn == nil {
			a.ID = fmt.Sprintf("%s-%d", st.ID, i+1)
		} else if a.ID != "" && seen[a.ID] {
			l.d.add(idn.pos, "duplicate assertion id %q in this step", a.ID)
		}
		seen[a.ID] = true
		if tn := f.get("that"); tn != nil {
			a.That = l.c.boolValue(tn, sc, "that")
		}
		l.control(f, &a, sc)
		var mn *node
		a.Message, mn = f.str("message")
		if mn != nil && strings.Contains(a.Message, exprOpen) {
			a.MessageValue = l.c.value(mn, sc)
		}
		if s, sn := f.enum("severity", Severities...); sn != nil && s != "" {
			a.Severity = s
		}
		out = append(out, a)
	}
	return out
}

// slug turns a step name into an id: lower case, words joined by '-'.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	out := b.String()
	if len(out) > 64 {
		out = strings.TrimRight(out[:64], "-")
	}
	return out
}

// show reads a step's show: the properties to print as a table after the
// summary. A plain name that select drops could never be shown.
func (l *loader) show(f *fieldSet, st *Step) {
	var nodes []*node
	st.Show, nodes = f.strList("show", true)
	sel := NewPropertyMatcher(st.Select)
	for i, s := range st.Show {
		pos := f.get("show").pos
		if i < len(nodes) && nodes[i] != nil {
			pos = nodes[i].pos
		}
		switch {
		case strings.TrimSpace(s) == "":
			l.d.add(pos, "show: a property name may not be empty")
		case sel != nil && !HasWildcard(s) && !sel.Match(s):
			l.d.add(pos, "show: %q is not kept by this step's select, so it could never be shown", s)
		}
	}
}
