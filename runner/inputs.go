package runner

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
)

// Inputs is what the run journals about the plan in run_started, and what
// a resume compares: the inventory files' digests, the selected tenants and
// the selection.
func (p *Plan) Inputs() *results.Inputs {
	in := &results.Inputs{Tenants: []results.TenantInput{}, Selection: p.Selection.Record(p.secretVar), ReviewedPlan: p.Reviewed}
	for i, path := range p.Playbook.Inventory {
		fd := results.FileDigest{Path: path}
		if i < len(p.Playbook.InventorySHA256) {
			fd.SHA256 = p.Playbook.InventorySHA256[i]
		}
		in.Inventory = append(in.Inventory, fd)
	}
	for _, t := range p.Tenants {
		in.Tenants = append(in.Tenants, results.TenantInput{Name: t.Name, Organization: t.Organization,
			TenantID: t.TenantID, Environment: t.Environment, Auth: t.Auth})
	}
	return in
}

// Record is the selection as the journal keeps it: a secret var (secret
// says which) only as a digest of its value.
func (s Selection) Record(secret func(name string) bool) results.Selection {
	r := results.Selection{Limit: s.Limit, Shard: s.Shard.String(), Tags: s.Tags, SkipTags: s.SkipTags}
	for k, v := range s.Vars {
		if secret(k) {
			if r.SecretVars == nil {
				r.SecretVars = map[string]string{}
			}
			r.SecretVars[k] = varDigest(v)
			continue
		}
		if r.Vars == nil {
			r.Vars = map[string]any{}
		}
		r.Vars[k] = v
	}
	return r
}

// ResumeSelection is the selection a resume runs with: each part the
// command line gave (given reports which: "limit", "shard", "tags",
// "skip-tags", "var"), else the one the run started with; --var values are
// laid over the journaled ones (secret ones must be given again). Whether
// the result matches the journal is Run's check, not this function's.
func ResumeSelection(was results.Selection, now Selection, given func(flag string) bool) (Selection, error) {
	out := now
	if !given("limit") {
		out.Limit = was.Limit
	}
	if !given("shard") {
		sh, err := playbook.ParseShard(was.Shard)
		if err != nil {
			return out, fmt.Errorf("the journal's shard: %w", err)
		}
		out.Shard = sh
	}
	if !given("tags") {
		out.Tags = was.Tags
	}
	if !given("skip-tags") {
		out.SkipTags = was.SkipTags
	}
	vars := maps.Clone(was.Vars)
	if vars == nil {
		vars = map[string]any{}
	}
	maps.Copy(vars, now.Vars)
	out.Vars = vars
	return out, nil
}

func varDigest(v any) string {
	b, _ := json.Marshal(v) // values come from YAML: always encodable
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// DiffInputs lists, in words, what differs between the inputs a run started
// with and those of a resume, or those a reviewed plan (`run --plan`) was
// made with and those of the run: both ask this one rule.
func DiffInputs(was, now *results.Inputs) []string {
	var out []string
	wasInv := map[string]string{}
	for _, f := range was.Inventory {
		wasInv[f.Path] = f.SHA256
	}
	nowInv := map[string]string{}
	for _, f := range now.Inventory {
		nowInv[f.Path] = f.SHA256
		switch old, ok := wasInv[f.Path]; {
		case !ok:
			out = append(out, fmt.Sprintf("inventory file %s was not part of the run", f.Path))
		case old != f.SHA256:
			out = append(out, fmt.Sprintf("inventory file %s changed (sha256 %.12s…, now %.12s…)", f.Path, old, f.SHA256))
		}
	}
	for _, f := range was.Inventory {
		if _, ok := nowInv[f.Path]; !ok {
			out = append(out, fmt.Sprintf("inventory file %s is no longer listed", f.Path))
		}
	}
	wasT := map[string]results.TenantInput{}
	for _, t := range was.Tenants {
		wasT[t.Name] = t
	}
	nowT := map[string]bool{}
	for _, t := range now.Tenants {
		nowT[t.Name] = true
		old, ok := wasT[t.Name]
		if !ok {
			out = append(out, fmt.Sprintf("tenant %s was not part of the run", t.Name))
			continue
		}
		for _, f := range []struct{ name, a, b string }{
			{"organization", old.Organization, t.Organization}, {"tenant_id", old.TenantID, t.TenantID},
			{"environment", old.Environment, t.Environment}, {"auth", old.Auth, t.Auth},
		} {
			if !strings.EqualFold(f.a, f.b) {
				out = append(out, fmt.Sprintf("tenant %s: %s was %q, now %q", t.Name, f.name, f.a, f.b))
			}
		}
	}
	for _, t := range was.Tenants {
		if !nowT[t.Name] {
			out = append(out, fmt.Sprintf("tenant %s of the run is no longer selected", t.Name))
		}
	}
	ws, ns := was.Selection, now.Selection
	for _, f := range []struct{ flag, a, b string }{
		{"--limit", ws.Limit, ns.Limit}, {"--shard", ws.Shard, ns.Shard},
		{"--tags", strings.Join(ws.Tags, ","), strings.Join(ns.Tags, ",")},
		{"--skip-tags", strings.Join(ws.SkipTags, ","), strings.Join(ns.SkipTags, ",")},
	} {
		if f.a != f.b {
			out = append(out, fmt.Sprintf("%s was %q, now %q", f.flag, f.a, f.b))
		}
	}
	names := slices.Sorted(maps.Keys(ws.Vars))
	for k := range ns.Vars {
		if _, ok := ws.Vars[k]; !ok {
			names = append(names, k)
		}
	}
	for _, k := range names {
		a, aok := ws.Vars[k]
		b, bok := ns.Vars[k]
		switch {
		case !aok:
			out = append(out, fmt.Sprintf("--var %s was not given when the run started", k))
		case !bok:
			out = append(out, fmt.Sprintf("--var %s is missing", k))
		case varDigest(a) != varDigest(b):
			out = append(out, fmt.Sprintf("--var %s was %s, now %s", k, jsonText(a), jsonText(b)))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(ws.SecretVars)) {
		switch d, ok := ns.SecretVars[k]; {
		case !ok:
			out = append(out, fmt.Sprintf("--var %s (secret, not journaled) must be given again", k))
		case d != ws.SecretVars[k]:
			out = append(out, fmt.Sprintf("--var %s (secret) has another value", k))
		}
	}
	for k := range ns.SecretVars {
		if _, ok := ws.SecretVars[k]; !ok {
			out = append(out, fmt.Sprintf("--var %s was not given when the run started", k))
		}
	}
	return out
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// ResumeError is a resume that was refused before anything ran (or, for a
// tenant whose token names another organization, before that tenant ran):
// the run directory no longer matches its inputs. The CLI reports it as
// invalid input (exit 2).
type ResumeError struct {
	Dir     string
	Reasons []string
	Hint    string // what to do; "" = the inputs changed: start a new run
}

func (e *ResumeError) Error() string {
	hint := e.Hint
	if hint == "" {
		hint = "A resume continues a run with exactly the playbook, inventory, tenants, selection (--limit, --shard, --tags, --skip-tags, --var) and mode it started with; start a new run (without --resume) to run with what changed"
	}
	return fmt.Sprintf("cannot resume %s: %s. %s", e.Dir, strings.Join(e.Reasons, "; "), hint)
}

// secretVar reports whether a var's values are secret: its name looks
// secret, or the playbook lists it under secret_vars.
func (p *Plan) secretVar(name string) bool {
	return results.LooksSecret(name) || slices.Contains(p.Playbook.SecretVars, name)
}
