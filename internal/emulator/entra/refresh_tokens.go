package entra

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Refresh tokens are self-contained (HMAC-signed with a per-Authority key), so the authority keeps
// no per-token state and a long emulator run does not grow. Revocation is a per-user timestamp.

type refreshGrant struct {
	upn      string
	clientID string
	issued   time.Time
}

func (a *Authority) newRefreshToken(upn, clientID string) (string, error) {
	now := a.now()
	a.mu.RLock()
	life := a.rtLifetime
	a.mu.RUnlock()
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"typ": "rt",
		"sub": strings.ToLower(upn),
		"cid": strings.ToLower(clientID),
		"n":   now.UnixNano(), // issue time at full precision, for revocation
		"exp": now.Add(life).Unix(),
		"jti": randomHex(8),
	})
	s, err := t.SignedString(a.rtKey)
	if err != nil {
		return "", fmt.Errorf("entra: sign refresh token: %w", err)
	}
	return s, nil
}

// IssueRefreshToken mints a refresh token for a user and client, as if the user had signed in
// interactively (for tests of partner flows that start from a stored refresh token).
func (a *Authority) IssueRefreshToken(upn, clientID string) (string, error) {
	if _, ok := a.user(upn); !ok {
		return "", fmt.Errorf("entra: no user %q", upn)
	}
	if _, ok := a.app(clientID); !ok {
		return "", fmt.Errorf("entra: no app %q", clientID)
	}
	return a.newRefreshToken(upn, clientID)
}

// redeemRefreshToken validates a refresh token presented by clientID.
func (a *Authority) redeemRefreshToken(tok, clientID string) (refreshGrant, *aadError) {
	c := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(tok, c, func(*jwt.Token) (any, error) { return a.rtKey, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithoutClaimsValidation())
	if err != nil || str(c, "typ") != "rt" {
		return refreshGrant{}, newErr(http.StatusBadRequest, "invalid_grant", 9002313,
			"Invalid request. Request is malformed or invalid: the refresh token is not one this authority issued.")
	}
	n, _ := c["n"].(float64)
	g := refreshGrant{upn: str(c, "sub"), clientID: str(c, "cid"), issued: time.Unix(0, int64(n))}
	if !strings.EqualFold(g.clientID, clientID) {
		return refreshGrant{}, newErr(http.StatusBadRequest, "invalid_grant", 70000,
			"Provided grant is invalid or malformed: the refresh token was issued to a different client.")
	}
	now := a.now()
	if exp := unix(c, "exp"); !exp.After(now) {
		return refreshGrant{}, newErr(http.StatusBadRequest, "invalid_grant", 700082,
			"The refresh token has expired due to inactivity. The token was issued on %s and was inactive past its lifetime. Sign in again.",
			g.issued.UTC().Format(time.RFC3339)).withSuberror("bad_token")
	}
	a.mu.RLock()
	revoked, isRevoked := a.revokedAt[g.upn]
	a.mu.RUnlock()
	if isRevoked && !g.issued.After(revoked) {
		return refreshGrant{}, newErr(http.StatusBadRequest, "invalid_grant", 50173,
			"The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.").withSuberror("bad_token")
	}
	return g, nil
}
