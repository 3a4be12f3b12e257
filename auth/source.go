package auth

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"

	"github.com/exoplay/exoplay/cloud"
	"github.com/exoplay/exoplay/internal/category"
)

// forceWindow collapses forced refreshes: the 401s of calls that were in
// flight together with the old token arrive within moments of each other, and
// one new token answers them all.
const forceWindow = 5 * time.Second

// staleRecheck is how long a token that came back already due for renewal
// is handed out before asking again. An access_token file or command, or a
// managed identity endpoint with its own cache, returns the same token until
// it renews it: asking on every call would read the file or start the
// command once per cmdlet for the last minutes of the token's life.
const staleRecheck = 30 * time.Second

// tokenResult is what an acquirer got.
type tokenResult struct {
	token     string
	expiresOn time.Time // from the token response; the JWT's exp wins
	fromCache bool      // MSAL answered from its cache
}

// tokenOf is what an MSAL answer means to a Source, whichever client gave it
// (confidential, public and managed identity share one AuthResult type): the
// token, its expiry, and whether MSAL served it from its cache.
func tokenOf(r confidential.AuthResult) tokenResult {
	return tokenResult{token: r.AccessToken, expiresOn: r.ExpiresOn, fromCache: r.Metadata.TokenSource == confidential.TokenSourceCache}
}

// acquirer gets tokens for one (authority, credential), any tenant.
type acquirer interface {
	// claims != "" bypasses every cache and asks for a token satisfying
	// them: a resource's claims challenge, or forceClaims after a 401.
	acquire(ctx context.Context, tenant, resource, claims string) (tokenResult, error)
	// interactive reports whether an acquisition may wait for a person.
	interactive() bool
}

// Identity is who a source's token speaks for.
type Identity struct {
	TenantID  string // the token's tid
	AppID     string // appid or azp
	UPN       string // the signed-in user, empty for app-only tokens
	ExpiresOn time.Time
	Delegated bool     // a user token (scp), not an app token (roles)
	Roles     []string // the app roles of an app token (roles)
	Scopes    []string // the scopes of a user token (scp)
}

// Source is the token source of one tenant and resource. It satisfies
// transport's TokenSource interface. Safe for concurrent use.
type Source struct {
	m         *Manager
	cred      *Credential
	acq       acquirer
	gate      *credGate // shared by every source of acq
	authority string
	tenant    string
	resource  string

	sf singleflight.Group

	mu  sync.Mutex
	cur *current
}

// current is the token a source hands out.
type current struct {
	token     string
	claims    tokenClaims
	exp       time.Time
	lifetime  time.Duration
	fetchedAt time.Time
	forced    bool
	recheckAt time.Time // set when the token came back already due for renewal; never after exp
}

// fresh reports whether c can still be handed out at now: it is renewed when
// less than a tenth of its lifetime, or maxMargin, is left, unless it was
// just fetched in that state (recheckAt).
func (c *current) fresh(now time.Time, maxMargin time.Duration) bool {
	margin := min(c.lifetime/10, maxMargin)
	return now.Before(c.exp.Add(-margin)) || now.Before(c.recheckAt)
}

// Token returns a valid access token for the tenant. Concurrent callers
// share one acquisition. forceRefresh (after a 401) bypasses every cache,
// MSAL's included; forced refreshes close together share one new token.
func (s *Source) Token(ctx context.Context, forceRefresh bool) (string, error) {
	now := s.m.now()
	s.mu.Lock()
	cur := s.cur
	s.mu.Unlock()
	if cur != nil {
		if !forceRefresh && cur.fresh(now, s.m.opts.RefreshMargin) {
			return cur.token, nil
		}
		if forceRefresh && cur.forced && now.Sub(cur.fetchedAt) < forceWindow {
			return cur.token, nil
		}
	}
	key, claims := "renew", ""
	if forceRefresh {
		key, claims = "force", forceClaims(now.Unix())
	}
	return s.flight(ctx, key, claims, now)
}

// TokenWithClaims returns a new token that satisfies claims, the claims
// challenge of a resource's 401 (WWW-Authenticate ... claims="..."), as
// the module passes it to its next token request (continuous access
// evaluation; exo-rest-protocol.md §10.11). Every cache is bypassed;
// callers that pass the same challenge together share one token.
func (s *Source) TokenWithClaims(ctx context.Context, claims string) (string, error) {
	if claims == "" {
		return s.Token(ctx, true)
	}
	return s.flight(ctx, "claims:"+claims, claims, s.m.now())
}

// flight runs one acquisition per key, each caller waiting with its own
// context.
func (s *Source) flight(ctx context.Context, key, claims string, now time.Time) (string, error) {
	// A caller already gone starts no token request. (The select below
	// would mostly say so too, but picks at random when the request has
	// also finished, which a busy machine allows.)
	if err := ctx.Err(); err != nil {
		return "", classify(err, s.cred, s.tenant, now)
	}
	ch := s.sf.DoChan(key, func() (any, error) { return s.fetch(claims, key == "force") })
	select {
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(*current).token, nil
	case <-ctx.Done():
		return "", classify(ctx.Err(), s.cred, s.tenant, now)
	}
}

// Identity describes the current token; zero before the first Token.
func (s *Source) Identity() Identity {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil {
		return Identity{}
	}
	c := s.cur.claims
	return Identity{
		TenantID:  c.TenantID,
		AppID:     c.AppID,
		UPN:       c.UPN,
		ExpiresOn: s.cur.exp,
		Delegated: c.Scopes != "" || (len(c.Roles) == 0 && s.cred.Delegated()),
		Roles:     append([]string(nil), c.Roles...),
		Scopes:    strings.Fields(c.Scopes),
	}
}

