package entra

import (
	"encoding/json"
)

// requestedAcrs reads the authentication context a token request asks for
// in its claims parameter ({"access_token":{"acrs":{"essential":true,
// "value":"c1"}}}, or "values"), which MSAL sends when a client passes a
// resource's claims challenge on (WithClaims). The token then carries the
// acrs claim, as Entra ID's does for Conditional Access authentication
// context (Microsoft Learn, "Developer guide to Conditional Access
// authentication context"), so a resource can tell a client that passed
// its challenge on from one that only asked for a fresh token.
// behaviour entra.claims.acrs (internal/emulator/BEHAVIOURS.md)
func requestedAcrs(claims string) []string {
	if claims == "" {
		return nil
	}
	var req struct {
		AccessToken struct {
			Acrs *struct {
				Value  string   `json:"value"`
				Values []string `json:"values"`
			} `json:"acrs"`
		} `json:"access_token"`
	}
	if json.Unmarshal([]byte(claims), &req) != nil || req.AccessToken.Acrs == nil {
		return nil
	}
	out := append([]string(nil), req.AccessToken.Acrs.Values...)
	if v := req.AccessToken.Acrs.Value; v != "" {
		out = append(out, v)
	}
	return out
}
