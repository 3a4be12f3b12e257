package playbook

// Scope builds the run-time scope of expressions for tenant t: vars merged
// with precedence playbook < tenant < cliVars, each var also at the top
// level, "vars", "tenant" and "run" placeholders (the runner sets run.id,
// run.mode and run.check). The runner then adds registered names, "item"
// and "result"; the CLI adds "env" only when it resolves secrets.
func (pb *Playbook) Scope(t *Tenant, cliVars map[string]any) Scope {
	merged := make(map[string]any, len(pb.Vars)+len(cliVars)+4)
	for k, v := range pb.Vars {
		merged[k] = v
	}
	tenant := map[string]any{
		"name": "", "organization": "", "tenant_id": "", "environment": "",
		"groups": []string{}, "vars": map[string]any{},
	}
	if t != nil {
		for k, v := range t.Vars {
			merged[k] = v
		}
		groups := t.Groups
		if groups == nil {
			groups = []string{}
		}
		tvars := t.Vars
		if tvars == nil {
			tvars = map[string]any{}
		}
		tenant = map[string]any{
			"name": t.Name, "organization": t.Organization, "tenant_id": t.TenantID,
			"environment": t.Environment, "groups": groups, "vars": tvars,
		}
	}
	for k, v := range cliVars {
		merged[k] = v
	}
	s := make(Scope, len(merged)+8)
	for k, v := range merged {
		s[k] = v
	}
	s["vars"] = merged
	s["tenant"] = tenant
	s["run"] = map[string]any{"id": "", "mode": "run", "check": false, "playbook": pb.Name}
	return s
}
