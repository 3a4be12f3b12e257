package playbook

import (
	"path"
	"strings"
)

// PropertyMatcher matches property names against a list such as a step's
// select or show: names, and globs ('*', '?', '[...]') matched
// case-insensitively, as PowerShell's Select-Object and Format-Table do.
// It is the one home of that rule: the runner's projection and the table
// view both use it.
type PropertyMatcher struct {
	entries []matchEntry
}

type matchEntry struct {
	text string // as written
	glob string // lower-cased glob, "" for a plain name
}

// HasWildcard reports whether a select/show entry is a glob.
func HasWildcard(s string) bool { return strings.ContainsAny(s, "*?[") }

// NewPropertyMatcher returns the matcher of list (nil for an empty list).
func NewPropertyMatcher(list []string) *PropertyMatcher {
	if len(list) == 0 {
		return nil
	}
	m := &PropertyMatcher{}
	for _, s := range list {
		e := matchEntry{text: s}
		if HasWildcard(s) {
			e.glob = strings.ToLower(s)
		}
		m.entries = append(m.entries, e)
	}
	return m
}

// EntryMatches reports whether entry i of the list selects name.
func (m *PropertyMatcher) EntryMatches(i int, name string) bool {
	e := m.entries[i]
	if e.glob == "" {
		return strings.EqualFold(e.text, name)
	}
	ok, _ := path.Match(e.glob, strings.ToLower(name))
	return ok
}

// Match reports whether name is selected.
func (m *PropertyMatcher) Match(name string) bool { return m.Index(name) >= 0 }

// Index is the position in the list of the first entry that selects name,
// or -1. Columns are ordered by it, as Format-Table lists Name before
// OAuth* properties for "Name,OAuth*".
func (m *PropertyMatcher) Index(name string) int {
	var lower string
	for i, e := range m.entries {
		if e.glob == "" {
			if strings.EqualFold(e.text, name) {
				return i
			}
			continue
		}
		if lower == "" {
			lower = strings.ToLower(name)
		}
		if ok, _ := path.Match(e.glob, lower); ok {
			return i
		}
	}
	return -1
}

// Entries are the list as written.
func (m *PropertyMatcher) Entries() []string {
	out := make([]string, len(m.entries))
	for i, e := range m.entries {
		out[i] = e.text
	}
	return out
}
