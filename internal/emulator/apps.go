package emulator

import (
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
	Public            bool     `yaml:"public,omitempty"`
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
	if app.Secret == "" && len(app.Certificates) == 0 && len(app.FederatedSubjects) == 0 && !app.Public {
		return entra.App{}, fmt.Errorf("emulator: app %s has no credential (secret, certificate_file, federated or public)", s.ClientID)
	}
	return app, nil
}

func readCertificates(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s holds no PEM CERTIFICATE block", path)
	}
	return certs, nil
}
