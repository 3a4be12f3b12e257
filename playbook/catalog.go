package playbook

import (
	"fmt"
	"slices"
	"strings"

	"github.com/exoplay/exoplay/cmdlet"
)

// This file checks steps against the cmdlet catalog (package cmdlet): the
// cmdlet exists in Exchange Online or Security & Compliance, each parameter
// exists there, literal values fit the parameter's type, and the
// parameters fit one parameter set with all its required ones. Values
// computed by expressions are checked by Step.CheckParams just before the
// runner sends the call.

// checkCatalog runs the catalog checks on a loaded step and fills in its
// service when the step does not name one. A step with unchecked: true is
// sent as written.
func (l *loader) checkCatalog(st *Step, f *fieldSet) {
	st.Unchecked = f.boolean("unchecked")
	if st.Unchecked || st.Cmdlet == "" || !cmdletRE.MatchString(st.Cmdlet) {
		return
	}
	at := st.Pos
	if cn := f.get("cmdlet"); cn != nil {
		at = cn.pos
	} else if st.Ensure != nil {
		at = st.Ensure.cmdletPos
	}
	cat, err := cmdlet.Default()
	if err != nil {
		l.d.add(at, "%v", err)
		return
	}
	info, ok := cat.Lookup(st.Cmdlet)
	if !ok {
		if !l.pb.Settings.AllowUnknownCmdlets {
			l.d.add(at, "unknown cmdlet %q%s: Exchange Online and Security & Compliance have no such cmdlet in the catalog (Microsoft's cmdlet reference at docs commit %.7s); if it is newer than that, add unchecked: true to the step, or allow_unknown_cmdlets: true to settings",
				st.Cmdlet, didYouMean(st.Cmdlet, cat.Names()), cat.Commit)
		}
		return
	}
	st.info = info
	svc := cmdlet.ServiceNamed(st.Service)
	if sn := f.get("service"); sn == nil {
		if info.Services == cmdlet.Compliance {
			st.Service, svc = "compliance", cmdlet.Compliance
		}
	} else if !slices.Contains(services, sn.value) {
		return // reported by the loader
	} else if info.Services&svc == 0 {
		l.d.add(sn.pos, "%s is a %s cmdlet: it does not exist in %s (remove service:, or write service: %s)",
			info.Name, serviceTitle(info.Services), serviceTitle(svc), info.Services.Names()[0])
		return
	}
	var names []string
	seen := map[string]Pos{}
	for _, p := range st.Parameters {
		cp, ok := info.Param(p.Name)
		if !ok {
			if cmdlet.IsCommonParameter(p.Name) {
				continue
			}
			l.unknownParam(info, p)
			continue
		}
		if first, dup := seen[cp.Name]; dup {
			l.d.add(p.Pos, "%s is given twice (also as %s at line %d): %s and its aliases name one parameter", p.Name, cp.Name, first.Line, cp.Name)
			continue
		}
		seen[cp.Name] = p.Pos
		if cp.Services&svc == 0 {
			l.d.add(p.Pos, "parameter %s of %s exists in %s, not in %s", p.Name, info.Name, serviceTitle(cp.Services), serviceTitle(svc))
			continue
		}
		names = append(names, cp.Name)
		if p.Value.IsStatic() {
			v, _ := p.Value.Eval(nil)
			if err := cp.CheckValue(v); err != nil {
				l.d.add(p.Value.Pos(), "%v%s", err, docsHint(info))
			}
		}
	}
	if ue := info.CheckSets(names); ue != nil {
		pos := at
		if pn := f.get("parameters"); pn != nil {
			pos = pn.pos
		}
		for _, p := range st.Parameters {
			if ue.Param != "" && strings.EqualFold(p.Name, ue.Param) {
				pos = p.Pos
			}
			if cp, ok := info.Param(p.Name); ok && ue.Param != "" && cp.Name == ue.Param {
				pos = p.Pos
			}
		}
		l.d.add(pos, "%s%s", ue.Msg, docsHint(info))
	}
}

func (l *loader) unknownParam(info *cmdlet.Info, p Param) {
	if info.IsOnPremOnly(p.Name) {
		l.d.add(p.Pos, "parameter %s of %s exists only in on-premises Exchange Server, not in %s%s", p.Name, info.Name, serviceTitle(info.Services), docsHint(info))
		return
	}
	names := make([]string, 0, len(info.Params))
	for _, cp := range info.Params {
		names = append(names, cp.Name)
	}
	l.d.add(p.Pos, "unknown parameter %q for %s%s%s", p.Name, info.Name, didYouMean(p.Name, names), docsHint(info))
}

func docsHint(info *cmdlet.Info) string { return " (see exoplay cmdlet show " + info.Name + ")" }

func serviceTitle(s cmdlet.Service) string {
	var out []string
	if s&cmdlet.Exchange != 0 {
		out = append(out, "Exchange Online")
	}
	if s&cmdlet.Compliance != 0 {
		out = append(out, "Security & Compliance")
	}
	if len(out) == 0 {
		return "neither service"
	}
	return strings.Join(out, " and ")
}

// CheckParams checks, just before a call is sent, the parameter values that
// expressions computed (literal ones were checked when the playbook was
// loaded) against the catalog's types. A step the catalog does not know, or
// marked unchecked, passes as is.
func (st *Step) CheckParams(params map[string]any) error {
	if st.info == nil {
		return nil
	}
	for _, p := range st.Parameters {
		if p.Value.IsStatic() {
			continue
		}
		cp, ok := st.info.Param(p.Name)
		if !ok {
			continue
		}
		if err := cp.CheckValue(params[p.Name]); err != nil {
			return fmt.Errorf("%s: %s: %w; not sent", p.Value.Pos(), p.Value.Source(), err)
		}
	}
	return nil
}

// SuggestCmdlet returns ` (did you mean "X"?)` for the catalog cmdlet
// closest to name, or "": the suggestion validate gives, for commands that
// look cmdlets up by name.
func SuggestCmdlet(name string) string {
	cat, err := cmdlet.Default()
	if err != nil {
		return ""
	}
	return didYouMean(name, cat.Names())
}
