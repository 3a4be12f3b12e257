package auth

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"software.sslmate.com/src/go-pkcs12"
)

// jwtLike matches anything shaped like a token, which no message may hold.
var jwtLike = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*`)

// TestNoSecretInAnyMessage drives failing and succeeding sign-ins with
// secrets in every field, at debug log level, and greps every error, every
// log line and everything written to stderr for them.
func TestNoSecretInAnyMessage(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	var logs bytes.Buffer
	m, _ := f.manager(func(o *Options) { o.Logger = zerolog.New(&logs).Level(zerolog.DebugLevel) })
	const pfxPass = "pfx-Passw0rd-Leak-Check-9876"
	pfx := writePFX(t, pkcs12.Modern, pfxPass)
	okTok := appToken(t, f, contosoID)
	tokFile := filepath.Join(t.TempDir(), "tok")
	_ = os.WriteFile(tokFile, []byte(okTok), 0o600)
	rt, _ := f.a.IssueRefreshToken(partnerUPN, partnerAppID)
	badRT := rt[:len(rt)-4] + "AAAA"

	creds := []struct {
		cred   Credential
		tenant string
	}{
		{Credential{Method: MethodClientSecret, ClientID: secretAppID, ClientSecret: secretValue + "-wrong"}, contosoID},
		{Credential{Method: MethodClientSecret, ClientID: secretAppID, ClientSecret: secretValue}, "missing.onmicrosoft.com"},
		{Credential{Method: MethodClientSecret, ClientID: secretAppID, ClientSecret: secretValue}, fabrikamDom},
		{Credential{Method: MethodCertificate, ClientID: certAppID, CertificateFile: pfx, CertificatePassword: pfxPass + "-wrong"}, contosoID},
		{Credential{Method: MethodCertificate, ClientID: secretAppID, CertificateFile: pfx, CertificatePassword: pfxPass}, contosoID},
		{Credential{Method: MethodUsernamePassword, Username: adminUPN, Password: adminPass + "-wrong"}, contosoID},
		{Credential{Method: MethodUsernamePassword, Username: mfaUPN, Password: mfaPass}, contosoID},
		{Credential{Method: MethodUsernamePassword, Username: adminUPN, Password: adminPass}, contosoID},
		{Credential{Method: MethodAccessToken, AccessToken: okTok}, fabrikamID},
		{Credential{Method: MethodAccessToken, AccessTokenFile: tokFile}, contosoID},
		{Credential{Method: MethodAccessToken, AccessTokenCommand: []string{"sh", "-c", "echo " + okTok + " >&2; exit 1"}}, contosoID},
		{Credential{Method: MethodRefreshToken, ClientID: partnerAppID, ClientSecret: partnerSecr, RefreshToken: badRT}, contosoID},
		{Credential{Method: MethodRefreshToken, ClientID: partnerAppID, ClientSecret: partnerSecr + "-wrong", RefreshToken: rt}, contosoID},
		{Credential{Method: MethodRefreshToken, ClientID: partnerAppID, ClientSecret: partnerSecr, RefreshToken: rt}, fabrikamID},
	}
	var texts []string
	for i, c := range creds {
		cred := c.cred
		cred.Name = "leak"
		s, err := m.Source(&cred, authority, c.tenant, exchange)
		if err == nil {
			var tok string
			tok, err = s.Token(context.Background(), false)
			if err == nil {
				_, err = s.Token(context.Background(), true)
				if tok == "" {
					t.Errorf("case %d: empty token", i)
				}
			}
		}
		if err != nil {
			texts = append(texts, err.Error())
		}
	}
	if len(texts) < 9 {
		t.Fatalf("only %d failures: the cases no longer exercise errors: %q", len(texts), texts)
	}
	texts = append(texts, logs.String(), f.stderr.String())
	secrets := []string{secretValue, pfxPass, adminPass, mfaPass, partnerSecr, rt, badRT, okTok, miHeader}
	for _, text := range texts {
		for _, sec := range secrets {
			if strings.Contains(text, sec) {
				t.Errorf("secret %.6s... leaked in %q", sec, text)
			}
		}
		// Token-shaped strings must not appear either.
		if jwtLike.MatchString(text) {
			t.Errorf("a token leaked in %q", text)
		}
	}
}
