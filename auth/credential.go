package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// Sign-in methods, as written in a playbook's auth section.
const (
	MethodCertificate      = "certificate"
	MethodClientSecret     = "client_secret"
	MethodDeviceCode       = "device_code"
	MethodInteractive      = "interactive"
	MethodUsernamePassword = "username_password"
	MethodManagedIdentity  = "managed_identity"
	MethodAccessToken      = "access_token"
	MethodRefreshToken     = "refresh_token"
	MethodWorkloadIdentity = "workload_identity"
)

// ExchangePowerShellClientID is the public client of the ExchangeOnlineManagement
// module ("Microsoft Exchange REST API Based Powershell"), used by delegated
// methods when the credential names no client id.
const ExchangePowerShellClientID = "fb78d390-0c51-40cd-8e17-fdbfab77341b"

// Credential is one resolved credential: secrets are plain values here (the
// caller resolved ${{ env.X }} and *_file), and never leave this package in a
// message.
type Credential struct {
	Method   string
	ClientID string // empty for a delegated method: ExchangePowerShellClientID

	CertificateFile       string // PFX or PEM (certificate + RSA key)
	CertificatePassword   string
	CertificateThumbprint string // optional SHA-1 hex; checked against the file's certificate

	ClientSecret string

	Username, Password string

	ManagedIdentityClientID string // empty = system assigned
	Federated               bool   // the managed identity signs in as ClientID's federated credential

	// TokenFile (workload_identity) holds the Kubernetes service account
	// token the app's federated credential trusts; it is read again for
	// every token request, as the kubelet rotates it.
	TokenFile string

	AccessToken        string
	AccessTokenFile    string
	AccessTokenCommand []string

	RefreshToken string

	Name string // for messages
}

// Delegated reports whether the method signs in as a user.
func (c *Credential) Delegated() bool {
	switch c.Method {
	case MethodDeviceCode, MethodInteractive, MethodUsernamePassword, MethodRefreshToken:
		return true
	}
	return false
}

// CachesSignIn reports whether method signs in through an MSAL public client
// and so keeps its sign-in in the on-disk delegated cache (what
// `exoplay auth login` fills and Manager.TenantStatus reads).
func CachesSignIn(method string) bool {
	switch method {
	case MethodDeviceCode, MethodInteractive, MethodUsernamePassword:
		return true
	}
	return false
}

// usesPublicClient reports whether the credential goes through an MSAL
// public client (and therefore the on-disk delegated cache).
func (c *Credential) usesPublicClient() bool { return CachesSignIn(c.Method) }

// clientID is the app the credential signs in with.
func (c *Credential) clientID() string {
	if c.ClientID == "" && c.Delegated() {
		return ExchangePowerShellClientID
	}
	return c.ClientID
}

// label names the credential in messages.
func (c *Credential) label() string {
	if c.Name != "" {
		return fmt.Sprintf("auth %q (%s)", c.Name, c.Method)
	}
	return "auth (" + c.Method + ")"
}

// secrets lists the values that must never appear in a message.
func (c *Credential) secrets() []string {
	return []string{c.CertificatePassword, c.ClientSecret, c.Password, c.AccessToken, c.RefreshToken}
}

// validate checks that the fields the method needs are present.
func (c *Credential) validate() error {
	need := func(ok bool, what string) error {
		if ok {
			return nil
		}
		return fmt.Errorf("%s needs %s", c.label(), what)
	}
	switch c.Method {
	case MethodCertificate:
		if err := need(c.ClientID != "", "client_id"); err != nil {
			return err
		}
		return need(c.CertificateFile != "", "certificate_file (a PFX or a PEM with the certificate and its RSA key)")
	case MethodClientSecret:
		if err := need(c.ClientID != "", "client_id"); err != nil {
			return err
		}
		return need(c.ClientSecret != "", "client_secret (or client_secret_file); it resolved to nothing")
	case MethodDeviceCode, MethodInteractive:
		return nil
	case MethodUsernamePassword:
		if err := need(c.Username != "", "username"); err != nil {
			return err
		}
		return need(c.Password != "", "password (or password_file); it resolved to nothing")
	case MethodManagedIdentity:
		return need(!c.Federated || c.ClientID != "", "client_id (the multi-tenant app the managed identity is a federated credential of)")
	case MethodWorkloadIdentity:
		if err := need(c.ClientID != "", "client_id: the playbook gives none and $"+EnvClientID+" is not set (the Workload Identity webhook sets it from the service account's azure.workload.identity/client-id annotation)"); err != nil {
			return err
		}
		return need(c.TokenFile != "", "token_file: the playbook gives none and $"+EnvFederatedTokenFile+" is not set (the Workload Identity webhook sets it in pods labelled azure.workload.identity/use: \"true\")")
	case MethodAccessToken:
		return need(c.AccessToken != "" || c.AccessTokenFile != "" || len(c.AccessTokenCommand) > 0,
			"access_token, access_token_file or access_token_command")
	case MethodRefreshToken:
		return need(c.RefreshToken != "", "refresh_token (or refresh_token_file); it resolved to nothing")
	case "":
		return fmt.Errorf("%s: no method", c.label())
	}
	return fmt.Errorf("%s: unknown method %q (valid: certificate, client_secret, device_code, interactive, username_password, managed_identity, workload_identity, access_token, refresh_token)", c.label(), c.Method)
}

// key identifies the credential by content, so that two equal credentials
// share one MSAL client. Secrets go through SHA-256 and are not kept.
func (c *Credential) key() string {
	h := sha256.New()
	for _, s := range []string{
		c.Method, c.clientID(), c.CertificateFile, c.CertificatePassword, strings.ToLower(c.CertificateThumbprint),
		c.ClientSecret, strings.ToLower(c.Username), c.Password, c.ManagedIdentityClientID, fmt.Sprint(c.Federated),
		c.AccessToken, c.AccessTokenFile, strings.Join(c.AccessTokenCommand, "\x00"), c.RefreshToken, c.TokenFile,
	} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
