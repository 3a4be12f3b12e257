package auth

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/exoplay/exoplay/internal/inputfile"
)

// clientCertificate is a loaded certificate credential: the leaf first, then
// the rest of its chain.
type clientCertificate struct {
	chain []*x509.Certificate
	key   *rsa.PrivateKey
}

// loadCertificate reads a PFX (any MAC, including the SHA-256 of OpenSSL 3)
// or a PEM holding the certificate and an unencrypted RSA key, and checks the
// thumbprint when the credential gives one.
func loadCertificate(cred *Credential, now time.Time) (*clientCertificate, error) {
	data, err := inputfile.Read(cred.CertificateFile) // a FIFO must not hang the sign-in
	if err != nil {
		return nil, fmt.Errorf("cannot read certificate_file: %w", err)
	}
	var cc *clientCertificate
	if bytes.Contains(data, []byte("-----BEGIN")) {
		cc, err = parsePEMCertificate(data)
	} else {
		cc, err = parsePFX(data, cred.CertificatePassword)
	}
	if err != nil {
		return nil, fmt.Errorf("certificate_file %s: %w", cred.CertificateFile, err)
	}
	leaf := cc.chain[0]
	if want := normalizeThumbprint(cred.CertificateThumbprint); want != "" {
		if got := thumbprint(leaf); got != want {
			return nil, fmt.Errorf("certificate_file %s holds the certificate with thumbprint %s, not %s as certificate_thumbprint says", cred.CertificateFile, got, want)
		}
	}
	if now.After(leaf.NotAfter) {
		return nil, fmt.Errorf("the certificate in %s (thumbprint %s) expired on %s; create a new one and upload it to the app registration",
			cred.CertificateFile, thumbprint(leaf), leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	return cc, nil
}

// CertificateNotAfter is when the certificate of a certificate credential
// expires (zero for other methods). It reads the file as sign-in does but
// does not refuse an expired certificate: preflight reports it.
func CertificateNotAfter(cred *Credential) (time.Time, error) {
	if cred == nil || cred.CertificateFile == "" {
		return time.Time{}, nil
	}
	cc, err := loadCertificate(cred, time.Time{})
	if err != nil {
		return time.Time{}, err
	}
	return cc.chain[0].NotAfter, nil
}

func parsePFX(data []byte, password string) (*clientCertificate, error) {
	key, leaf, cas, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		if errors.Is(err, pkcs12.ErrIncorrectPassword) {
			return nil, errors.New("the PFX password (certificate_password) is wrong")
		}
		return nil, fmt.Errorf("not a readable PFX/PKCS#12 file (%v)", err)
	}
	rk, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("the PFX key is %T; Entra ID client certificates need an RSA key", key)
	}
	return &clientCertificate{chain: append([]*x509.Certificate{leaf}, cas...), key: rk}, nil
}

func parsePEMCertificate(data []byte) (*clientCertificate, error) {
	if bytes.Contains(data, []byte("ENCRYPTED PRIVATE KEY")) || bytes.Contains(data, []byte("DEK-Info:")) {
		return nil, errors.New("the PEM private key is encrypted; decrypt it (openssl pkey -in key.pem -out plain.pem) or use a PFX with certificate_password")
	}
	certs, key, err := confidential.CertFromPEM(data, "")
	if err != nil {
		return nil, fmt.Errorf("the PEM must hold the certificate and its private key (%v)", err)
	}
	rk, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("the PEM key is %T; Entra ID client certificates need an RSA key", key)
	}
	// Put the certificate of this key first: MSAL and the thumbprint check
	// both mean the leaf.
	for i, c := range certs {
		if pk, ok := c.PublicKey.(*rsa.PublicKey); ok && pk.Equal(&rk.PublicKey) {
			certs[0], certs[i] = certs[i], certs[0]
			return &clientCertificate{chain: certs, key: rk}, nil
		}
	}
	return nil, errors.New("no certificate in the PEM matches its private key")
}

// thumbprint is the SHA-1 hex digest the Entra portal shows.
func thumbprint(c *x509.Certificate) string {
	sum := sha1.Sum(c.Raw)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

func normalizeThumbprint(s string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "", ":", "", "-", "").Replace(strings.TrimSpace(s)))
}
