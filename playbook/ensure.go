package playbook

import (
	"strings"

	"github.com/exoplay/exoplay/cmdlet"
)

// This file loads desired-state steps (issue 12 item 4):
//
//	- name: POP off
//	  ensure:
//	    cmdlet: Set-CASMailbox      # the write
//	    read: Get-CASMailbox        # optional: the catalog's Get- pair
//	    identity: ${{ item.Identity }}
//	    state: {PopEnabled: false, ImapEnabled: false}
//	  foreach: ${{ mailboxes }}
//
// The step's Cmdlet is the write and its Parameters are Identity followed
// by the state, so the catalog checks of catalog.go (parameter names, value
// types, sets) and the run-time check of computed values apply to them
// unchanged. The runner reads the object with the read cmdlet, compares
// each state property (Step.Same) and sends the write with only the
// properties that differ.

// Ensure is the desired state of one object (per foreach item).
type Ensure struct {
	// Read is the cmdlet that returns the current object: read:, else the
	// catalog's Get- pair of the Set- cmdlet.
	Read string
	// State names the desired properties in declaration order; their
	// values are the step's Parameters of the same names.
	State []string
	Pos   Pos

	cmdletPos, readPos Pos
	noIdentity         bool // identity: absent (one object per organization)
	mapPos             Pos
}

var (
	ensureKeys = []string{"cmdlet", "read", "identity", "state"}
	// Keys that make no sense beside ensure: the step's call, its result
	// handling and its parameters are the ensure's.
	ensureConflicts = []string{"cmdlet", "parameters", "select", "register", "batch", "changed_when", "failed_when", "assert", "show", "optional"}
)

// ensureHead reads the ensure mapping's cmdlets; the values are read by
// ensureBody once the step's expression scope is known.
func (l *loader) ensureHead(n *node, st *Step, step *fieldSet) *fieldSet {
	for _, k := range ensureConflicts {
		if kn := step.get(k); kn != nil {
			l.d.add(keyAt(step.n, k), "%s cannot be used with ensure: the ensure step reads, compares and writes itself (remove %s)", k, k)
		}
	}
	f := l.fields(n, "ensure", ensureKeys...)
	if f == nil {
		return nil
	}
	e := &Ensure{Pos: n.pos, mapPos: n.pos, noIdentity: n.get("identity") == nil}
	st.Ensure = e
	if cn := f.required("cmdlet"); cn != nil {
		st.Cmdlet, _ = f.str("cmdlet")
		e.cmdletPos = cn.pos
		if st.Cmdlet != "" && !cmdletRE.MatchString(st.Cmdlet) {
			l.d.add(cn.pos, "cmdlet %q is not of Verb-Noun form (e.g. Set-CASMailbox)", st.Cmdlet)
		} else if st.Cmdlet != "" && !cmdlet.IsWrite(st.Cmdlet) {
			l.d.add(cn.pos, "ensure: cmdlet %s reads; ensure names the write that sets the state (e.g. Set-%s)", st.Cmdlet, noun(st.Cmdlet))
		}
	}
	var rn *node
	e.Read, rn = f.str("read")
	if rn != nil {
		e.readPos = rn.pos
		if e.Read != "" && !cmdletRE.MatchString(e.Read) {
			l.d.add(rn.pos, "read %q is not of Verb-Noun form (e.g. Get-CASMailbox)", e.Read)
		} else if e.Read != "" && cmdlet.IsWrite(e.Read) {
			l.d.add(rn.pos, "read: %s is a write; read names the cmdlet that returns the current object (e.g. Get-%s)", e.Read, noun(e.Read))
		}
	}
	return f
}

