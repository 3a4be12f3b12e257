package entra

import (
	"crypto/x509"
	"time"
)

// Tenant is one Entra directory.
type Tenant struct {
	ID     string // GUID
	Domain string // initial domain, e.g. contoso.onmicrosoft.com
}

// App is an application registration (multi-tenant: one entry serves every tenant in Tenants).
type App struct {
	ClientID     string
	Secret       string              // empty = the app has no secret credential
	Certificates []*x509.Certificate // registered certificates; assertions are checked against them
	Public       bool                // public client: device code, interactive, ROPC, refresh without a credential
	Roles        []string            // app roles in app-only tokens; default Exchange.ManageAsApp
	Scopes       []string            // delegated scp in user tokens; default Exchange.Manage AdminApi.AccessAsUser.All
	Tenants      []string            // tenant IDs the app is consented in; nil = all
	// FederatedSubjects are managed identity object ids whose tokens for api://AzureADTokenExchange
	// this app accepts as client assertions (federated identity credentials).
	FederatedSubjects []string
	// FederatedCredentials trust tokens of external issuers (Kubernetes service account tokens,
	// CI systems) as client assertions: workload identity federation.
	FederatedCredentials []FederatedCredential
}

// User is a work account. PartnerOf lists customer tenant IDs where the user has delegated (GDAP)
// access; the user can get tokens for those tenants as well as for its home tenant.
type User struct {
	UPN       string
	Password  string
	TenantID  string // home tenant
	MFA       bool   // ROPC is refused with AADSTS50076
	PartnerOf []string
	ObjectID  string // default: derived from the UPN
}

// ManagedIdentity is an identity served by the App Service-style endpoint GET /msi/token.
// The first one is the system-assigned identity (a request without client_id/object_id/mi_res_id).
type ManagedIdentity struct {
	ClientID   string
	ObjectID   string // default: derived from ClientID
	ResourceID string // optional ARM id, matched against mi_res_id
	TenantID   string
	Roles      []string // app roles in its tokens for Options.Resources; default Exchange.ManageAsApp
}

// Options configures an Authority. Zero values get the documented defaults.
type Options struct {
	Tenants []Tenant
	Apps    []App
	Users   []User
	// Resources are the allowed token audiences (e.g. the Exchange and compliance origins).
	// Other resources are refused with AADSTS500011.
	Resources []string
	// TokenLifetime is the access token lifetime (default 1h). MSAL caches only tokens with
	// expires_in > 300 s, so a shorter lifetime makes every call go to the token endpoint.
	TokenLifetime time.Duration
	// EarlyExpiry makes tokens' exp this much earlier than expires_in says (a fault knob).
	EarlyExpiry time.Duration
	// DeviceCodePolls is how many polls are answered authorization_pending before the device
	// code is approved (default 1; negative = approve on the first poll).
	DeviceCodePolls int
	// IdentityHeader is the secret the managed identity endpoint expects in X-IDENTITY-HEADER
	// (the IDENTITY_HEADER env var of App Service). Empty disables the endpoint.
	IdentityHeader    string
	ManagedIdentities []ManagedIdentity
	// SignInUser is the UPN that approves device codes and interactive sign-ins without a
	// login_hint. Default: the first user who can sign in to the requested tenant.
	SignInUser string
	// RefreshTokenLifetime bounds refresh tokens (default 90 days); older ones get AADSTS700082.
	RefreshTokenLifetime time.Duration
	Now                  func() time.Time // nil = time.Now
}

const (
	defaultTokenLifetime        = time.Hour
	defaultRefreshTokenLifetime = 90 * 24 * time.Hour
	// clockSkew is the tolerance Entra applies to client assertion times.
	clockSkew = 5 * time.Minute
)

var (
	defaultAppRoles  = []string{"Exchange.ManageAsApp"}
	defaultUserScope = []string{"Exchange.Manage", "AdminApi.AccessAsUser.All"}
)
