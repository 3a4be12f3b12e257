package connect

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/exoplay/exoplay/internal/cassette"
	"github.com/exoplay/exoplay/internal/inputfile"
)

// CAFileEnv names a PEM file of extra CA certificates to trust, like --ca-file.
const CAFileEnv = "EXOPLAY_CA_FILE"

// Network is how a command reaches Entra ID and Exchange Online: whom it
// trusts and where it dials. Every command builds its one *http.Client
// here, and auth (MSAL) and transport share it, so a token request and the
// cmdlet call it pays for go the same way.
type Network struct {
	// ConnectTo holds --connect-to values (each may list several rules,
	// comma-separated). Rules from $EXOPLAY_CONNECT_TO follow them, so a
	// flag wins over the environment for the same address.
	ConnectTo []string
	// CAFile is --ca-file: a PEM file whose certificates are trusted besides
	// the system's. "" = $EXOPLAY_CA_FILE.
	CAFile string
	// CAs are further PEM certificates to trust, given in-process.
	CAs [][]byte
	// NoSystemRoots leaves the system's CA bundle out (parsing it costs
	// ~10 ms of CPU): for a run whose every host is dialled to a server
	// whose CA is in CAs. Ignored when there is nothing else to trust.
	NoSystemRoots bool
	// InFlight is how many requests may run at once; that many connections
	// per host are kept open (at least 16): every tenant of a cloud shares
	// one Exchange host, and fewer would churn a TLS handshake per call.
	InFlight int
	// Getenv reads the environment; nil = os.Getenv (tests inject one).
	Getenv func(string) string
	// Record, when set, writes every exchange of the client (token
	// requests, InvokeCommand, paging, $batch) as a cassette, secrets
	// removed (run --record). It wraps the one client, so a recording goes
	// the same way to Microsoft and to the emulator.
	Record *cassette.Recorder
}

// Rules returns the dial rules: the flags', then the environment's.
func (n Network) Rules() (Rules, error) {
	getenv := n.getenv()
	flagRules, err := ParseRules(n.ConnectTo...)
	if err != nil {
		return nil, err
	}
	envRules, err := ParseRules(getenv(ConnectToEnv))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ConnectToEnv, err)
	}
	return append(Rules(flagRules), envRules...), nil
}

func (n Network) getenv() func(string) string {
	if n.Getenv != nil {
		return n.Getenv
	}
	return os.Getenv
}

// Client builds the HTTP client.
func (n Network) Client() (*http.Client, error) {
	rules, err := n.Rules()
	if err != nil {
		return nil, err
	}
	caFile, caFlag := n.CAFile, "--ca-file"
	if caFile == "" {
		caFile, caFlag = n.getenv()(CAFileEnv), CAFileEnv
	}
	pems := n.CAs
	if caFile != "" {
		b, err := inputfile.Read(caFile) // a FIFO must not hang the run
		if err != nil {
			return nil, fmt.Errorf("%s: %w", caFlag, err)
		}
		pems = append([][]byte{b}, pems...)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if len(pems) > 0 {
		pool := x509.NewCertPool()
		if !n.NoSystemRoots || caFile != "" {
			if sys, err := x509.SystemCertPool(); err == nil && sys != nil {
				pool = sys
			}
		}
		for i, pem := range pems {
			if !pool.AppendCertsFromPEM(pem) {
				if i == 0 && caFile != "" {
					return nil, fmt.Errorf("%s: %s holds no PEM certificate", caFlag, caFile)
				}
				return nil, errors.New("a CA given in-process holds no PEM certificate")
			}
		}
		// Only where connections go may change: the certificate is still
		// checked against the host name of the URL.
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	if len(rules) > 0 {
		d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
		tr.DialContext = rules.dialer(d.DialContext)
		// A mapped address is dialled directly: the rule already says where
		// the service is, and a proxy would dial the original name.
		proxy := tr.Proxy
		tr.Proxy = func(r *http.Request) (*url.URL, error) {
			if _, ok := rules.Target(requestAddr(r.URL)); ok || proxy == nil {
				return nil, nil
			}
			return proxy(r)
		}
	}
	tr.MaxIdleConnsPerHost = max(n.InFlight, 16)
	tr.MaxIdleConns = 2 * tr.MaxIdleConnsPerHost
	if n.Record != nil {
		return &http.Client{Transport: n.Record.Wrap(tr)}, nil
	}
	return &http.Client{Transport: tr}, nil
}

// requestAddr is host:port of u, with the scheme's default port.
func requestAddr(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "443"
		if u.Scheme == "http" {
			port = "80"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}
