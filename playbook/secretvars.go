package playbook

import (
	"slices"
	"strings"
)

// secret_vars lists vars whose values are secrets: every value the run
// gives them (playbook, tenant, inventory or --var) is scrubbed from every
// output by value, whatever the var is called. Vars whose names look secret
// (password, token, key, ...; results.LooksSecret) are treated the same way
// without being listed.

// secretVars decodes secret_vars; each name must be a var the playbook
// declares or an expression reads (a typo would leave the secret in the
// output).
func (l *loader) secretVars(f *fieldSet) {
	names, nodes := f.strList("secret_vars", true)
	for i, name := range names {
		switch {
		case !identRE.MatchString(name):
			l.d.add(nodes[i].pos, "secret_vars entry %q must be a variable name", name)
		case !slices.Contains(l.varNames, name) && !l.c.varReads[name]:
			l.d.add(nodes[i].pos, "secret_vars entry %q is neither declared under vars nor read by an expression%s", name, didYouMean(name, l.varNames))
		default:
			l.pb.SecretVars = append(l.pb.SecretVars, name)
		}
	}
}

// SecretValues returns the values of the secret vars — those listed under
// secret_vars and those whose names isSecretName accepts — from the
// playbook's vars, every tenant's and the --var values, as text (lists and
// maps also element by element), for scrubbing by value.
func (pb *Playbook) SecretValues(cliVars map[string]any, isSecretName func(string) bool) []string {
	secret := func(name string) bool {
		return slices.Contains(pb.SecretVars, name) || isSecretName != nil && isSecretName(name)
	}
	var out []string
	var add func(v any)
	add = func(v any) {
		switch t := v.(type) {
		case nil:
		case []any:
			for _, e := range t {
				add(e)
			}
		case map[string]any:
			for _, e := range t {
				add(e)
			}
		default:
			if s := strings.TrimSpace(Stringify(t)); s != "" {
				out = append(out, s)
			}
		}
	}
	from := func(vars map[string]any) {
		for k, v := range vars {
			if secret(k) {
				add(v)
			}
		}
	}
	from(pb.Vars)
	for _, t := range pb.Tenants {
		from(t.Vars)
	}
	from(cliVars)
	return out
}
