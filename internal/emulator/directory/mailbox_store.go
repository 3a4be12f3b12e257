package directory

import (
	"slices"
	"strings"
	"sync"
)

// mailboxes holds what is not generated: overrides, written permission
// lists, and the identity index.
type mailboxes struct {
	t     *Tenant
	n     int
	ov    map[int32]map[string]any // overrides; each inner map is immutable once stored
	perms map[int32][]perm         // permission lists replaced by writes
	// reident lists mailboxes whose proxy addresses were written: the only
	// ones the index may not know under their current identities.
	reident map[int32]struct{}

	idxOnce sync.Once
	idx     []idxEntry // sorted by hash
}

// idxEntry maps the hash of one identity form to a mailbox number.
type idxEntry struct {
	h uint64
	i int32
}

func newMailboxes(t *Tenant, n int) *mailboxes {
	return &mailboxes{t: t, n: n, ov: map[int32]map[string]any{}, perms: map[int32][]perm{}, reident: map[int32]struct{}{}}
}

// index builds (once) the sorted hash index over the generated identities.
func (s *mailboxes) index() []idxEntry {
	s.idxOnce.Do(func() {
		idx := make([]idxEntry, 0, s.n*7)
		for i := int32(0); int(i) < s.n; i++ {
			m := s.t.gen(i)
			for _, id := range m.baseIdentities() {
				idx = append(idx, idxEntry{h: hashString(id), i: i})
			}
		}
		slices.SortFunc(idx, func(a, b idxEntry) int {
			switch {
			case a.h < b.h:
				return -1
			case a.h > b.h:
				return 1
			}
			return int(a.i) - int(b.i)
		})
		s.idx = idx
	})
	return s.idx
}

// resolve returns the numbers of the mailboxes an identity names.
func (s *mailboxes) resolve(id string) []int32 {
	id = strings.TrimSpace(id)
	if id == "" {
		return nil
	}
	idx := s.index()
	var hits []int32
	add := func(i int32) {
		if !slices.Contains(hits, i) {
			hits = append(hits, i)
		}
	}
	keys := []string{id}
	if leaf := identityLeaf(id); leaf != id {
		keys = append(keys, leaf)
	}
	for _, k := range keys {
		h := hashString(k)
		j, _ := slices.BinarySearchFunc(idx, h, func(e idxEntry, h uint64) int {
			switch {
			case e.h < h:
				return -1
			case e.h > h:
				return 1
			}
			return 0
		})
		for ; j < len(idx) && idx[j].h == h; j++ {
			if m := s.mailbox(idx[j].i); m.matches(id) {
				add(idx[j].i)
			}
		}
	}
	// Mailboxes with written proxy addresses may have gained identities.
	for i := range s.reident {
		if m := s.mailbox(i); m.matches(id) {
			add(i)
		}
	}
	slices.Sort(hits)
	return hits
}

// resolveMailbox resolves an identity to exactly one mailbox.
func (cl *call) resolveMailbox(id string) (mbx, *Error) {
	hits := cl.t.mbx.resolve(id)
	switch len(hits) {
	case 0:
		return mbx{}, cl.t.errNotFound(id)
	case 1:
		return cl.t.mbx.mailbox(hits[0]), nil
	}
	return mbx{}, errAmbiguous(id)
}

// mrow is a mailbox in a Result: its number and the overrides it had when
// the Result was made.
type mrow struct {
	i  int32
	ov map[string]any
}

// snapshot renders rows through a table, lazily.
func (t *Tenant) snapshot(tbl *mtable, rows []mrow) func(int) Object {
	return func(k int) Object {
		m := t.withOverrides(rows[k].i, rows[k].ov)
		return tbl.object(&m)
	}
}

// listArgs reads what Get-Mailbox, Get-CASMailbox and Get-Recipient share:
// -Filter, checked against the table's filterable properties, and
// -Identity, which -Anr may not accompany (another parameter set).
func (cl *call) listArgs(tbl *mtable) (*filterExpr, string, *Error) {
	f, _ := cl.a["Filter"].(*filterExpr)
	if f != nil {
		if err := f.check(tbl.filterable); err != nil {
			return nil, "", err
		}
	}
	id := cl.a.str("Identity")
	if id != "" && cl.a.has("Anr") {
		return nil, "", errParameterSet()
	}
	return f, id, nil
}

