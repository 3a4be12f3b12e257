package cmdlet

import (
	"fmt"
	"slices"
	"strings"
)

// CommonParameters are PowerShell's parameters of every cmdlet, which the
// reference pages do not list one by one.
var CommonParameters = []string{"Debug", "ErrorAction", "ErrorVariable", "InformationAction", "InformationVariable",
	"OutBuffer", "OutVariable", "PipelineVariable", "ProgressAction", "Verbose", "WarningAction", "WarningVariable"}

// IsCommonParameter reports whether name is one of CommonParameters.
func IsCommonParameter(name string) bool {
	return slices.ContainsFunc(CommonParameters, func(c string) bool { return strings.EqualFold(c, name) })
}

// UsageError is a call whose parameters fit no parameter set, or that
// lacks a required one. Param names the parameter to point at ("" for the
// call as a whole).
type UsageError struct {
	Param string
	Msg   string
}

func (e *UsageError) Error() string { return e.Msg }

// CheckSets checks a call's parameter names (canonical names of known
// parameters, common parameters left out) against the parameter sets: at
// least one set must hold every name and be given all its required
// parameters, as PowerShell's binder demands.
func (in *Info) CheckSets(names []string) *UsageError {
	sets := in.Sets
	if len(sets) == 0 {
		sets = []string{""}
	}
	member := func(name string) map[string]SetUse {
		p, ok := in.Param(name)
		if !ok {
			return nil
		}
		m := map[string]SetUse{}
		for _, u := range p.Uses(in) {
			m[u.Set] = u
		}
		return m
	}
	cands := sets
	for i, n := range names {
		m := member(n)
		var next []string
		for _, s := range cands {
			if _, ok := m[s]; ok {
				next = append(next, s)
			}
		}
		if len(next) == 0 {
			return in.conflict(names[:i], n, m)
		}
		cands = next
	}
	given := map[string]bool{}
	for _, n := range names {
		given[strings.ToLower(n)] = true
	}
	missingIn := func(set string) []string {
		var miss []string
		for _, p := range in.Params {
			for _, u := range p.Uses(in) {
				if u.Set == set && u.Required && !given[strings.ToLower(p.Name)] && !optionalIdentity(in, p) {
					miss = append(miss, p.Name)
				}
			}
		}
		return miss
	}
	// Name the default set's missing parameters when the default is
	// possible, else those of the set that lacks the fewest.
	best, bestMiss := "", []string(nil)
	for i, s := range cands {
		miss := missingIn(s)
		switch {
		case len(miss) == 0:
			return nil
		case i == 0, best != in.Default && (s == in.Default || len(miss) < len(bestMiss)):
			best, bestMiss = s, miss
		}
	}
	what := "required parameter"
	if len(bestMiss) > 1 {
		what += "s"
	}
	msg := fmt.Sprintf("%s needs %s %s", in.Name, what, strings.Join(bestMiss, ", "))
	if best != "" && len(in.Sets) > 1 {
		msg += fmt.Sprintf(" (parameter set %s)", best)
	}
	return &UsageError{Msg: msg}
}

// conflict explains why name fits no set that the names before it allow.
func (in *Info) conflict(before []string, name string, m map[string]SetUse) *UsageError {
	setsOf := func(n string) []string {
		p, _ := in.Param(n)
		var out []string
		for _, u := range p.Uses(in) {
			out = append(out, u.Set)
		}
		return out
	}
	for _, b := range before {
		shared := false
		for _, s := range setsOf(b) {
			if _, ok := m[s]; ok {
				shared = true
				break
			}
		}
		if !shared {
			return &UsageError{Param: name, Msg: fmt.Sprintf("%s and %s of %s cannot be used together: they are in different parameter sets (%s: %s; %s: %s)",
				b, name, in.Name, b, strings.Join(setsOf(b), ", "), name, strings.Join(setsOf(name), ", "))}
		}
	}
	return &UsageError{Param: name, Msg: fmt.Sprintf("%s of %s cannot be used with %s: no parameter set holds them all",
		name, in.Name, strings.Join(before, ", "))}
}

// optionalIdentity reports the docs' one systematic slip: 67 Get- pages
// mark Identity Required, yet the same pages say that leaving it out
// returns every object (Get-HostedOutboundSpamFilterPolicy's "Caution"),
// and these cmdlets are run without it every day. A read's Identity is
// therefore never demanded.
func optionalIdentity(in *Info, p *Param) bool {
	return p.Name == "Identity" && !IsWrite(in.Name)
}
