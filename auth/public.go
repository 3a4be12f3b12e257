package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
	"github.com/pkg/browser"
)

// errNoAccount: nothing cached to sign in silently with.
var errNoAccount = errors.New("no cached sign-in")

// publicAcq gets delegated tokens through one MSAL public client per
// (authority, credential): silently from the on-disk cache when it can
// (a refresh token redeems for any tenant the user may reach, which is how
// one admin or GDAP partner covers many tenants), else through the method's
// sign-in, one at a time.
type publicAcq struct {
	m      *Manager
	cred   *Credential
	client public.Client

	signIn   sync.Mutex // one person-facing sign-in at a time
	warnOnce sync.Once
}

func newPublic(m *Manager, cred *Credential, authority string) (*publicAcq, error) {
	dir, err := m.CacheDir()
	if err != nil {
		return nil, configError(cred, "", CodeInvalidConfig, err.Error(), "")
	}
	fc := newFileCache(delegatedCachePath(dir, authority, cred.clientID()), m.now, m.warn)
	opts := []public.Option{
		// organizations: work and school accounts; each request names its tenant.
		public.WithAuthority(authority + "/organizations"),
		public.WithInstanceDiscovery(instanceDiscovery(authority)),
		public.WithCache(fc),
	}
	if m.opts.HTTPClient != nil {
		opts = append(opts, public.WithHTTPClient(m.opts.HTTPClient))
	}
	c, err := public.New(cred.clientID(), opts...)
	if err != nil {
		return nil, configError(cred, "", CodeInvalidConfig, err.Error(), "")
	}
	return &publicAcq{m: m, cred: cred, client: c}, nil
}

func (a *publicAcq) interactive() bool { return a.cred.Method != MethodUsernamePassword }

func (a *publicAcq) acquire(ctx context.Context, tenant, resource, claims string) (tokenResult, error) {
	scopes := []string{resource + "/.default"}
	res, silentErr := a.silent(ctx, tenant, scopes, claims)
	if silentErr == nil {
		return res, nil
	}
	a.signIn.Lock()
	defer a.signIn.Unlock()
	// The sign-in of another tenant may have finished while we waited.
	if res, silentErr = a.silent(ctx, tenant, scopes, claims); silentErr == nil {
		return res, nil
	}
	a.m.opts.Logger.Debug().Str("tenant", tenant).Str("auth", a.cred.Name).Str("reason", classify(silentErr, a.cred, tenant, a.m.now()).Message).Msg("no silent sign-in")

	var r public.AuthResult
	var err error
	switch a.cred.Method {
	case MethodUsernamePassword:
		a.warnOnce.Do(func() {
			a.m.warn("%s: username_password (ROPC) is deprecated by Microsoft and fails for accounts with MFA; prefer device_code, interactive or an app-only method", a.cred.label())
		})
		var out tokenResult
		out, err = a.m.retry(ctx, "password "+tenant, func() (tokenResult, error) {
			opts := []public.AcquireByUsernamePasswordOption{public.WithTenantID(tenant)}
			if claims != "" {
				opts = append(opts, public.WithClaims(claims))
			}
			r, err := a.client.AcquireTokenByUsernamePassword(ctx, scopes, a.cred.Username, a.cred.Password, opts...)
			return tokenOf(r), err
		})
		return out, err
	case MethodDeviceCode:
		if !a.m.opts.Interactive {
			return tokenResult{}, a.needsTerminal(tenant, silentErr)
		}
		opts := []public.AcquireByDeviceCodeOption{public.WithTenantID(tenant)}
		if claims != "" {
			opts = append(opts, public.WithClaims(claims))
		}
		dc, derr := a.client.AcquireTokenByDeviceCode(ctx, scopes, opts...)
		if derr != nil {
			return tokenResult{}, derr
		}
		fmt.Fprintf(a.m.opts.Stderr, "exoplay: sign-in for tenant %s (%s): %s\n", tenant, a.cred.label(), dc.Result.Message)
		r, err = dc.AuthenticationResult(ctx)
	case MethodInteractive:
		opts := []public.AcquireInteractiveOption{public.WithTenantID(tenant)}
		if a.cred.Username != "" {
			opts = append(opts, public.WithLoginHint(a.cred.Username))
		}
		if claims != "" {
			opts = append(opts, public.WithClaims(claims))
		}
		opts = append(opts, public.WithOpenURL(a.openURL(tenant)))
		r, err = a.client.AcquireTokenInteractive(ctx, scopes, opts...)
	default:
		return tokenResult{}, fmt.Errorf("method %s is not delegated", a.cred.Method)
	}
	if err != nil {
		return tokenResult{}, err
	}
	if u := r.Account.PreferredUsername; a.cred.Username != "" && u != "" && !strings.EqualFold(u, a.cred.Username) {
		return tokenResult{}, configError(a.cred, tenant, CodeInvalidConfig,
			fmt.Sprintf("signed in as %s, but the credential's username is %s", u, a.cred.Username),
			"sign in with that account, or change username")
	}
	return tokenOf(r), nil
}

