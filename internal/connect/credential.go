package connect

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/exoplay/exoplay/auth"
	"github.com/exoplay/exoplay/internal/inputfile"
	"github.com/exoplay/exoplay/playbook"
)

// credential builds the auth credential of t, resolving secrets now.
func (c *Connector) credential(t *playbook.Tenant) (*auth.Credential, error) {
	if t.Auth == "" {
		if c.defaultCred == nil {
			return nil, errors.New("no auth configured")
		}
		return c.defaultCred, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cred, ok := c.creds[t.Auth]; ok {
		return cred, nil
	}
	a, ok := c.opts.Playbook.Auth[t.Auth]
	if !ok {
		return nil, fmt.Errorf("auth %q is not defined in the playbook", t.Auth)
	}
	cred, err := Credential(a)
	if err != nil {
		return nil, fmt.Errorf("auth %q: %w", t.Auth, err)
	}
	c.creds[t.Auth] = cred
	return cred, nil
}

// Credential resolves a playbook credential: secrets from ${{ env.X }}
// or their *_file. Errors never include a secret's value.
func Credential(a *playbook.Auth) (*auth.Credential, error) {
	cred := &auth.Credential{
		Name:                    a.Name,
		Method:                  a.Method,
		ClientID:                a.ClientID,
		CertificateFile:         a.CertificateFile,
		CertificateThumbprint:   a.CertificateThumbprint,
		Username:                a.Username,
		ManagedIdentityClientID: a.ManagedIdentityClientID,
		Federated:               a.Federated,
		AccessTokenFile:         a.AccessTokenFile,
		AccessTokenCommand:      a.AccessTokenCommand,
		TokenFile:               a.TokenFile,
	}
	if a.Method == auth.MethodWorkloadIdentity {
		// What the Workload Identity webhook puts in the pod, unless the
		// playbook says otherwise; auth names both when neither is set.
		cred.ClientID = cmp.Or(cred.ClientID, strings.TrimSpace(os.Getenv(auth.EnvClientID)))
		cred.TokenFile = cmp.Or(cred.TokenFile, strings.TrimSpace(os.Getenv(auth.EnvFederatedTokenFile)))
	}
	var env map[string]any
	var firstErr error
	secret := func(field string, v *playbook.Value, file string) string {
		if firstErr != nil || (v == nil && file == "") {
			return ""
		}
		if file != "" {
			b, err := inputfile.Read(file) // a FIFO must not hang the run
			if err != nil {
				firstErr = fmt.Errorf("%s: cannot read %s_file: %w", field, field, err)
				return ""
			}
			return strings.TrimRight(string(b), "\r\n")
		}
		if env == nil {
			env = map[string]any{}
			for _, kv := range os.Environ() {
				k, val, _ := strings.Cut(kv, "=")
				env[k] = val
			}
		}
		out, err := v.Eval(playbook.Scope{"env": env})
		if err != nil {
			firstErr = fmt.Errorf("%s: %w", field, err)
			return ""
		}
		str, _ := out.(string)
		if str == "" {
			firstErr = fmt.Errorf("%s: %s resolved to an empty value; set the environment variable it names", field, v.Source())
		}
		return str
	}
	cred.CertificatePassword = secret("certificate_password", a.CertificatePassword, a.CertificatePasswordFile)
	cred.ClientSecret = secret("client_secret", a.ClientSecret, a.ClientSecretFile)
	cred.Password = secret("password", a.Password, a.PasswordFile)
	cred.AccessToken = secret("access_token", a.AccessToken, "")
	cred.RefreshToken = secret("refresh_token", a.RefreshToken, a.RefreshTokenFile)
	return cred, firstErr
}
