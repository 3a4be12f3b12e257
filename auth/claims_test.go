package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// A resource's claims challenge reaches Entra as given, for an app secret
// and a delegated user (MSAL WithClaims, silent then sign-in) and for a
// partner refresh token (the claims form parameter): the emulated authority puts the challenge's acrs in the
// token, which a made-up claims value would not.
func TestTokenWithClaimsReachesTheAuthority(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	m, _ := f.manager(nil)
	rt, err := f.a.IssueRefreshToken(partnerUPN, partnerAppID)
	if err != nil {
		t.Fatal(err)
	}
	const challenge = `{"access_token":{"nbf":{"essential":true,"value":"1"},"acrs":{"essential":true,"value":"c9"}}}`
	for _, cred := range []*Credential{
		{Name: "app", Method: MethodClientSecret, ClientID: secretAppID, ClientSecret: secretValue},
		{Name: "gdap", Method: MethodRefreshToken, ClientID: partnerAppID, ClientSecret: partnerSecr, RefreshToken: rt},
		{Name: "ropc", Method: MethodUsernamePassword, Username: adminUPN, Password: adminPass},
	} {
		s := f.source(m, cred, contosoID)
		plain, err := s.Token(context.Background(), false)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := s.TokenWithClaims(context.Background(), challenge)
		if err != nil {
			t.Fatalf("%s: %v", cred.Name, err)
		}
		if got := acrsOf(t, tok); !slices.Contains(got, "c9") || tok == plain {
			t.Errorf("%s: acrs %v", cred.Name, got)
		}
		if got := acrsOf(t, plain); len(got) != 0 {
			t.Errorf("%s: a token asked for without claims has acrs %v", cred.Name, got)
		}
	}
}

func acrsOf(t *testing.T, tok string) []string {
	t.Helper()
	parts := strings.Split(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Acrs []string `json:"acrs"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c.Acrs
}
