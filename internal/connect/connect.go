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

// endpoints returns the URLs a tenant talks to.
func (c *Connector) endpoints(t *playbook.Tenant) (cloud.Endpoints, error) {
	env := t.Environment
	if c.opts.Environment != nil {
		env = c.opts.Environment(t)
	}
	base, err := cloud.Lookup(env)
	if err != nil {
		return cloud.Endpoints{}, err
	}
	return cloud.Resolve(base, t.ConnectionURI, t.AuthorityURI)
}

// Connect signs in to t and returns its session. The first token is
// requested here, so a sign-in failure is reported for this tenant before
// any step runs.
func (c *Connector) Connect(ctx context.Context, t *playbook.Tenant) (runner.Session, error) {
	ep, err := c.endpoints(t)
	if err != nil {
		return nil, &authError{msg: fmt.Sprintf("tenant %s: %v", t.Name, err)}
	}
	cred, err := c.credential(t)
	if err != nil {
		return nil, &authError{msg: fmt.Sprintf("tenant %s: %v", t.Name, err)}
	}
	src, err := c.opts.Auth.Source(cred, ep.AuthorityURL, t.SignInTenant(), ep.ExchangeResource)
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
