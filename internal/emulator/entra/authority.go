package entra

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Authority is an in-memory Entra ID. It is safe for concurrent use.
type Authority struct {
	now    func() time.Time
	kid    string // random per Authority: Verify accepts only tokens with it
	rtKey  []byte // HMAC key of the self-contained refresh tokens
	client loopbackPoster

	mu             sync.RWMutex
	baseURL        string
	tenants        map[string]Tenant // by lower-cased GUID and domain
	apps           map[string]App    // by lower-cased client id
	users          map[string]User   // by lower-cased UPN
	userOrder      []string          // lower-cased UPNs in insertion order
	mis            []ManagedIdentity
	resources      map[string]string // lower-cased -> as configured
	lifetime       time.Duration
	early          time.Duration
	devicePolls    int
	identityHeader string
	signInUser     string
	rtLifetime     time.Duration
	revokedAt      map[string]time.Time          // lower-cased UPN -> refresh tokens issued before are revoked
	issuerKeys     map[string][]crypto.PublicKey // external issuer -> its signing keys (FederatedCredential)

	grants   grantStore
	throttle throttles
	counters counterSet
}

// processKey is the RSA key every Authority of the process signs with
// (RS256, as Entra). Generating one costs ~100 ms of CPU and an emulator is
// started per test and per run, so it is made once, in the background from
// the first New on. Authorities stay apart through their kid: it is inside
// the signed header, and Verify accepts only its own.
var processKey = sync.OnceValues(func() (*rsa.PrivateKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("entra: generate signing key: %w", err)
	}
	return key, nil
})