// identityRow is the answer of a list named by -Identity: the mailbox's
// row, or no row when -Filter (f, may be nil) drops it.
func (cl *call) identityRow(tbl *mtable, m *mbx, f *filterExpr) *Result {
	if f != nil && !f.match(tbl.getter(m)) {
		return &Result{}
	}
	return &Result{Len: 1, Object: cl.t.snapshot(tbl, []mrow{{m.i, cl.t.mbx.ov[m.i]}})}
}

// listMailboxes is Get-Mailbox/Get-CASMailbox over the whole tenant.
func (cl *call) listMailboxes(tbl *mtable) (*Result, *Error) {
	s := cl.t.mbx
	kinds, _ := cl.a["RecipientTypeDetails"].([]string)
	keep := func(m *mbx) bool {
		return len(kinds) == 0 || slices.Contains(kinds, kindDetails[m.kind])
	}
	f, id, err := cl.listArgs(tbl)
	if err != nil {
		return nil, err
	}
	if id != "" {
		m, err := cl.resolveMailbox(id)
		if err != nil {
			return nil, err
		}
		if !keep(&m) {
			return nil, cl.t.errNotFound(id)
		}
		return cl.identityRow(tbl, &m, f), nil
	}
	for _, sw := range []string{"SoftDeletedMailbox", "InactiveMailboxOnly", "GroupMailbox", "PublicFolder", "Migration"} {
		if cl.a.boolean(sw) {
			return &Result{}, nil // the emulated tenants have none of these
		}
	}
	anr := strings.ToLower(cl.a.str("Anr"))
	archive := cl.a.boolean("Archive")
	stopAt := cl.scanLimit()
	plain := f == nil && len(kinds) == 0 && anr == "" && !archive
	var rows []mrow
	if plain && stopAt < 0 {
		rows = make([]mrow, 0, s.n)
	}
	for i := int32(0); int(i) < s.n && (stopAt < 0 || len(rows) < stopAt); i++ {
		ov := s.ov[i]
		if !plain {
			m := s.mailbox(i)
			if !keep(&m) || (archive && !m.archive) || (anr != "" && !m.anr(anr)) {
				continue
			}
			if f != nil && !f.match(tbl.getter(&m)) {
				continue
			}
		}
		rows = append(rows, mrow{i, ov})
	}
	n, warn := cl.limit(len(rows))
	return &Result{Len: n, Object: cl.t.snapshot(tbl, rows[:n]), Warnings: warn}, nil
}

// anr is ambiguous name resolution: a prefix of the name, alias, display,
// first or last name, or an address.
func (m *mbx) anr(prefix string) bool {
	for _, s := range []string{m.alias, m.display, m.first, m.last, m.upn()} {
		if strings.HasPrefix(strings.ToLower(s), prefix) {
			return true
		}
	}
	return false
}

// setMailbox applies the property parameters of Set-Mailbox/Set-CASMailbox.
// extra computes values of parameters that need more than a copy.
func (cl *call) setMailbox(tbl *mtable, extra func(m *mbx, changes map[string]any) *Error) (*Result, *Error) {
	id := cl.a.str("Identity")
	m, err := cl.resolveMailbox(id)
	if err != nil {
		return nil, err
	}
	changes := map[string]any{}
	for _, p := range cl.c.params {
		if p.prop == "" || !cl.a.has(p.name) {
			continue
		}
		mp, ok := tbl.prop(p.prop)
		if !ok {
			continue
		}
		nv := cl.a[p.name]
		if op, isOp := nv.(*multiOp); isOp {
			old, _ := m.get(mp).([]string)
			nv = op.apply(old)
		}
		changes[mp.name] = nv
	}
	if extra != nil {
		if err := extra(&m, changes); err != nil {
			return nil, err
		}
	}
	s := cl.t.mbx
	old := s.ov[m.i]
	next := make(map[string]any, len(old)+len(changes))
	for k, v := range old {
		next[k] = v
	}
	changed := false
	for k, v := range changes {
		var cur any
		if k == "_kind" {
			cur = m.kind
		} else if mp, ok := tbl.prop(k); ok {
			cur = m.get(mp)
		} else if mp, ok := mailboxTable().prop(k); ok {
			cur = m.get(mp)
		}
		if !valuesEqual(cur, v) {
			next[k] = v
			changed = true
		}
	}
	if !changed {
		return emptyResult(nil, warnNoChange(id)), nil
	}
	next["WhenChanged"] = formatDate(cl.now)
	next["WhenChangedUTC"] = formatDateUTC(cl.now)
	s.ov[m.i] = next
	if _, ok := changes["EmailAddresses"]; ok {
		s.reident[m.i] = struct{}{}
	}
	return emptyResult(cl.wrote()), nil
}
