package connect

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/rs/zerolog"

	"github.com/exoplay/exoplay/auth"
	"github.com/exoplay/exoplay/cloud"
	"github.com/exoplay/exoplay/internal/category"
	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/runner"
	"github.com/exoplay/exoplay/transport"
)

// Options configure a Connector.
type Options struct {
	Playbook *playbook.Playbook
	// HTTPClient is the command's one client (Network.Client): the token
	// manager (MSAL) and transport New builds both send through it.
	HTTPClient *http.Client
	// SignIn says how delegated sign-ins meet the user and where their
	// tokens are kept.
	SignIn SignIn
	// Logger receives auth's and transport's logs; zero value = none.
	Logger zerolog.Logger
	// OnSecret is told every secret value auth sees (tokens, secrets read
	// from files), so the command can scrub its output; nil = no one.
	OnSecret func(values ...string)
	// Environment names the cloud whose endpoints a tenant uses; nil =
	// the tenant's environment. internal/cli maps the Emulator environment
	// to the cloud the emulator stands in for here.
	Environment func(*playbook.Tenant) string
	// DefaultApp signs in tenants whose playbook entry names no auth (the
	// playbook allows that only where internal/cli supplies one).
	DefaultApp *App

	// Auth and Transport replace the token manager and the transport client
	// New would build (tests that tune retries or share a cache); the
	// Connector does not close them.
	Auth      *auth.Manager
	Transport *transport.Client
}

// SignIn is how a command's delegated sign-ins reach the user.
type SignIn struct {
	// CacheDir holds the delegated token cache; "" = $EXOPLAY_CACHE_DIR,
	// else the user cache folder.
	CacheDir string
	// Stderr receives device code prompts and sign-in URLs; nil = os.Stderr.
	Stderr io.Writer
	// Interactive says a user is at a terminal: a sign-in may ask them.
	Interactive bool
}

// App is a client-secret app registration (the emulator's demo app).
type App struct{ Name, ClientID, Secret string }

// Connector implements runner.Connector.
type Connector struct {
	opts  Options
	owned *auth.Manager // built by New, closed by Close
	// defaultCred is Options.DefaultApp as a credential.
	defaultCred *auth.Credential

	mu    sync.Mutex
	creds map[string]*auth.Credential // by auth name, resolved once
}

var _ runner.Connector = (*Connector)(nil)

// New returns a Connector. Unless opts supplies them, it builds the token
// manager and the transport client, both on opts.HTTPClient, transport
// with the playbook's page size and answer limit; Close releases them.
func New(opts Options) *Connector {
	c := &Connector{creds: map[string]*auth.Credential{}}
	if opts.Auth == nil {
		opts.Auth = auth.NewManager(auth.Options{
			HTTPClient:  opts.HTTPClient,
			CacheDir:    opts.SignIn.CacheDir,
			Stderr:      opts.SignIn.Stderr,
			Interactive: opts.SignIn.Interactive,
			Logger:      opts.Logger,
			OnSecret:    opts.OnSecret,
		})
		c.owned = opts.Auth
	}
	if opts.Transport == nil {
		// Retries are per call: the runner sets each call's from its step
		// or the playbook's settings.
		to := transport.Options{HTTPClient: opts.HTTPClient, Logger: opts.Logger}
		if pb := opts.Playbook; pb != nil {
			to.PageSize, to.MaxAnswerBytes = pb.Settings.PageSize, int64(pb.Settings.MaxAnswerMiB)<<20
		}
		opts.Transport = transport.New(to)
	}
	if app := opts.DefaultApp; app != nil {
		c.defaultCred = &auth.Credential{Name: app.Name, Method: auth.MethodClientSecret, ClientID: app.ClientID, ClientSecret: app.Secret}
	}
	c.opts = opts
	return c
}

// Close ends the token manager New built (its background renewals and
// cache files).
func (c *Connector) Close() error {
	if c.owned == nil {
		return nil
	}
	return c.owned.Close()
}

// authError marks problems of configuration found before any token request,
// so the runner reports them as the tenant's sign-in failure.
type authError struct{ msg string }

func (e *authError) Error() string         { return e.msg }
func (e *authError) ErrorCategory() string { return category.Auth }
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

// source is the Exchange token source of the target: its credential at its
// cloud's authority, for the tenant as the playbook names it, for the real
// Exchange resource.
func (tg *Target) source(m *auth.Manager) (*auth.Source, error) {
	return m.Source(tg.Credential, tg.Endpoints.AuthorityURL, tg.Tenant.SignInTenant(), tg.Endpoints.ExchangeResource)
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
	src, err := tg.source(c.opts.Auth)
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
