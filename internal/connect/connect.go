package connect

import (
	"context"
	"fmt"
	"sync"

	"github.com/exoplay/exoplay/auth"
	"github.com/exoplay/exoplay/cloud"
	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/runner"
	"github.com/exoplay/exoplay/transport"
)

// Options configure a Connector.
type Options struct {
	Playbook  *playbook.Playbook
	Auth      *auth.Manager
	Transport *transport.Client
	// Environment names the cloud whose endpoints a tenant uses; nil =
	// the tenant's environment. internal/cli maps the Emulator environment
	// to the cloud the emulator stands in for here.
	Environment func(*playbook.Tenant) string
	// DefaultCredential signs in tenants whose playbook entry names no auth
	// (the playbook allows that only where internal/cli supplies one).
	DefaultCredential *auth.Credential
}

// Connector implements runner.Connector.
type Connector struct {
	opts Options

	mu    sync.Mutex
	creds map[string]*auth.Credential // by auth name, resolved once
}

var _ runner.Connector = (*Connector)(nil)

// New returns a Connector.
func New(opts Options) *Connector {
	return &Connector{opts: opts, creds: map[string]*auth.Credential{}}
}

// authError marks problems of configuration found before any token request,
// so the runner reports them as the tenant's sign-in failure.
type authError struct{ msg string }

func (e *authError) Error() string         { return e.msg }
func (e *authError) ErrorCategory() string { return "auth" }
func (e *authError) ErrorCode() string     { return "" }

// Target is a tenant resolved for sign-in: the endpoints of its cloud
// (overrides applied) and its credential (secrets read), before any
// request. Every command that signs in starts here.
type Target struct {
	Tenant     *playbook.Tenant
	Endpoints  cloud.Endpoints
	Credential *auth.Credential
}

// Resolve returns the target of t. Its errors are the tenant's
// configuration errors; they name the tenant.
func (c *Connector) Resolve(t *playbook.Tenant) (*Target, error) {
	env := t.Environment
	if c.opts.Environment != nil {
		env = c.opts.Environment(t)
	}
	base, err := cloud.Lookup(env)
	if err != nil {
		return nil, &authError{msg: fmt.Sprintf("tenant %s: %v", t.Name, err)}
	}
	ep, err := cloud.Resolve(base, t.ConnectionURI, t.AuthorityURI)
	if err != nil {
		return nil, &authError{msg: fmt.Sprintf("tenant %s: %v", t.Name, err)}
	}
	cred, err := c.credential(t)
	if err != nil {
		return nil, &authError{msg: fmt.Sprintf("tenant %s: %v", t.Name, err)}
	}
	return &Target{Tenant: t, Endpoints: ep, Credential: cred}, nil
}

// Source is the Exchange token source of the target: its credential at its
// cloud's authority, for the tenant as the playbook names it, for the real
// Exchange resource.
func (tg *Target) Source(m *auth.Manager) (*auth.Source, error) {
	return m.Source(tg.Credential, tg.Endpoints.AuthorityURL, tg.Tenant.SignInTenant(), tg.Endpoints.ExchangeResource)
}

// Status is what the token cache holds for the target (delegated methods).
func (tg *Target) Status(ctx context.Context, m *auth.Manager) (auth.TenantStatus, error) {
	return m.TenantStatus(ctx, tg.Credential, tg.Endpoints.AuthorityURL, tg.Tenant.SignInTenant(), tg.Endpoints.ExchangeResource)
}

// Connect signs in to t and returns its session. The first token is
// requested here, and its tid checked against the tenant (auth), so a
// sign-in failure is reported for this tenant before any step runs.
func (c *Connector) Connect(ctx context.Context, t *playbook.Tenant) (runner.Session, error) {
	tg, err := c.Resolve(t)
	if err != nil {
		return nil, err
	}
	ep, cred := tg.Endpoints, tg.Credential
	src, err := tg.Source(c.opts.Auth)
	if err != nil {
		return nil, err
	}
	if _, err := src.Token(ctx, false); err != nil {
		return nil, err
	}
	id := src.Identity()
	s := &session{
		c:        c,
		cred:     cred,
		ep:       ep,
		tenant:   t,
		tenantID: id.TenantID,
		exchange: src,
	}
	switch {
	case t.Anchor != "":
		s.anchor = t.Anchor
	case id.Delegated && id.UPN != "" && cred.Method != auth.MethodRefreshToken:
		s.anchor = transport.UserAnchor(id.UPN)
	default:
		// App-only and partner (GDAP) contexts have no mailbox of their own
		// in the tenant: anchor on the system mailbox.
		s.anchor = transport.AppAnchor(id.TenantID)
		s.systemAnchored = true
	}
	return s, nil
}
