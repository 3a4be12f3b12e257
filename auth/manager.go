package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/exoplay/exoplay/internal/wait"
)

// Options configure a Manager. The zero value works: real clock, default
// HTTP client, cache in the user cache dir, no terminal.
type Options struct {
	HTTPClient *http.Client // nil = http.DefaultClient
	// CacheDir holds the delegated token cache. "" = $EXOPLAY_CACHE_DIR, else
	// os.UserCacheDir()/exoplay.
	CacheDir string
	Now      func() time.Time // nil = time.Now
	Stderr   io.Writer        // device code messages, sign-in URLs, warnings; nil = os.Stderr
	// Interactive says a user is at a terminal: device code may be shown.
	Interactive bool
	// OpenURL opens the interactive sign-in page. nil = the URL is printed
	// on Stderr, and a browser is opened too when Interactive.
	OpenURL func(url string) error
	Logger  zerolog.Logger
	// RefreshMargin is the most time before expiry at which a token is
	// renewed; tokens are also renewed when less than a tenth of their
	// lifetime is left. 0 = 5 minutes.
	RefreshMargin time.Duration
	// OnSecret, when set, is told every secret value the manager comes to
	// know: a credential's resolved secrets when a source is made for it,
	// each token it acquires, and whatever an access_token_command prints.
	// The caller scrubs its outputs of them by value (results.Secrets).
	OnSecret func(values ...string)
}

// DefaultRefreshMargin is Options.RefreshMargin's default.
const DefaultRefreshMargin = 5 * time.Minute

// Timeouts of one acquisition; interactive sign-ins wait for a person.
const (
	fetchTimeout       = 2 * time.Minute
	interactiveTimeout = 15 * time.Minute
)

// Manager hands out token sources and owns the MSAL clients behind them.
// It is safe for concurrent use.
type Manager struct {
	opts  Options
	sleep func(context.Context, time.Duration) error // tests count waits instead

	base   context.Context // parent of every acquisition; canceled by Close
	cancel context.CancelFunc

	mu         sync.Mutex
	acquirers  map[string]acquirer  // by authority + credential
	gates      map[string]*credGate // by the same key as acquirers
	sources    map[string]*Source
	tenants    *tenantResolver
	cacheViews map[string]cacheView // by cache file path, for TenantStatus
	closed     bool
}

