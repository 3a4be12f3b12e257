package playbook

import "maps"

// Scope builds the run-time scope of expressions for tenant t: vars merged
// with precedence playbook < tenant < cliVars, each var also at the top
// level, "vars", "tenant" and "run" placeholders (the runner sets run.id,
// run.mode and run.check). The runner then adds registered names, "item"
// and "result"; the CLI adds "env" only when it resolves secrets.
func (pb *Playbook) Scope(t *Tenant, cliVars map[string]any) Scope {
	if t == nil {
		t = &Tenant{}
	}
	merged := make(map[string]any, len(pb.Vars)+len(t.Vars)+len(cliVars))
	for _, m := range []map[string]any{pb.Vars, t.Vars, cliVars} {
		maps.Copy(merged, m)
	}
	groups, tvars := t.Groups, t.Vars
	if groups == nil {
		groups = []string{}
	}
	if tvars == nil {
		tvars = map[string]any{}
	}
	s := make(Scope, len(merged)+8)
	maps.Copy(s, merged)
	s["vars"] = merged
	s["tenant"] = map[string]any{
		"name": t.Name, "organization": t.Organization, "tenant_id": t.TenantID,
		"environment": t.Environment, "groups": groups, "vars": tvars,
	}
	s["run"] = map[string]any{"id": "", "mode": "run", "check": false, "playbook": pb.Name}
	return s
}
