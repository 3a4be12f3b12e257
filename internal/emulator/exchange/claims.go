package exchange

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
)

// A claims challenge (behaviour exo.auth.claims-challenge): continuous
// access evaluation lets a resource refuse a token that is still valid
// and say, in WWW-Authenticate, which claims the next one must satisfy;
// the module passes them to its next token request (S12
// GetClaimsFromExceptionDetails, exo-rest-protocol.md §10.11). The
// challenge names nbf, as CAE's do (Microsoft Learn, "How to use
// continuous access evaluation enabled APIs"), and an authentication
// context (acrs) that only a token asked for with those claims carries
// (an assumption of the emulator: it tells a client that passes the
// challenge on from one that only asks for a fresh token). Until such a
// token arrives, every call of the tenant gets the same 401.

// claimsChallenge starts a challenge for tenant ts and returns its 401.
// behaviour exo.auth.claims-challenge (internal/emulator/BEHAVIOURS.md)
func (s *Server) claimsChallenge(ts *tenantState) *reply {
	n := s.stats.claimsChallenges.Add(1)
	acr := "c" + strconv.FormatInt(n, 10)
	claims := `{"access_token":{"nbf":{"essential":true,"value":"` + strconv.FormatInt(s.now().Unix(), 10) +
		`"},"acrs":{"essential":true,"value":"` + acr + `"}}}`
	ts.mu.Lock()
	ts.challenge, ts.challengeClaims = acr, claims
	ts.mu.Unlock()
	return s.challengeReply(claims)
}

// pendingChallenge returns the 401 of a challenge the token cl does not
// satisfy, or nil (and ends a challenge it satisfies).
func (s *Server) pendingChallenge(ts *tenantState, cl *Claims) *reply {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.challenge == "" {
		return nil
	}
	if slices.Contains(cl.Acrs, ts.challenge) {
		ts.challenge, ts.challengeClaims = "", ""
		return nil
	}
	return s.challengeReply(ts.challengeClaims)
}

func (s *Server) challengeReply(claims string) *reply {
	return &reply{
		status: http.StatusUnauthorized,
		json:   true,
		body:   simpleError("Unauthorized", "The access token does not satisfy the claims challenge; acquire a new token with the claims in WWW-Authenticate."),
		hdr: []header{{"WWW-Authenticate", `Bearer authorization_uri="` + s.authority + `/common/oauth2/authorize", error="insufficient_claims", claims="` +
			base64.StdEncoding.EncodeToString([]byte(claims)) + `"`}},
	}
}