// Tenant is the tenant the source was made for, as given.
func (s *Source) Tenant() string { return s.tenant }

// fetch acquires, checks and stores a new token. It runs once per flight,
// detached from any one caller's context: callers wait with their own.
//
// shareForced is set for a plain forced refresh: one that a flight which
// ended between the caller's look at the current token and this one has
// already done is not done again (forced refreshes close together share
// one token, see Token).
func (s *Source) fetch(claims string, shareForced bool) (*current, error) {
	force := claims != ""
	timeout := fetchTimeout
	if s.acq.interactive() {
		timeout = interactiveTimeout
	}
	ctx, cancel := context.WithTimeout(s.m.base, timeout)
	defer cancel()
	// A flight that just ended may have renewed it.
	s.mu.Lock()
	cur := s.cur
	s.mu.Unlock()
	if cur != nil && !force && cur.fresh(s.m.now(), s.m.opts.RefreshMargin) {
		return cur, nil
	}
	if cur != nil && shareForced && cur.forced && s.m.now().Sub(cur.fetchedAt) < forceWindow {
		return cur, nil
	}
	c, res, err := s.acquireChecked(ctx, claims)
	if err == nil && !force && res.fromCache && !c.fresh(s.m.now(), s.m.opts.RefreshMargin) {
		// MSAL's cache handed back a token we would renew at once (a
		// RefreshMargin above MSAL's own 5 minutes): go to the network.
		c, _, err = s.acquireChecked(ctx, forceClaims(s.m.now().Unix()))
	}
	if err != nil {
		lvl := s.m.opts.Logger.Warn()
		if err.Code == CodeCredentialRefused {
			lvl = s.m.opts.Logger.Debug() // the refusal it repeats was logged
		}
		lvl.Str("tenant", s.tenant).Str("auth", s.cred.Name).Str("code", err.ErrorCode()).Msg("token acquisition failed")
		return nil, err
	}
	c.forced = force
	if now := s.m.now(); !c.fresh(now, s.m.opts.RefreshMargin) {
		c.recheckAt = now.Add(staleRecheck)
		if c.recheckAt.After(c.exp) {
			c.recheckAt = c.exp
		}
	}
	s.mu.Lock()
	s.cur = c
	s.mu.Unlock()
	s.m.opts.Logger.Debug().Str("tenant", s.tenant).Str("tid", c.claims.TenantID).Str("auth", s.cred.Name).
		Str("method", s.cred.Method).Time("expires", c.exp).Bool("forced", force).Bool("from_cache", res.fromCache).Msg("token acquired")
	return c, nil
}

// acquireChecked gets a token and checks it belongs to the tenant.
func (s *Source) acquireChecked(ctx context.Context, challenge string) (*current, tokenResult, *Error) {
	done, refused := s.gate.enter(ctx, s)
	if refused != nil {
		return nil, tokenResult{}, refused
	}
	res, err := s.acq.acquire(ctx, s.tenant, s.resource, challenge)
	s.m.secret(res.token)
	now := s.m.now()
	if err != nil {
		e := classify(err, s.cred, s.tenant, now)
		done(e)
		return nil, res, e
	}
	done(nil)
	claims, err := parseClaims(res.token)
	if err != nil {
		return nil, res, configError(s.cred, s.tenant, CodeBadTokenReply, err.Error(), "")
	}
	if err := s.checkTenant(ctx, claims); err != nil {
		return nil, res, err
	}
	exp := claims.ExpiresAt
	if exp.IsZero() {
		exp = res.expiresOn
	}
	if exp.IsZero() {
		return nil, res, configError(s.cred, s.tenant, CodeBadTokenReply, "the token has no expiry (exp)", "")
	}
	if !now.Before(exp) {
		hint := ""
		if s.cred.Method == MethodAccessToken {
			hint = "supply a fresh token (access tokens cannot be renewed by exoplay)"
		}
		return nil, res, configError(s.cred, s.tenant, CodeTokenExpired,
			fmt.Sprintf("the token expired at %s", exp.UTC().Format(time.RFC3339)), hint)
	}
	start := claims.IssuedAt
	if start.IsZero() || !start.Before(exp) {
		start = now
	}
	return &current{token: res.token, claims: claims, exp: exp, lifetime: exp.Sub(start), fetchedAt: now}, res, nil
}

// checkTenant refuses a token of another tenant than the source's.
func (s *Source) checkTenant(ctx context.Context, claims tokenClaims) *Error {
	if claims.TenantID == "" {
		return configError(s.cred, s.tenant, CodeTenantMismatch, "the token carries no tid claim, so its tenant cannot be checked", "")
	}
	want, err := s.m.tenants.resolve(ctx, s.authority, s.tenant)
	if err != nil {
		return classify(err, s.cred, s.tenant, s.m.now())
	}
	if !strings.EqualFold(claims.TenantID, want) {
		msg := fmt.Sprintf("the token is for tenant %s, not %s", claims.TenantID, want)
		if !cloud.IsGUID(s.tenant) {
			msg = fmt.Sprintf("the token is for tenant %s, but %s is tenant %s", claims.TenantID, s.tenant, want)
		}
		return &Error{Tenant: s.tenant, Credential: s.cred.label(), Category: category.Auth, Code: CodeTenantMismatch,
			Message: msg,
			Hint:    "check the tenant's organization/tenant_id and that the credential belongs to it (a managed identity or access token is only valid in its own tenant)"}
	}
	return nil
}
