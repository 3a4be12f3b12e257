package playbook

import (
	"fmt"
	"strings"
)

// Advice lists what is valid but likely costly: warnings, never errors.
// Today one rule: a register of a listing with ResultSize Unlimited and no
// select holds every property of every object (a register larger than
// settings.register_memory_mib is read from disk, item by item, but each
// item is still the whole object); select the properties later steps read.
func (pb *Playbook) Advice() []Diagnostic {
	var out []Diagnostic
	for _, st := range pb.Steps {
		if st.Register == "" || len(st.Select) > 0 || !unlimited(st) {
			continue
		}
		pos := st.registerPos
		if pos.Line == 0 {
			pos = st.Pos
		}
		out = append(out, Diagnostic{Pos: pos, Message: fmt.Sprintf(
			"warning: step %s registers %s -ResultSize Unlimited without select: every property of every object is kept; add select: with the properties later steps read", st.ID, st.Cmdlet)})
	}
	return out
}

// unlimited reports whether a step's ResultSize is Unlimited.
func unlimited(st *Step) bool {
	for _, p := range st.Parameters {
		if !strings.EqualFold(p.Name, "ResultSize") || !p.Value.IsStatic() {
			continue
		}
		v, _ := p.Value.Eval(nil)
		if s, ok := v.(string); ok && strings.EqualFold(s, "Unlimited") {
			return true
		}
	}
	return false
}