// ensureBody reads identity and state into the step's Parameters.
func (l *loader) ensureBody(f *fieldSet, st *Step, sc *exprScope) {
	// identity is checked in checkEnsure: an object of which the
	// organization has one (Set-OrganizationConfig) has no Identity.
	if in := f.get("identity"); in != nil {
		if in.kind != scalarNode {
			l.d.add(in.pos, "identity must be one value (a name, address or ${{ item.Identity }}), not %s", describeNode(in))
		} else {
			st.Parameters = append(st.Parameters, Param{Name: "Identity", Value: l.c.value(in, sc), Pos: keyAt(f.n, "identity")})
		}
	}
	sn := f.required("state")
	if sn == nil {
		return
	}
	if sn.kind != mapNode || len(sn.keys) == 0 {
		l.d.add(sn.pos, "state must be a mapping of properties to their desired values, such as {PopEnabled: false}, not %s", describeNode(sn))
		return
	}
	for i, k := range sn.keys {
		v := sn.vals[i]
		switch {
		case !paramRE.MatchString(k.value):
			l.d.add(k.pos, "state: property name %q must be a word such as PopEnabled", k.value)
			continue
		case strings.EqualFold(k.value, "Identity"):
			l.d.add(k.pos, "state: Identity names the object (write it as identity:), it is not a property to set")
			continue
		case v.kind == mapNode:
			l.d.add(v.pos, "state: %s is a mapping; a desired state is the whole value (a list for a multi-valued property), not {Add, Remove}", k.value)
			continue
		}
		st.Parameters = append(st.Parameters, Param{Name: k.value, Value: l.c.value(v, sc), Pos: k.pos})
		st.Ensure.State = append(st.Ensure.State, k.value)
	}
}

// checkEnsure finds the read cmdlet once the catalog checks ran: the
// write's Get- pair when the catalog has it, else read: must name one.
func (l *loader) checkEnsure(st *Step) {
	e := st.Ensure
	if e == nil || st.Cmdlet == "" || !cmdletRE.MatchString(st.Cmdlet) || !cmdlet.IsWrite(st.Cmdlet) {
		return
	}
	cat, err := cmdlet.Default()
	if err != nil {
		return // reported by checkCatalog
	}
	if e.noIdentity {
		// Only an object the organization has one of may go without
		// identity: the write has no Identity parameter.
		if st.info == nil {
			l.d.add(e.mapPos, "ensure is missing the required key %q", "identity")
		} else if _, has := st.info.Param("Identity"); has {
			l.d.add(e.mapPos, "ensure is missing the required key %q (%s writes the object its -Identity names)", "identity", st.info.Name)
		}
	}
	if e.Read != "" {
		if !cmdletRE.MatchString(e.Read) || cmdlet.IsWrite(e.Read) || st.Unchecked {
			return
		}
		info, ok := cat.Lookup(e.Read)
		switch {
		case !ok && !l.pb.Settings.AllowUnknownCmdlets:
			l.d.add(e.readPos, "unknown read cmdlet %q%s (or mark the step unchecked: true)", e.Read, didYouMean(e.Read, cat.Names()))
		case ok:
			e.Read = info.Name
			if _, has := info.Param("Identity"); !has {
				l.d.add(e.readPos, "read: %s has no -Identity parameter, so it cannot read one object%s", info.Name, docsHint(info))
			}
		}
		return
	}
	if !strings.EqualFold(verb(st.Cmdlet), "Set") {
		l.d.add(e.cmdletPos, "ensure: %s is not a Set- cmdlet, so its read cannot be derived; name the cmdlet that returns the current object with read:", st.Cmdlet)
		return
	}
	pair := "Get-" + noun(st.Cmdlet)
	if info, ok := cat.Lookup(pair); ok {
		e.Read = info.Name
		return
	}
	if st.Unchecked || st.info == nil {
		e.Read = pair // not in the catalog: sent as written, like the step
		return
	}
	l.d.add(e.cmdletPos, "ensure: the catalog has no %s to read the current object of %s; name the read cmdlet with read:", pair, st.Info().Name)
}

// Same reports whether the current value of a state property already is
// the desired one, compared the Exchange way for the write parameter's
// type (cmdlet.Param.Same); a step the catalog does not know compares as
// case-insensitive text, sets for lists.
func (st *Step) Same(property string, current, desired any) bool {
	if st.info != nil {
		if cp, ok := st.info.Param(property); ok {
			return cp.Same(current, desired)
		}
	}
	return cmdlet.SameAs("", property, current, desired)
}

// Info is the catalog's entry of the step's cmdlet (nil when unknown or
// unchecked).
func (st *Step) Info() *cmdlet.Info { return st.info }

func verb(name string) string {
	v, _, _ := strings.Cut(name, "-")
	return v
}

func noun(name string) string {
	_, n, _ := strings.Cut(name, "-")
	return n
}

// keyAt is where key k is written in mapping n (the mapping's position
// when absent).
func keyAt(n *node, k string) Pos {
	for _, kn := range n.keys {
		if kn.value == k {
			return kn.pos
		}
	}
	return n.pos
}
