package results

// Inputs is what a run was started with, beyond the playbook: journaled in
// its run_started event so that --resume can refuse to continue a run whose
// inventory, tenants or selection changed (its cells are keyed by tenant
// name, step id and foreach index: continuing them over other inputs would
// send one tenant's writes to another, or lose work).
type Inputs struct {
	Inventory []FileDigest  `json:"inventory,omitempty"`
	Tenants   []TenantInput `json:"tenants"`
	Selection Selection     `json:"selection"`
	// ReviewedPlan is the plan file `run --plan` enforced. A resume refuses
	// such a run: it does not rebuild the check of writes against the plan.
	ReviewedPlan *FileDigest `json:"reviewed_plan,omitempty"`
}

// FileDigest is a file and the sha256 of its bytes.
type FileDigest struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// TenantInput is a selected tenant as the inventory described it.
type TenantInput struct {
	Name         string `json:"name"`
	Organization string `json:"organization,omitempty"`
	TenantID     string `json:"tenant_id,omitempty"`
	Environment  string `json:"environment,omitempty"`
	Auth         string `json:"auth,omitempty"`
}

// Selection is the command line's selection: --limit, --shard, --tags,
// --skip-tags and --var. Vars whose names look secret (LooksSecret) are
// kept only as a digest, in SecretVars: a resume must be given them again.
type Selection struct {
	Limit      string            `json:"limit,omitempty"`
	Shard      string            `json:"shard,omitempty"`
	Tags       []string          `json:"tags,omitempty"`
	SkipTags   []string          `json:"skip_tags,omitempty"`
	Vars       map[string]any    `json:"vars,omitempty"`
	SecretVars map[string]string `json:"secret_vars,omitempty"` // name -> sha256 of the value's JSON
}
