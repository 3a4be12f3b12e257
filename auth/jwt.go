package auth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// tokenClaims are the claims exoplay reads from an access token. The token is
// not verified here (the service does that); the claims only tell which
// tenant and identity it is for and when it expires.
type tokenClaims struct {
	TenantID  string
	AppID     string
	UPN       string
	Audience  string
	Scopes    string
	Roles     []string
	ExpiresAt time.Time
	IssuedAt  time.Time
}

// parseClaims decodes the payload of a JWT access token. Its errors never
// quote the token.
func parseClaims(token string) (tokenClaims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return tokenClaims{}, errors.New("the access token is not a JWT (expected three dot-separated parts)")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return tokenClaims{}, errors.New("the access token's payload is not base64url")
	}
	var raw struct {
		TID        string          `json:"tid"`
		AppID      string          `json:"appid"`
		AZP        string          `json:"azp"`
		UPN        string          `json:"upn"`
		Preferred  string          `json:"preferred_username"`
		UniqueName string          `json:"unique_name"`
		Aud        json.RawMessage `json:"aud"`
		SCP        string          `json:"scp"`
		Roles      []string        `json:"roles"`
		Exp        json.Number     `json:"exp"`
		Iat        json.Number     `json:"iat"`
	}
	dec := json.NewDecoder(strings.NewReader(string(payload)))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return tokenClaims{}, errors.New("the access token's payload is not a JSON object")
	}
	c := tokenClaims{
		TenantID: raw.TID,
		AppID:    first(raw.AppID, raw.AZP),
		UPN:      first(raw.UPN, raw.Preferred, raw.UniqueName),
		Scopes:   raw.SCP,
		Roles:    raw.Roles,
	}
	var aud any
	if len(raw.Aud) > 0 && json.Unmarshal(raw.Aud, &aud) == nil {
		switch a := aud.(type) {
		case string:
			c.Audience = a
		case []any:
			if len(a) > 0 {
				c.Audience, _ = a[0].(string)
			}
		}
	}
	if t, ok := unixClaim(raw.Exp); ok {
		c.ExpiresAt = t
	}
	if t, ok := unixClaim(raw.Iat); ok {
		c.IssuedAt = t
	}
	return c, nil
}

func unixClaim(n json.Number) (time.Time, bool) {
	if n == "" {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil || f <= 0 {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0), true
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
