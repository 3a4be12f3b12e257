package playbook

import (
	"time"

	"github.com/exoplay/exoplay/cmdlet"
)

// This file is the model the runner and the CLI consume. Field names are a
// contract between packages: extend freely, rename only with every caller.

// Pos is a position in a source file (1-based line and column).
type Pos struct {
	File string
	Line int
	Col  int
}

// Playbook is a loaded, validated playbook with defaults applied.
type Playbook struct {
	Path        string // as given to Load
	Dir         string // folder relative paths are resolved against
	SHA256      string // hex digest of the file's bytes
	Version     int
	Name        string
	Description string
	Vars        map[string]any // playbook-wide variables (plain YAML values)
	SecretVars  []string       // secret_vars: vars whose values are scrubbed from every output (secretvars.go)
	Auth        map[string]*Auth
	Inventory   []string // resolved paths of inventory files
	// InventorySHA256 has the hex digest of each inventory file that was
	// read, in Inventory order (a file that could not be read has none and
	// fails the load).
	InventorySHA256 []string
	Tenants         []*Tenant // declared tenants followed by inventory tenants
	Settings        Settings
	Steps           []*Step
	Pos             Pos
	Waivers         []*Waiver // waiver.go: the playbook's and --waivers files'
	Notify          *Notify   // notify.go: where the end of a run is announced; nil = nowhere
	Includes        []Include // include.go: what include: pulled in
	WaiverFiles     []string  // LoadOptions.WaiverFiles that were read

	varReads map[string]bool // var names expressions read (CheckVars)
}

// Auth is a named credential. Secrets are Values so that ${{ env.X }} is
// resolved only when the credential is used, never at load time.
type Auth struct {
	Name   string
	Method string // certificate | client_secret | device_code | interactive | username_password | managed_identity | workload_identity | access_token | refresh_token
	Pos    Pos

	ClientID string // empty for delegated methods means the Exchange Online PowerShell public client

	CertificateFile         string // resolved path (PFX or PEM)
	CertificatePassword     *Value // secret
	CertificatePasswordFile string // resolved path of a file holding the PFX password
	CertificateThumbprint   string

	ClientSecret     *Value // secret
	ClientSecretFile string // resolved path

	Username     string
	Password     *Value // secret
	PasswordFile string

	// managed_identity: empty ManagedIdentityClientID means system assigned.
	ManagedIdentityClientID string
	// managed_identity used as a federated credential of a multi-tenant app (ClientID).
	Federated bool

	// workload_identity: the resolved path of the Kubernetes service account
	// token; empty = $AZURE_FEDERATED_TOKEN_FILE at sign-in.
	TokenFile string

	AccessToken        *Value // secret (access_token method)
	AccessTokenFile    string
	AccessTokenCommand []string

	RefreshToken     *Value // secret (refresh_token method)
	RefreshTokenFile string

	Scopes []string // rarely needed override
}

// Tenant is one organization to run against.
type Tenant struct {
	Name          string
	Organization  string // initial domain or tenant GUID
	TenantID      string // optional GUID
	Environment   string // canonical cloud name, default O365Default
	Emulate       string // for Environment Emulator: the cloud whose names it stands in for ("" = O365Default)
	ConnectionURI string
	AuthorityURI  string
	Auth          string // key into Playbook.Auth; empty only for Emulator tenants
	Anchor        string // optional X-AnchorMailbox override for every call
	Groups        []string
	Vars          map[string]any
	Pos           Pos
	Source        string // file that declared it (the playbook or an inventory file)
}

// SignInTenant is what the tenant is addressed by at its authority and in
// Exchange URLs before its token names its GUID: tenant_id when given,
// else the organization.
func (t *Tenant) SignInTenant() string {
	if t.TenantID != "" {
		return t.TenantID
	}
	return t.Organization
}

// Settings are run-wide knobs; defaults are applied by the loader.
type Settings struct {
	MaxSessionsPerOrg  int           // default 3
	AllowOverSessions  bool          // the explicit override needed for MaxSessionsPerOrg > 3
	MaxParallelTenants int           // default DefaultMaxParallelTenants
	Retries            int           // default 3
	Timeout            time.Duration // per cmdlet call, default 15m
	FailFast           bool
	MaxFailPercentage  float64 // 0 = unset
	PageSize           int     // Prefer: odata.maxpagesize, default 1000
	MaxAnswerMiB       int     // one answer's size limit after decompression, default 1024
	RegisterMemoryMiB  int     // a register estimated larger stays on disk (0: every register), default 64
	// AllowUnknownCmdlets lets steps call cmdlets the catalog lacks.
	AllowUnknownCmdlets bool
	// RequirePlanOver: a run writing to more tenants needs --plan (0 = never).
	RequirePlanOver int
	// Rollout runs tenants in waves; nil = all at once.
	Rollout *Rollout
	Pos     Pos
}

// Step is one cmdlet call (or one per foreach item) in every selected tenant.
type Step struct {
	ID              string
	Name            string
	Cmdlet          string
	Service         string // exchange | compliance
	Parameters      []Param
	Select          []string
	Optional        []string // properties that may be absent: select and expressions do not fail on them (props.go)
	Show            []string // properties printed as a table after the summary (wildcards as select)
	Register        string
	When            *Value        // bool expression, nil = always
	Foreach         *Value        // list expression, nil = single call
	Retries         *int          // nil = Settings.Retries
	Timeout         time.Duration // 0 = Settings.Timeout
	ContinueOnError bool
	FailedWhen      *Value // bool expression over result, nil = none
	// ChangedWhen decides whether a call that succeeded changed anything
	// (changed) or not (ok), over its result; nil = a write changed unless
	// the service answered that nothing was modified, a read never did.
	ChangedWhen *Value
	Assert      []Assertion
	Tags        []string
	Anchor      *Value // X-AnchorMailbox override, nil = default rules
	Batch       int    // 0 = no $batch; else items per $batch call (max 10)
	Write       bool   // derived from the verb: everything but Get-/Test-/Search-/Export-
	Pos         Pos

	Unchecked bool    // unchecked: true: not checked against the cmdlet catalog
	Ensure    *Ensure // ensure: a desired-state step (ensure.go); nil for a plain call

	idPos, registerPos Pos          // where id and register were written (zero when defaulted)
	info               *cmdlet.Info // the catalog's entry, nil when unknown or unchecked
}

// Param is one cmdlet parameter, in declaration order.
type Param struct {
	Name  string
	Value *Value
	Pos   Pos
}

// Assertion is a compliance check over a step's result.
type Assertion struct {
	ID           string
	That         *Value
	Message      string
	MessageValue *Value // Message compiled when it holds ${{ }} (result in scope); nil otherwise
	Severity     string // info | low | medium | high | critical
	Pos          Pos

	// Explaining assertions and controls (expect.go): exactly one of That,
	// Expect and Manual is set.
	Expect      *Expect
	AppliesWhen *Value // false: not_applicable; nil = always applies
	Manual      string // reason the control is checked by hand
	Control     Control
}
