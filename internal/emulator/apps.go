package emulator

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"strings"

	"github.com/exoplay/exoplay/internal/emulator/entra"
)

// AppSpec registers an application in every tenant, in the form flags
// and scenario files give it. Its credentials are any of a secret,
// certificates (the public half is all the authority needs: it checks the
// client assertion's signature), and federated identity credentials that
// trust managed identity tokens.
type AppSpec struct {
	ClientID        string `yaml:"client_id"`
	Secret          string `yaml:"secret,omitempty"`
	CertificateFile string `yaml:"certificate_file,omitempty"` // PEM; every CERTIFICATE block is registered, keys are ignored
	// FederatedSubjects are managed identity object ids (the sub of their
	// tokens) this app accepts as client assertions; Federated alone trusts
	// the emulator's own managed identity (Emulator.ManagedIdentityObjectID).
	FederatedSubjects []string `yaml:"federated_subjects,omitempty"`
	Federated         bool     `yaml:"federated,omitempty"`
	// FederatedCredentials trust tokens of an external issuer, such as
	// a Kubernetes cluster's service account tokens (Workload Identity).
	FederatedCredentials []FederatedCredentialSpec `yaml:"federated_credentials,omitempty"`
	Public               bool                      `yaml:"public,omitempty"`
}

// FederatedCredentialSpec is a federated identity credential trusting an
// external issuer. Entra fetches the issuer's keys from its OIDC discovery
// document; the emulator reads them from IssuerKeyFile instead.
type FederatedCredentialSpec struct {
	Issuer   string `yaml:"issuer"`   // the token's iss, exactly (a cluster's OIDC issuer URL)
	Subject  string `yaml:"subject"`  // the token's sub, e.g. system:serviceaccount:NAMESPACE:NAME
	Audience string `yaml:"audience"` // default api://AzureADTokenExchange
	// IssuerKeyFile is a PEM file of the issuer's RSA public keys (PUBLIC
	// KEY or RSA PUBLIC KEY blocks) or certificates.
	IssuerKeyFile string `yaml:"issuer_key_file"`
}

// ParseCertApp reads the flag form CLIENT_ID=CERT_FILE.
func ParseCertApp(s string) (AppSpec, error) {
	id, file, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(id) == "" || strings.TrimSpace(file) == "" {
		return AppSpec{}, fmt.Errorf("certificate app %q: the form is CLIENT_ID=CERT_FILE", s)
	}
	return AppSpec{ClientID: strings.TrimSpace(id), CertificateFile: strings.TrimSpace(file)}, nil
}

// ParseFederatedApp reads the flag form CLIENT_ID[=SUBJECT]; without a
// subject the app trusts the emulator's own managed identity.
func ParseFederatedApp(s string) (AppSpec, error) {
	id, sub, hasSub := strings.Cut(s, "=")
	id, sub = strings.TrimSpace(id), strings.TrimSpace(sub)
	if id == "" || hasSub && sub == "" {
		return AppSpec{}, fmt.Errorf("federated app %q: the form is CLIENT_ID or CLIENT_ID=MANAGED_IDENTITY_OBJECT_ID", s)
	}
	if !hasSub {
		return AppSpec{ClientID: id, Federated: true}, nil
	}
	return AppSpec{ClientID: id, FederatedSubjects: []string{sub}}, nil
}

// app turns the spec into a registration; mi is the object id of the
// emulator's own managed identity.
func (s AppSpec) app(mi string) (entra.App, error) {
	if s.ClientID == "" {
		return entra.App{}, fmt.Errorf("emulator: an app has no client_id")
	}
	app := entra.App{ClientID: s.ClientID, Secret: s.Secret, Public: s.Public, FederatedSubjects: s.FederatedSubjects}
	if s.Federated {
		app.FederatedSubjects = append(app.FederatedSubjects, mi)
	}
	if s.CertificateFile != "" {
		certs, err := readCertificates(s.CertificateFile)
		if err != nil {
			return entra.App{}, fmt.Errorf("emulator: app %s: %w", s.ClientID, err)
		}
		app.Certificates = certs
	}
	for _, f := range s.FederatedCredentials {
		fic, err := f.credential()
		if err != nil {
			return entra.App{}, fmt.Errorf("emulator: app %s: %w", s.ClientID, err)
		}
		app.FederatedCredentials = append(app.FederatedCredentials, fic)
	}
	if app.Secret == "" && len(app.Certificates) == 0 && len(app.FederatedSubjects) == 0 && len(app.FederatedCredentials) == 0 && !app.Public {
		return entra.App{}, fmt.Errorf("emulator: app %s has no credential (secret, certificate_file, federated, federated_credentials or public)", s.ClientID)
	}
	return app, nil
}

// credential checks the spec and reads the issuer's keys.
func (f FederatedCredentialSpec) credential() (entra.FederatedCredential, error) {
	if f.Issuer == "" || f.Subject == "" || f.IssuerKeyFile == "" {
		return entra.FederatedCredential{}, fmt.Errorf("a federated credential needs issuer, subject and issuer_key_file")
	}
	fic := entra.FederatedCredential{Issuer: f.Issuer, Subject: f.Subject, Audience: f.Audience}
	err := readPEM(f.IssuerKeyFile, func(b *pem.Block) error {
		var key any
		var err error
		switch b.Type {
		case "PUBLIC KEY":
			key, err = x509.ParsePKIXPublicKey(b.Bytes)
		case "RSA PUBLIC KEY":
			key, err = x509.ParsePKCS1PublicKey(b.Bytes)
		case "CERTIFICATE":
			var c *x509.Certificate
			if c, err = x509.ParseCertificate(b.Bytes); err == nil {
				key = c.PublicKey
			}
		default:
			return nil
		}
		if err != nil {
			return err
		}
		if _, ok := key.(*rsa.PublicKey); !ok {
			return fmt.Errorf("the issuer key is %T; workload identity federation takes RS256 (RSA) tokens", key)
		}
		fic.IssuerKeys = append(fic.IssuerKeys, key)
		return nil
	})
	if err == nil && len(fic.IssuerKeys) == 0 {
		err = fmt.Errorf("%s holds no PEM PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE block", f.IssuerKeyFile)
	}
	return fic, err
}

func readCertificates(path string) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	err := readPEM(path, func(b *pem.Block) error {
		if b.Type != "CERTIFICATE" {
			return nil
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err == nil {
			certs = append(certs, c)
		}
		return err
	})
	if err == nil && len(certs) == 0 {
		err = fmt.Errorf("%s holds no PEM CERTIFICATE block", path)
	}
	return certs, err
}

// readPEM calls each for every PEM block of the file at path.
func readPEM(path string, each func(*pem.Block) error) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	for {
		var b *pem.Block
		if b, data = pem.Decode(data); b == nil {
			return nil
		}
		if err := each(b); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
}