// NewManager returns a Manager.
func NewManager(opts Options) *Manager {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	if opts.RefreshMargin <= 0 {
		opts.RefreshMargin = DefaultRefreshMargin
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Manager{
		opts:       opts,
		sleep:      wait.Sleep,
		base:       ctx,
		cancel:     cancel,
		acquirers:  map[string]acquirer{},
		gates:      map[string]*credGate{},
		sources:    map[string]*Source{},
		cacheViews: map[string]cacheView{},
	}
	m.tenants = newTenantResolver(m.httpClient())
	return m
}

// now is the Manager's clock (Options.Now).
func (m *Manager) now() time.Time { return m.opts.Now() }

func (m *Manager) httpClient() *http.Client {
	if m.opts.HTTPClient != nil {
		return m.opts.HTTPClient
	}
	return http.DefaultClient
}

// CacheDir is the folder of the delegated token cache.
func (m *Manager) CacheDir() (string, error) {
	return cacheDir(m.opts.CacheDir)
}

func cacheDir(opt string) (string, error) {
	if opt != "" {
		return opt, nil
	}
	if d := os.Getenv("EXOPLAY_CACHE_DIR"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no user cache directory (%v); set EXOPLAY_CACHE_DIR", err)
	}
	return filepath.Join(d, "exoplay"), nil
}

// Source returns the token source of one tenant and resource. It is cheap:
// no request is made until Token. The same (credential content, authority,
// tenant, resource) gives the same *Source. authorityURL is the Entra
// origin (https://login.microsoftonline.com); a path on it is ignored.
// resource is the token audience (https://outlook.office365.com).
func (m *Manager) Source(cred *Credential, authorityURL, tenant, resource string) (*Source, error) {
	if cred == nil {
		return nil, errors.New("auth: nil credential")
	}
	tenant = strings.TrimSpace(tenant)
	m.secret(cred.secrets()...)
	if err := cred.validate(); err != nil {
		return nil, configError(cred, tenant, CodeInvalidConfig, err.Error(), "")
	}
	switch strings.ToLower(tenant) {
	case "":
		return nil, configError(cred, tenant, CodeInvalidConfig, "no tenant given", "set the tenant's organization or tenant_id")
	case "common", "organizations", "consumers":
		return nil, configError(cred, tenant, CodeInvalidConfig, fmt.Sprintf("%q is not a tenant", tenant), "name the tenant's initial domain or id")
	}
	authority, err := authorityOrigin(authorityURL)
	if err != nil {
		return nil, configError(cred, tenant, CodeInvalidConfig, err.Error(), "")
	}
	resource = resourceOf(resource)
	if resource == "" {
		return nil, configError(cred, tenant, CodeInvalidConfig, "no token resource given", "")
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, errors.New("auth: manager is closed")
	}
	credKey := cred.key()
	skey := strings.Join([]string{authority, credKey, strings.ToLower(tenant), strings.ToLower(resource)}, "|")
	if s, ok := m.sources[skey]; ok {
		return s, nil
	}
	akey := authority + "|" + credKey
	acq, ok := m.acquirers[akey]
	if !ok {
		acq, err = m.newAcquirer(cred, authority, tenant)
		if err != nil {
			return nil, classify(err, cred, tenant, m.now())
		}
		m.acquirers[akey] = acq
		m.gates[akey] = newCredGate()
	}
	s := &Source{m: m, cred: cred, acq: acq, gate: m.gates[akey], authority: authority, tenant: tenant, resource: resource}
	m.sources[skey] = s
	return s, nil
}

// newAcquirer builds the client of one (authority, credential).
func (m *Manager) newAcquirer(cred *Credential, authority, tenant string) (acquirer, error) {
	switch cred.Method {
	case MethodCertificate, MethodClientSecret, MethodWorkloadIdentity:
		return newConfidential(m, cred, authority, tenant)
	case MethodManagedIdentity:
		if cred.Federated {
			return newConfidential(m, cred, authority, tenant)
		}
		return newManagedIdentity(m, cred)
	case MethodDeviceCode, MethodInteractive, MethodUsernamePassword:
		return newPublic(m, cred, authority)
	case MethodAccessToken:
		return newStaticToken(m, cred), nil
	case MethodRefreshToken:
		return newRefreshToken(m, cred, authority)
	}
	return nil, fmt.Errorf("unknown method %q", cred.Method)
}

// Close stops acquisitions in progress. Cached tokens on disk stay.
func (m *Manager) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.closed {
		m.closed = true
		m.cancel()
	}
	return nil
}

// resourceOf is the token audience named by a resource or its /.default scope.
func resourceOf(s string) string {
	return strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(s), "/.default"), "/")
}

// authorityOrigin keeps https://host[:port] of raw.
func authorityOrigin(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("authority %q is not a URL such as https://login.microsoftonline.com", raw)
	}
	if !strings.EqualFold(u.Scheme, "https") {
		return "", fmt.Errorf("authority %q must use https (MSAL refuses anything else)", raw)
	}
	return "https://" + strings.ToLower(u.Host), nil
}

// microsoftHosts are the Entra hosts MSAL knows; instance discovery stays on
// for them and is turned off for any other host (a private cloud),
// which would otherwise be looked up on login.microsoftonline.com.
var microsoftHosts = map[string]bool{
	"login.microsoftonline.com": true, "login.windows.net": true, "login.microsoft.com": true, "sts.windows.net": true,
	"login.microsoftonline.us": true, "login.usgovcloudapi.net": true, "login-us.microsoftonline.com": true,
	"login.chinacloudapi.cn": true, "login.partner.microsoftonline.cn": true, "login.microsoftonline.de": true,
}

func instanceDiscovery(authority string) bool {
	return microsoftHosts[strings.TrimPrefix(authority, "https://")]
}

// tokenExchangeAudience is the audience of a managed identity token used as
// a federated credential, per cloud.
func tokenExchangeAudience(authority string) string {
	host := strings.TrimPrefix(authority, "https://")
	switch {
	case strings.HasSuffix(host, ".us") || host == "login.usgovcloudapi.net":
		return "api://AzureADTokenExchangeUSGov"
	case strings.HasSuffix(host, ".cn"):
		return "api://AzureADTokenExchangeChina"
	}
	return "api://AzureADTokenExchange"
}

// warn prints a one-line warning for the user.
func (m *Manager) warn(format string, args ...any) {
	fmt.Fprintf(m.opts.Stderr, "exoplay: warning: "+format+"\n", args...)
}

// secret reports secret values to Options.OnSecret.
func (m *Manager) secret(values ...string) {
	if m.opts.OnSecret != nil {
		m.opts.OnSecret(values...)
	}
}