// silent redeems the cache: a valid access token, or a refresh token.
// claims skip cached access tokens (claims make MSAL go to the network).
func (a *publicAcq) silent(ctx context.Context, tenant string, scopes []string, claims string) (tokenResult, error) {
	accounts, err := a.client.Accounts(ctx)
	if err != nil {
		return tokenResult{}, err
	}
	var last error = errNoAccount
	for _, acct := range accounts {
		if a.cred.Username != "" && !strings.EqualFold(acct.PreferredUsername, a.cred.Username) {
			continue
		}
		res, err := a.m.retry(ctx, "silent "+tenant, func() (tokenResult, error) {
			opts := []public.AcquireSilentOption{public.WithSilentAccount(acct), public.WithTenantID(tenant)}
			if claims != "" {
				opts = append(opts, public.WithClaims(claims))
			}
			r, err := a.client.AcquireTokenSilent(ctx, scopes, opts...)
			return tokenOf(r), err
		})
		if err == nil {
			return res, nil
		}
		last = err
	}
	return tokenResult{}, last
}

// needsTerminal explains why a device-code sign-in cannot happen here.
func (a *publicAcq) needsTerminal(tenant string, silentErr error) error {
	if !errors.Is(silentErr, errNoAccount) {
		if _, ok := asHTTPFailure(silentErr, a.m.now()); ok {
			// The cached sign-in was refused (expired, revoked, MFA...):
			// say why; its hint says to sign in again.
			return silentErr
		}
	}
	return configError(a.cred, tenant, CodeNeedsTerminal,
		"no cached sign-in can be used for this tenant and there is no terminal to show a device code on",
		"run `exoplay auth login --playbook PLAYBOOK` at a terminal first, or use an app-only method (certificate) for unattended runs")
}

// quietBrowser stops pkg/browser (MSAL's launcher) from copying xdg-open's
// output to our stdout, which carries only results.
var quietBrowser sync.Once

// openURL decides how the sign-in page is opened: the caller's function, or
// the URL on stderr, plus a browser when a user is at a terminal. Printing
// it always means an SSH session without a browser can still finish the
// sign-in (the redirect goes to this machine's localhost).
func (a *publicAcq) openURL(tenant string) func(string) error {
	if a.m.opts.OpenURL != nil {
		return a.m.opts.OpenURL
	}
	return func(u string) error {
		fmt.Fprintf(a.m.opts.Stderr, "exoplay: sign-in for tenant %s (%s): open this URL in a browser on this machine:\n%s\n", tenant, a.cred.label(), u)
		if a.m.opts.Interactive {
			quietBrowser.Do(func() { browser.Stdout, browser.Stderr = io.Discard, io.Discard })
			_ = browser.OpenURL(u) // the printed URL is the fallback
		}
		return nil
	}
}
