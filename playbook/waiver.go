package playbook

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
)

// Waivers as code: an accepted exception to a control, for some tenants,
// with an owner, a reason and an expiry date. The runner turns a failing
// control a matching, unexpired waiver covers into "waived"; an expired
// waiver leaves it failing with a warning; one that expires within
// ExpiringSoon is flagged (runner/expect.go).
//
//	waivers:
//	  - id: W-2026-014
//	    controls: [MS.EXO.1.1]
//	    tenants: ["contoso*"]     # or groups: [eu], or scope: all
//	    reason: The legal team forwards to its outside counsel
//	    owner: jane@contoso.com
//	    ticket: CHG-4411
//	    expires: 2026-12-31        # valid through that day (UTC)

// ExpiringSoon is how far ahead a waiver's expiry is flagged.
const ExpiringSoon = 30 * 24 * time.Hour

var waiverKeys = []string{"id", "controls", "scope", "tenants", "groups", "reason", "owner", "ticket", "expires"}

// Waiver is one accepted exception.
type Waiver struct {
	ID       string
	Controls []string // control ids; path.Match globs allowed
	All      bool     // scope: all
	Tenants  []string // tenant patterns, as --limit: name, organization, id or group globs
	Groups   []string
	Reason   string
	Owner    string
	Ticket   string
	Expires  time.Time // the first instant it no longer holds: the day after the written date, 00:00 UTC
	Pos      Pos
}

// Date is the expiry date as written (YYYY-MM-DD).
func (w *Waiver) Date() string { return w.Expires.Add(-24 * time.Hour).Format(time.DateOnly) }

// Covers reports whether the waiver is for this control in this tenant
// (whatever its expiry).
func (w *Waiver) Covers(t *Tenant, control string) bool {
	if !w.names(control) {
		return false
	}
	if w.All {
		return true
	}
	if t == nil {
		return false
	}
	if t.matchesAny(w.Tenants) {
		return true
	}
	for _, g := range w.Groups {
		if slices.ContainsFunc(t.Groups, func(tg string) bool { return strings.EqualFold(tg, g) }) {
			return true
		}
	}
	return false
}

func (w *Waiver) names(control string) bool {
	for _, c := range w.Controls {
		if ok, _ := path.Match(c, control); ok || c == control {
			return true
		}
	}
	return false
}

// Expired reports whether the waiver no longer holds at now.
func (w *Waiver) Expired(now time.Time) bool { return !now.Before(w.Expires) }

// ExpiresSoon reports whether it holds at now but not ExpiringSoon later.
func (w *Waiver) ExpiresSoon(now time.Time) bool {
	return !w.Expired(now) && now.Add(ExpiringSoon).After(w.Expires)
}

// waivers decodes a waivers: list (of the playbook or a waivers file).
func (l *loader) waivers(n *node) []*Waiver {
	if n == nil {
		return nil
	}
	if n.kind != seqNode {
		l.d.add(n.pos, "waivers must be a list of waivers, not %s", describeNode(n))
		return nil
	}
	var out []*Waiver
	for i, it := range n.items {
		f := l.fields(it, fmt.Sprintf("waiver %d", i+1), waiverKeys...)
		if f == nil {
			continue
		}
		w := &Waiver{Pos: it.pos}
		w.ID, _ = f.str("id")
		if w.ID == "" {
			w.ID = fmt.Sprintf("waiver-%d", i+1)
		}
		if f.required("controls") != nil {
			w.Controls, _ = f.strList("controls", true)
			for _, c := range w.Controls {
				if _, err := path.Match(c, ""); err != nil || strings.TrimSpace(c) == "" {
					l.d.add(f.get("controls").pos, "waiver %s: control %q is not an id or a valid pattern", w.ID, c)
				}
			}
		}
		if s, sn := f.enum("scope", "all"); sn != nil {
			w.All = s == "all"
		}
		w.Tenants, _ = f.strList("tenants", true)
		w.Groups, _ = f.strList("groups", true)
		switch {
		case w.All && (len(w.Tenants) > 0 || len(w.Groups) > 0):
			l.d.add(it.pos, "waiver %s: scope: all already covers every tenant; drop tenants/groups or the scope", w.ID)
		case !w.All && len(w.Tenants) == 0 && len(w.Groups) == 0:
			l.d.add(it.pos, "waiver %s needs a scope: tenants (patterns), groups, or scope: all for every tenant", w.ID)
		}
		for _, k := range []string{"reason", "owner"} {
			if f.required(k) != nil {
				v, vn := f.str(k)
				if strings.TrimSpace(v) == "" {
					l.d.add(vn.pos, "waiver %s: %s must not be empty", w.ID, k)
				}
			}
		}
		w.Reason, _ = f.str("reason")
		w.Owner, _ = f.str("owner")
		w.Ticket, _ = f.str("ticket")
		if en := f.required("expires"); en != nil {
			d, err := time.Parse(time.DateOnly, strings.TrimSpace(en.value))
			if en.kind != scalarNode || err != nil {
				l.d.add(en.pos, "waiver %s: expires must be a date such as 2026-12-31, not %s", w.ID, describeNode(en))
			} else {
				w.Expires = d.Add(24 * time.Hour)
			}
		}
		out = append(out, w)
	}
	return out
}

// checkWaivers reports waivers whose ids repeat or whose controls name no
// assertion of the playbook.
func (l *loader) checkWaivers() {
	var ids []string
	for _, c := range l.pb.Controls() {
		ids = append(ids, c.Assertion.ID)
	}
	seen := map[string]Pos{}
	for _, w := range l.pb.Waivers {
		if first, dup := seen[w.ID]; dup {
			l.d.add(w.Pos, "duplicate waiver id %q (first at %s)", w.ID, first)
		}
		seen[w.ID] = w.Pos
		for _, c := range w.Controls {
			if !slices.ContainsFunc(ids, func(id string) bool { ok, _ := path.Match(c, id); return ok || c == id }) {
				l.d.add(w.Pos, "waiver %s: no control %q in this playbook%s", w.ID, c, didYouMean(c, ids))
			}
		}
	}
}

// waiverFile decodes a separate waivers file: a mapping with one key,
// waivers.
func (l *loader) waiverFile(file string) {
	data, err := l.opts.ReadFile(file)
	if err != nil {
		l.d.add(Pos{File: file}, "cannot read waivers file: %v", unwrapPathError(err))
		return
	}
	root, ds := parseYAML(file, data)
	if ds != nil {
		l.d.list = append(l.d.list, ds...)
		return
	}
	f := l.fields(root, "the waivers file", "waivers")
	if f == nil {
		return
	}
	if n := f.required("waivers"); n != nil {
		l.pb.Waivers = append(l.pb.Waivers, l.waivers(n)...)
	}
	l.pb.WaiverFiles = append(l.pb.WaiverFiles, file)
}
