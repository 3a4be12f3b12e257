package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"
	"github.com/golang-jwt/jwt/v5"
)

// refreshAcq redeems a partner (GDAP) refresh token in each customer tenant,
// as CIPP does: grant_type=refresh_token at <authority>/<customer>/oauth2/v2.0/token
// with the partner app's client id, and its secret or certificate when the
// app is confidential.
//
// This is a direct form POST, not MSAL: an MSAL public client cannot be given
// a raw refresh token (it only redeems those it obtained itself, keyed by an
// account it created), and a confidential client has no refresh-token call
// at all. Entra rotates the refresh token on every redemption; the newest
// one is kept in memory (never written anywhere) for the next tenant.
type refreshAcq struct {
	m         *Manager
	cred      *Credential
	authority string

	cert *clientCertificate // set when the partner app signs with a certificate

	mu sync.Mutex
	rt string // the newest refresh token
}

func newRefreshToken(m *Manager, cred *Credential, authority string) (*refreshAcq, error) {
	a := &refreshAcq{m: m, cred: cred, authority: authority, rt: cred.RefreshToken}
	if cred.CertificateFile != "" {
		cc, err := loadCertificate(cred, m.now())
		if err != nil {
			return nil, configError(cred, "", CodeCertificate, err.Error(), "")
		}
		a.cert = cc
	}
	return a, nil
}

func (a *refreshAcq) interactive() bool { return false }

// acquire always redeems the refresh token (there is no access token
// cache to bypass); claims, a resource's challenge, go with the request.
func (a *refreshAcq) acquire(ctx context.Context, tenant, resource, claims string) (tokenResult, error) {
	return a.m.retry(ctx, "refresh_token "+tenant, func() (tokenResult, error) { return a.redeem(ctx, tenant, resource, claims) })
}

func (a *refreshAcq) redeem(ctx context.Context, tenant, resource, claims string) (tokenResult, error) {
	endpoint := a.authority + "/" + url.PathEscape(tenant) + "/oauth2/v2.0/token"
	a.mu.Lock()
	rt := a.rt
	a.mu.Unlock()
	form := url.Values{
		"grant_type":    {"refresh_token"},
		"client_id":     {a.cred.clientID()},
		"refresh_token": {rt},
		// offline_access asks for the rotated refresh token back.
		"scope":       {resource + "/.default offline_access"},
		"client_info": {"1"},
	}
	if claims != "" {
		form.Set("claims", claims)
	}
	switch {
	case a.cert != nil:
		assertion, err := a.assertion(endpoint)
		if err != nil {
			return tokenResult{}, err
		}
		form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
		form.Set("client_assertion", assertion)
	case a.cred.ClientSecret != "":
		form.Set("client_secret", a.cred.ClientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return tokenResult{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := a.m.httpClient().Do(req)
	if err != nil {
		return tokenResult{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return tokenResult{}, err
	}
	if resp.StatusCode != http.StatusOK {
		// Same shape as MSAL's failures: classify and retry read it alike.
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return tokenResult{}, msalerrors.CallErr{Req: req, Resp: resp, Err: fmt.Errorf("token endpoint answered HTTP %d", resp.StatusCode)}
	}
	var tr struct {
		AccessToken  string          `json:"access_token"`
		RefreshToken string          `json:"refresh_token"`
		ExpiresIn    json.RawMessage `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		return tokenResult{}, configError(a.cred, tenant, CodeBadTokenReply, "the token endpoint's answer has no access_token", "")
	}
	if tr.RefreshToken != "" {
		a.mu.Lock()
		a.rt = tr.RefreshToken
		a.mu.Unlock()
	}
	res := tokenResult{token: tr.AccessToken}
	if n, err := strconv.ParseFloat(strings.Trim(string(tr.ExpiresIn), `"`), 64); err == nil && n > 0 {
		res.expiresOn = a.m.now().Add(time.Duration(n) * time.Second)
	}
	return res, nil
}

// assertion signs a client assertion for endpoint the way MSAL does (PS256,
// x5t#S256, aud = token endpoint, 10 minutes).
func (a *refreshAcq) assertion(endpoint string) (string, error) {
	now := a.m.now()
	id := a.cred.clientID()
	t := jwt.NewWithClaims(jwt.SigningMethodPS256, jwt.MapClaims{
		"aud": endpoint, "iss": id, "sub": id, "jti": randomID(),
		"nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
	})
	sum := sha256.Sum256(a.cert.chain[0].Raw)
	t.Header["x5t#S256"] = base64.StdEncoding.EncodeToString(sum[:])
	return t.SignedString(a.cert.key)
}

// randomID is a fresh jti.
func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
