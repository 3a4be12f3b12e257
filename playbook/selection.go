package playbook

import (
	"fmt"
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
// every tenant. An including pattern that matches nothing is an error, so
// a typo never silently runs nothing.
func (pb *Playbook) SelectTenants(limit string, shard Shard) ([]*Tenant, error) {
	var include, exclude, intersect []string
	for _, p := range strings.Split(limit, ",") {
		p = strings.TrimSpace(p)
		switch {
		case p == "":
		case strings.HasPrefix(p, "!"):
			exclude = append(exclude, p[1:])
		case strings.HasPrefix(p, "&"):
			intersect = append(intersect, p[1:])
		default:
			include = append(include, p)
		}
	}
	for _, p := range append(append(append([]string(nil), include...), exclude...), intersect...) {
		if _, err := path.Match(strings.ToLower(p), ""); err != nil {
			return nil, fmt.Errorf("--limit pattern %q: %v", p, err)
		}
	}
	for _, p := range include {
		found := false
		for _, t := range pb.Tenants {
			if t.matches(p) {
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("--limit pattern %q matches no tenant name, organization or group", p)
		}
	}
	var out []*Tenant
	inShard := shard.Members(pb.Tenants)
	for i, t := range pb.Tenants {
		if !inShard[i] {
			continue
		}
		if len(include) > 0 && !t.matchesAny(include) {
			continue
		}
		if t.matchesAny(exclude) {
			continue
		}
		keep := true
		for _, p := range intersect {
			keep = keep && t.matches(p)
		}
		if keep {
			out = append(out, t)
		}
	}
	return out, nil
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