// New builds an Authority.
func New(opts Options) (*Authority, error) {
	go processKey() // ready by the first token request, which waits for it otherwise
	rtKey := make([]byte, 32)
	if _, err := rand.Read(rtKey); err != nil {
		return nil, fmt.Errorf("entra: generate refresh token key: %w", err)
	}
	a := &Authority{
		now:            opts.Now,
		kid:            randomToken(12),
		rtKey:          rtKey,
		client:         newLoopbackPoster(),
		tenants:        map[string]Tenant{},
		apps:           map[string]App{},
		users:          map[string]User{},
		resources:      map[string]string{},
		lifetime:       opts.TokenLifetime,
		early:          opts.EarlyExpiry,
		devicePolls:    opts.DeviceCodePolls,
		identityHeader: opts.IdentityHeader,
		signInUser:     strings.ToLower(opts.SignInUser),
		rtLifetime:     opts.RefreshTokenLifetime,
		mis:            append([]ManagedIdentity(nil), opts.ManagedIdentities...),
		revokedAt:      map[string]time.Time{},
		issuerKeys:     map[string][]crypto.PublicKey{},
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.lifetime <= 0 {
		a.lifetime = defaultTokenLifetime
	}
	if a.devicePolls == 0 {
		a.devicePolls = 1
	}
	if a.rtLifetime <= 0 {
		a.rtLifetime = defaultRefreshTokenLifetime
	}
	for i, mi := range a.mis {
		if mi.ObjectID == "" {
			// Every identity has an object id: it is the oid and sub of its tokens, which
			// federated credentials match on.
			a.mis[i].ObjectID = derivedGUID("mi:" + strings.ToLower(mi.ClientID))
		}
	}
	for _, r := range opts.Resources {
		a.resources[strings.ToLower(strings.TrimRight(r, "/"))] = strings.TrimRight(r, "/")
	}
	for _, t := range opts.Tenants {
		if err := a.addTenant(t); err != nil {
			return nil, err
		}
	}
	for _, app := range opts.Apps {
		if err := a.addApp(app); err != nil {
			return nil, err
		}
	}
	for _, u := range opts.Users {
		if err := a.addUser(u); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// SetBaseURL sets the scheme://host:port the authority is reached at (known after listen).
// Until it is set, the base is taken from each request's Host, which keeps the issuer's host
// equal to the authority host MSAL was given, whatever name (127.0.0.1, localhost) it used.
func (a *Authority) SetBaseURL(u string) {
	a.mu.Lock()
	a.baseURL = strings.TrimRight(u, "/")
	a.mu.Unlock()
}

// AddTenant registers a tenant; a tenant with the same ID is replaced. A tenant without an ID is
// ignored (New reports it as an error).
func (a *Authority) AddTenant(t Tenant) { _ = a.addTenant(t) }

// AddApp registers an application; an app with the same client id is replaced. An app without a
// client id is ignored (New reports it as an error).
func (a *Authority) AddApp(app App) { _ = a.addApp(app) }

// AddUser registers a user; a user with the same UPN is replaced. A user without a UPN or home
// tenant is ignored (New reports it as an error).
func (a *Authority) AddUser(u User) { _ = a.addUser(u) }

func (a *Authority) addTenant(t Tenant) error {
	if t.ID == "" {
		return fmt.Errorf("entra: tenant %q has no ID", t.Domain)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.tenants[strings.ToLower(t.ID)] = t
	if t.Domain != "" {
		a.tenants[strings.ToLower(t.Domain)] = t
	}
	return nil
}

func (a *Authority) addApp(app App) error {
	if app.ClientID == "" {
		return fmt.Errorf("entra: app has no client id")
	}
	if len(app.Roles) == 0 {
		app.Roles = defaultAppRoles
	}
	if len(app.Scopes) == 0 {
		app.Scopes = defaultUserScope
	}
	a.mu.Lock()
	a.apps[strings.ToLower(app.ClientID)] = app
	a.addIssuerKeys(app.FederatedCredentials)
	a.mu.Unlock()
	return nil
}

func (a *Authority) addUser(u User) error {
	if u.UPN == "" || u.TenantID == "" {
		return fmt.Errorf("entra: user %q needs a UPN and a home tenant", u.UPN)
	}
	if u.ObjectID == "" {
		u.ObjectID = derivedGUID("user:" + strings.ToLower(u.UPN))
	}
	key := strings.ToLower(u.UPN)
	a.mu.Lock()
	if _, ok := a.users[key]; !ok {
		a.userOrder = append(a.userOrder, key)
	}
	a.users[key] = u
	a.mu.Unlock()
	return nil
}

// SetTokenLifetime changes the lifetime of tokens issued from now on.
func (a *Authority) SetTokenLifetime(d time.Duration) {
	if d <= 0 {
		d = defaultTokenLifetime
	}
	a.mu.Lock()
	a.lifetime = d
	a.mu.Unlock()
}

// SetEarlyExpiry makes tokens issued from now on expire d before their expires_in says.
func (a *Authority) SetEarlyExpiry(d time.Duration) {
	a.mu.Lock()
	a.early = d
	a.mu.Unlock()
}

// SetDeviceCodePolls changes how many polls of new device codes answer authorization_pending
// (0 = approved on the first poll).
func (a *Authority) SetDeviceCodePolls(n int) {
	a.mu.Lock()
	a.devicePolls = n
	a.mu.Unlock()
}

// SetSignInUser sets the UPN that approves device codes and interactive sign-ins.
func (a *Authority) SetSignInUser(upn string) {
	a.mu.Lock()
	a.signInUser = strings.ToLower(upn)
	a.mu.Unlock()
}

// RevokeRefreshTokens revokes every refresh token issued to upn so far (as a password reset or
// "revoke sessions" does); redeeming one then fails with AADSTS50173.
func (a *Authority) RevokeRefreshTokens(upn string) {
	a.mu.Lock()
	a.revokedAt[strings.ToLower(upn)] = a.now()
	a.mu.Unlock()
}

// derivedGUID makes a stable GUID-shaped id from a name, so generated ids survive restarts.
func derivedGUID(name string) string {
	s := sha256.Sum256([]byte(name))
	return fmt.Sprintf("%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}
