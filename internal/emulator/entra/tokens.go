package entra

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims are the claims of an access token this authority issued.
type Claims struct {
	TenantID     string
	Audience     string
	AppID        string
	UPN          string // user tokens only
	ObjectID     string // user, service principal or managed identity object id
	HomeTenantID string // user tokens: the user's home tenant (differs from TenantID for GDAP)
	IdentityType string // "app" or "user"
	Issuer       string
	Roles        []string // app tokens
	Scopes       []string // user tokens
	Acrs         []string // authentication contexts the token request asked for (claims)
	ExpiresAt    time.Time
	IssuedAt     time.Time
	NotBefore    time.Time
}

var (
	// ErrTokenExpired is returned by Verify for a well-signed token past its exp.
	ErrTokenExpired = errors.New("entra: access token has expired")
	// ErrTokenInvalid is returned by Verify for anything that is not an access token we signed
	// and that is currently valid (bad signature, malformed, not yet valid, wrong kind).
	ErrTokenInvalid = errors.New("entra: access token is invalid")
)

// tokenSpec says what goes into an access token.
type tokenSpec struct {
	tenantID string
	audience string
	appID    string
	objectID string
	user     *User    // nil for app-only tokens
	roles    []string // app-only
	scopes   []string // delegated
	acrs     []string // from the request's claims parameter
}

// issueAccessToken signs an access token; expiresIn is what the token response must say
// (exp itself is EarlyExpiry earlier).
// behaviour entra.token.jwt (internal/emulator/BEHAVIOURS.md)
// behaviour entra.token.lifetime (internal/emulator/BEHAVIOURS.md)
func (a *Authority) issueAccessToken(base string, s tokenSpec) (tok string, expiresIn int64, err error) {
	a.mu.RLock()
	lifetime, early := a.lifetime, a.early
	a.mu.RUnlock()
	now := a.now()
	c := jwt.MapClaims{
		"aud":   s.audience,
		"iss":   issuer(base, s.tenantID),
		"iat":   now.Unix(),
		"nbf":   now.Unix(),
		"exp":   now.Add(lifetime - early).Unix(),
		"tid":   strings.ToLower(s.tenantID),
		"oid":   s.objectID,
		"sub":   s.objectID,
		"appid": s.appID,
		"azp":   s.appID,
		"ver":   "1.0",
		"uti":   randomHex(11),
	}
	if len(s.acrs) > 0 {
		c["acrs"] = s.acrs
	}
	if s.user == nil {
		c["idtyp"] = "app"
		if len(s.roles) > 0 {
			c["roles"] = s.roles
		}
	} else {
		c["idtyp"] = "user"
		c["scp"] = strings.Join(s.scopes, " ")
		c["upn"] = s.user.UPN
		c["unique_name"] = s.user.UPN
		c["home_tid"] = strings.ToLower(s.user.TenantID)
		if !strings.EqualFold(s.user.TenantID, s.tenantID) {
			// Entra marks a guest or partner sign-in with the identity provider of the home tenant.
			c["idp"] = issuer(base, s.user.TenantID)
		}
	}
	tok, err = a.sign(c)
	return tok, int64(lifetime / time.Second), err
}

// issueIDToken signs the id_token of a user token response. MSAL only decodes it, but signing
// it costs little and keeps it honest.
func (a *Authority) issueIDToken(base, tenantID, clientID string, u User) (string, error) {
	now := a.now()
	return a.sign(jwt.MapClaims{
		"aud":                clientID,
		"iss":                issuer(base, tenantID),
		"iat":                now.Unix(),
		"nbf":                now.Unix(),
		"exp":                now.Add(time.Hour).Unix(),
		"oid":                u.ObjectID,
		"sub":                derivedGUID("sub:" + u.ObjectID + ":" + strings.ToLower(clientID)),
		"tid":                strings.ToLower(tenantID),
		"preferred_username": u.UPN,
		"name":               u.UPN,
		"ver":                "2.0",
	})
}

// clientInfo is MSAL's client_info: base64url({"uid": oid, "utid": home tenant}).
func clientInfo(u User) string {
	b, _ := json.Marshal(map[string]string{"uid": u.ObjectID, "utid": strings.ToLower(u.TenantID)})
	return base64.RawURLEncoding.EncodeToString(b)
}

func (a *Authority) sign(c jwt.MapClaims) (string, error) {
	key, err := processKey()
	if err != nil {
		return "", err
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	t.Header["kid"] = a.kid
	s, err := t.SignedString(key)
	if err != nil {
		return "", fmt.Errorf("entra: sign token: %w", err)
	}
	return s, nil
}

// parseOwn checks a token's signature against our key, without time validation.
func (a *Authority) parseOwn(token string) (jwt.MapClaims, error) {
	c := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, c, func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid != a.kid {
			return nil, errors.New("unknown signing key")
		}
		key, err := processKey()
		if err != nil {
			return nil, err
		}
		return &key.PublicKey, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation())
	return c, err
}

// Verify checks that token is an access token this authority signed and that it is within its
// validity time (using Options.Now). It applies no audience or tenant policy: that is the
// resource's job.
func (a *Authority) Verify(token string) (*Claims, error) {
	c, err := a.parseOwn(token)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTokenInvalid, err)
	}
	if ver, _ := c["ver"].(string); ver != "1.0" {
		return nil, fmt.Errorf("%w: not an access token", ErrTokenInvalid)
	}
	out := &Claims{
		TenantID:     str(c, "tid"),
		Audience:     str(c, "aud"),
		AppID:        str(c, "appid"),
		UPN:          str(c, "upn"),
		ObjectID:     str(c, "oid"),
		HomeTenantID: str(c, "home_tid"),
		IdentityType: str(c, "idtyp"),
		Issuer:       str(c, "iss"),
		Roles:        strs(c["roles"]),
		Acrs:         strs(c["acrs"]),
		ExpiresAt:    unix(c, "exp"),
		IssuedAt:     unix(c, "iat"),
		NotBefore:    unix(c, "nbf"),
	}
	if scp := str(c, "scp"); scp != "" {
		out.Scopes = strings.Fields(scp)
	}
	now := a.now()
	if !out.ExpiresAt.After(now) {
		return nil, fmt.Errorf("%w (exp %s, now %s)", ErrTokenExpired, out.ExpiresAt.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if out.NotBefore.After(now) {
		return nil, fmt.Errorf("%w: not valid before %s", ErrTokenInvalid, out.NotBefore.UTC().Format(time.RFC3339))
	}
	return out, nil
}

func str(c jwt.MapClaims, k string) string { s, _ := c[k].(string); return s }

func unix(c jwt.MapClaims, k string) time.Time {
	if f, ok := c[k].(float64); ok {
		return time.Unix(int64(f), 0)
	}
	return time.Time{}
}

func strs(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
