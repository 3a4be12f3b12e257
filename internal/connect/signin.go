package connect

import (
	"context"

	"github.com/exoplay/exoplay/auth"
)

// What `exoplay auth login|status` asks of a tenant's sign-in, ahead of any
// run: the token cache is the token manager's, so the Connector that owns
// the manager answers.

// CachesSignIn reports whether a playbook auth method signs in as a user,
// keeping the sign-in in the token cache (auth login applies to it).
func CachesSignIn(method string) bool { return auth.CachesSignIn(method) }

// SignIn gets the target's first Exchange token, asking the user when its
// method does (device code on SignIn.Stderr), and says whom the token is for.
func (c *Connector) SignIn(ctx context.Context, tg *Target) (auth.Identity, error) {
	src, err := tg.source(c.opts.Auth)
	if err != nil {
		return auth.Identity{}, err
	}
	if _, err := src.Token(ctx, false); err != nil {
		return auth.Identity{}, err
	}
	return src.Identity(), nil
}

// Status is what the token cache holds for the target (delegated methods):
// whether a token can be had without a sign-in. No token leaves it.
func (c *Connector) Status(ctx context.Context, tg *Target) (auth.TenantStatus, error) {
	return c.opts.Auth.TenantStatus(ctx, tg.Credential, tg.Endpoints.AuthorityURL, tg.Tenant.SignInTenant(), tg.Endpoints.ExchangeResource)
}

// CacheDir is the folder of the delegated token cache.
func (c *Connector) CacheDir() (string, error) { return c.opts.Auth.CacheDir() }

// CacheStatus lists what the token cache holds, without a network call and
// without any secret.
func (c *Connector) CacheStatus() (*auth.CacheStatus, error) { return c.opts.Auth.CacheStatus() }
