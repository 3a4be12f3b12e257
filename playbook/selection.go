package playbook

import (
	"errors"
	"fmt"
	"math"
	"path"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// SelectTenants returns the tenants picked by an Ansible-style limit and a
// shard, in playbook order. limit is a comma-separated list of patterns:
// tenant names, organizations, group names or globs (* ? [..]), matched
// case-insensitively; "all" matches everything; "!p" excludes what p
// matches; "&p" keeps only what p also matches. An empty limit selects
// every tenant. Nothing is silent: every pattern, including, excluding or
// intersecting, must match some tenant (a typo in "!contosso" would
// otherwise run on every tenant), and a limit that leaves no tenant is an
// error too.
func (pb *Playbook) SelectTenants(limit string, shard Shard) ([]*Tenant, error) {
	var include, exclude, intersect []string
	var problems []string
	for _, raw := range strings.Split(limit, ",") {
		p := strings.TrimSpace(raw)
		var list *[]string
		switch {
		case p == "":
			continue
		case strings.HasPrefix(p, "!"):
			p, list = p[1:], &exclude
		case strings.HasPrefix(p, "&"):
			p, list = p[1:], &intersect
		default:
			list = &include
		}
		elem := strings.TrimSpace(raw)
		if p == "" {
			problems = append(problems, fmt.Sprintf("--limit element %q names nothing after %q", elem, elem))
			continue
		}
		if _, err := path.Match(strings.ToLower(p), ""); err != nil {
			problems = append(problems, fmt.Sprintf("--limit element %q: %v", elem, err))
			continue
		}
		if !slices.ContainsFunc(pb.Tenants, func(t *Tenant) bool { return t.matches(p) }) {
			problems = append(problems, fmt.Sprintf("--limit element %q: %q matches no tenant name, organization, tenant id or group%s", elem, p, didYouMean(p, pb.limitNames())))
			continue
		}
		*list = append(*list, p)
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	picked := func(t *Tenant) bool {
		if len(include) > 0 && !t.matchesAny(include) || t.matchesAny(exclude) {
			return false
		}
		for _, p := range intersect {
			if !t.matches(p) {
				return false
			}
		}
		return true
	}
	var out []*Tenant
	any := false
	inShard := shard.Members(pb.Tenants)
	for i, t := range pb.Tenants {
		if !picked(t) {
			continue
		}
		any = true
		if inShard[i] {
			out = append(out, t)
		}
	}
	if !any && strings.TrimSpace(limit) != "" {
		return nil, fmt.Errorf("--limit %q leaves no tenant: each pattern matches some, but together they exclude all %d", limit, len(pb.Tenants))
	}
	return out, nil
}

// limitNames are the names a --limit pattern may mean, for did-you-mean.
func (pb *Playbook) limitNames() []string {
	var names []string
	for _, t := range pb.Tenants {
		names = append(names, t.Name)
		names = append(names, t.Groups...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func (t *Tenant) matchesAny(patterns []string) bool {
	for _, p := range patterns {
		if t.matches(p) {
			return true
		}
	}
	return false
}

// matches reports whether pattern p names the tenant, its organization,
// its tenant id or one of its groups.
func (t *Tenant) matches(p string) bool {
	p = strings.ToLower(p)
	if p == "all" || p == "*" {
		return true
	}
	glob := func(s string) bool {
		ok, _ := path.Match(p, strings.ToLower(s))
		return ok
	}
	if glob(t.Name) || t.Organization != "" && glob(t.Organization) || t.TenantID != "" && glob(t.TenantID) {
		return true
	}
	for _, g := range t.Groups {
		if glob(g) {
			return true
		}
	}
	return false
}

// Selected reports whether the step runs under --tags and --skip-tags,
// with Ansible's rules: no --tags means "all"; "always" runs unless skipped
// explicitly; "never" runs only when one of its tags is asked for; "all",
// "tagged" and "untagged" are special selectors; a skipped tag wins.
func (s *Step) Selected(tags, skipTags []string) bool {
	has := func(list []string, t string) bool {
		for _, x := range list {
			if strings.EqualFold(x, t) {
				return true
			}
		}
		return false
	}
	overlap := func(sel []string) bool {
		for _, t := range sel {
			if has(s.Tags, t) {
				return true
			}
		}
		return false
	}
	if len(tags) == 0 {
		tags = []string{"all"}
	}
	never, tagged := has(s.Tags, "never"), len(s.Tags) > 0
	run := has(s.Tags, "always") ||
		has(tags, "all") && !never ||
		overlap(tags) ||
		has(tags, "tagged") && tagged && !never ||
		has(tags, "untagged") && !tagged
	if !run || len(skipTags) == 0 {
		return run
	}
	switch {
	case has(skipTags, "all"):
		return has(s.Tags, "always") && !has(skipTags, "always")
	case overlap(skipTags):
		return false
	case has(skipTags, "tagged") && tagged:
		return false
	case has(skipTags, "untagged") && !tagged:
		return false
	}
	return true
}

// ParseVars parses --var k=v flags; v is read as YAML, so true, 3 and
// [a, b] keep their types and anything else is text.
func ParseVars(pairs []string) (map[string]any, error) {
	out := make(map[string]any, len(pairs))
	for _, kv := range pairs {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || !identRE.MatchString(k) {
			return nil, fmt.Errorf("--var %q: want NAME=VALUE with NAME an identifier", kv)
		}
		if slices.Contains(reservedNames, k) {
			return nil, fmt.Errorf("--var %q: %q is reserved in expressions", kv, k)
		}
		var val any
		if strings.TrimSpace(v) != "" {
			if err := yaml.Unmarshal([]byte(v), &val); err != nil {
				val = v
			}
		} else {
			val = ""
		}
		if f, ok := val.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
			// JSON has no such number: the run record could not hold it.
			return nil, fmt.Errorf("--var %q: %v is not a number exoplay can record or send; write it as YAML text (--var \"%s='%s'\") if you mean the text", kv, f, k, strings.TrimSpace(v))
		}
		out[k] = val
	}
	return out, nil
}

// SplitList splits a comma-separated flag value, dropping blanks.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
