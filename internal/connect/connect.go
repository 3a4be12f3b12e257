package connect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
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
	}
	return s, nil
}

// credential builds the auth credential of t, resolving secrets now.
func (c *Connector) credential(t *playbook.Tenant) (*auth.Credential, error) {
	if t.Auth == "" {
		if c.opts.DefaultCredential == nil {
			return nil, errors.New("no auth configured")
		}
		return c.opts.DefaultCredential, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cred, ok := c.creds[t.Auth]; ok {
		return cred, nil
	}
	a, ok := c.opts.Playbook.Auth[t.Auth]
	if !ok {
		return nil, fmt.Errorf("auth %q is not defined in the playbook", t.Auth)
	}
	cred, err := Credential(a)
	if err != nil {
		return nil, fmt.Errorf("auth %q: %w", t.Auth, err)
	}
	c.creds[t.Auth] = cred
	return cred, nil
}

// Credential resolves a playbook credential: secrets from ${{ env.X }}
// or their *_file. Errors never include a secret's value.
func Credential(a *playbook.Auth) (*auth.Credential, error) {
	cred := &auth.Credential{
		Name:                    a.Name,
		Method:                  a.Method,
		ClientID:                a.ClientID,
		CertificateFile:         a.CertificateFile,
		CertificateThumbprint:   a.CertificateThumbprint,
		Username:                a.Username,
		ManagedIdentityClientID: a.ManagedIdentityClientID,
		Federated:               a.Federated,
		AccessTokenFile:         a.AccessTokenFile,
		AccessTokenCommand:      a.AccessTokenCommand,
	}
	var env map[string]any
	var firstErr error
	secret := func(field string, v *playbook.Value, file string) string {
		if firstErr != nil || (v == nil && file == "") {
			return ""
		}
		if file != "" {
			b, err := os.ReadFile(file)
			if err != nil {
				firstErr = fmt.Errorf("%s: cannot read %s_file: %w", field, field, err)
				return ""
			}
			return strings.TrimRight(string(b), "\r\n")
		}
		if env == nil {
			env = map[string]any{}
			for _, kv := range os.Environ() {
				k, val, _ := strings.Cut(kv, "=")
				env[k] = val
			}
		}
		out, err := v.Eval(playbook.Scope{"env": env})
		if err != nil {
			firstErr = fmt.Errorf("%s: %w", field, err)
			return ""
		}
		str, _ := out.(string)
		if str == "" {
			firstErr = fmt.Errorf("%s: %s resolved to an empty value; set the environment variable it names", field, v.Source())
		}
		return str
	}
	cred.CertificatePassword = secret("certificate_password", a.CertificatePassword, a.CertificatePasswordFile)
	cred.ClientSecret = secret("client_secret", a.ClientSecret, a.ClientSecretFile)
	cred.Password = secret("password", a.Password, a.PasswordFile)
	cred.AccessToken = secret("access_token", a.AccessToken, "")
	cred.RefreshToken = secret("refresh_token", a.RefreshToken, a.RefreshTokenFile)
	return cred, firstErr
}

// session is one signed-in organization.
type session struct {
	c        *Connector
	cred     *auth.Credential
	ep       cloud.Endpoints
	tenantID string
	anchor   string
	exchange *auth.Source

	complianceOnce sync.Once
	compliance     *auth.Source
	complianceErr  error
}

func (s *session) TenantID() string   { return s.tenantID }
func (s *session) AuthMethod() string { return s.cred.Method }

func (s *session) endpoint(service string, lim runner.Limiter) (*transport.Endpoint, error) {
	ep := &transport.Endpoint{
		Tenant:  s.tenantID,
		Anchor:  s.anchor,
		Limiter: lim,
	}
	switch service {
	case "", "exchange":
		ep.BaseURL, ep.Service, ep.Tokens = s.ep.ExchangeURL, transport.Exchange, s.exchange
	case "compliance":
		if s.ep.ComplianceURL == "" {
			return nil, fmt.Errorf("environment %s has no Security & Compliance endpoint", s.ep.Environment)
		}
		s.complianceOnce.Do(func() {
			s.compliance, s.complianceErr = s.c.opts.Auth.Source(s.cred, s.ep.AuthorityURL, s.tenantID, s.ep.ComplianceResource)
		})
		if s.complianceErr != nil {
			return nil, s.complianceErr
		}
		ep.BaseURL, ep.Service, ep.Tokens = s.ep.ComplianceURL, transport.Compliance, s.compliance
	default:
		return nil, fmt.Errorf("unknown service %q", service)
	}
	return ep, nil
}

func request(call runner.Call) transport.Request {
	return transport.Request{
		Cmdlet:     call.Cmdlet,
		Parameters: call.Parameters,
		Select:     call.Select,
		Anchor:     call.Anchor,
		Retries:    call.Retries,
		Timeout:    call.Timeout,
	}
}

func stats(st transport.Stats) runner.CallStats {
	return runner.CallStats{
		Attempts:       st.Attempts,
		Requests:       st.Requests,
		Pages:          st.Pages,
		Objects:        st.Objects,
		ThrottledWaits: st.ThrottledWaits,
		ThrottledFor:   st.ThrottledFor,
		Warnings:       st.Warnings,
	}
}

func (s *session) Invoke(ctx context.Context, call runner.Call, lim runner.Limiter, emit func(json.RawMessage) error) (runner.CallStats, error) {
	ep, err := s.endpoint(call.Service, lim)
	if err != nil {
		return runner.CallStats{}, err
	}
	st, err := s.c.opts.Transport.Invoke(ctx, ep, request(call), emit)
	return stats(st), err
}

func (s *session) InvokeBatch(ctx context.Context, calls []runner.Call, lim runner.Limiter, emit func(int, json.RawMessage) error) ([]runner.CallStats, []error) {
	errs := make([]error, len(calls))
	out := make([]runner.CallStats, len(calls))
	if len(calls) == 0 {
		return out, errs
	}
	ep, err := s.endpoint(calls[0].Service, lim)
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return out, errs
	}
	reqs := make([]transport.Request, len(calls))
	for i, call := range calls {
		reqs[i] = request(call)
	}
	sts, errs := s.c.opts.Transport.Batch(ctx, ep, reqs, emit)
	for i := range sts {
		out[i] = stats(sts[i])
	}
	return out, errs
}
