package emulator

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/exoplay/exoplay/internal/emulator/directory"
	"github.com/exoplay/exoplay/internal/emulator/entra"
	"github.com/exoplay/exoplay/internal/emulator/exchange"
)

// Emulator is a running emulator. Its URLs are origins (https://host:port).
type Emulator struct {
	AuthorityURL          string // Entra: tenants at AuthorityURL/<tenant>
	ExchangeURL           string // Exchange REST; also the Exchange token resource
	ComplianceURL         string // Security & Compliance front door; also its token resource
	ComplianceRegionalURL string // where the front door redirects
	CACertPEM             []byte // the CA that signed every listener's certificate

	DemoClientID       string // confidential app with Exchange.ManageAsApp in every tenant
	DemoSecret         string // its client secret (random per Start)
	DemoPublicClientID string // public client for delegated flows
	IdentityEndpoint   string // managed identity endpoint (IDENTITY_ENDPOINT)
	IdentityHeader     string // its secret (IDENTITY_HEADER)

	tenants   []TenantInfo
	authority *entra.Authority
	dir       *directory.Store
	front     *exchange.Server
	servers   []*http.Server
	client    *http.Client
	closeOnce sync.Once
	closeErr  error
}

// TenantInfo identifies one emulated tenant.
type TenantInfo struct {
	ID       string `json:"id"`
	Domain   string `json:"domain"`
	AdminUPN string `json:"admin_upn"` // admin@<domain>, password DemoUserPassword
}

// Counters is what the emulator saw: the Exchange side's counters (by
// tenant: requests by cmdlet, in-flight maxima, 429s, writes; violations)
// and the authority's (token requests by tenant and grant).
type Counters struct {
	exchange.Counters
	Tokens entra.Counters
}

// Start generates the tenants and serves TLS on four listeners: authority,
// Exchange, compliance front door, compliance regional host.
func Start(opts Options) (*Emulator, error) {
	specs, err := opts.tenants()
	if err != nil {
		return nil, err
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	host := opts.Addr
	if host == "" {
		host = "127.0.0.1"
	}
	lns, err := listen(host, opts.BasePort)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			for _, l := range lns {
				l.Close()
			}
		}
	}()
	pk, err := newPKI(host, now())
	if err != nil {
		return nil, err
	}
	shown := host
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		shown = "127.0.0.1"
	}
	origin := func(l net.Listener) string {
		return "https://" + net.JoinHostPort(shown, strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	}
	e := &Emulator{
		AuthorityURL: origin(lns[0]), ExchangeURL: origin(lns[1]), ComplianceURL: origin(lns[2]), ComplianceRegionalURL: origin(lns[3]),
		CACertPEM:    pk.caPEM,
		DemoClientID: DemoClientID, DemoSecret: randomString(24), DemoPublicClientID: DemoPublicClientID,
		IdentityHeader: opts.IdentityHeader,
	}
	if e.IdentityHeader == "" {
		e.IdentityHeader = randomString(16)
	}
	e.IdentityEndpoint = e.AuthorityURL + "/msi/token"

	eo := entra.Options{
		Resources:       []string{e.ExchangeURL, e.ComplianceURL},
		TokenLifetime:   opts.TokenLifetime,
		EarlyExpiry:     opts.TokenEarlyExpiry,
		DeviceCodePolls: opts.DeviceCodePolls,
		IdentityHeader:  e.IdentityHeader,
		Now:             opts.Now,
		Apps: append([]entra.App{
			{ClientID: DemoClientID, Secret: e.DemoSecret},
			{ClientID: DemoPublicClientID, Public: true},
		}, opts.Apps...),
		ManagedIdentities: opts.ManagedIdentities,
	}
	e.dir = directory.New(directory.Options{Seed: opts.Seed, ReplicationDelay: opts.ReplicationDelay, Now: opts.Now})
	for _, t := range specs {
		e.dir.AddTenant(directory.TenantSpec{ID: t.ID, Domain: t.Domain, Mailboxes: t.Mailboxes})
		eo.Tenants = append(eo.Tenants, entra.Tenant{ID: t.ID, Domain: t.Domain})
		admin := "admin@" + t.Domain
		eo.Users = append(eo.Users, entra.User{UPN: admin, Password: DemoUserPassword, TenantID: t.ID})
		e.tenants = append(e.tenants, TenantInfo{ID: t.ID, Domain: t.Domain, AdminUPN: admin})
	}
	eo.Users = append(eo.Users, opts.Users...)
	if eo.ManagedIdentities == nil {
		eo.ManagedIdentities = []entra.ManagedIdentity{{ClientID: TenantID("managed-identity:" + specs[0].Domain), TenantID: specs[0].ID}}
	}
	if e.authority, err = entra.New(eo); err != nil {
		return nil, err
	}
	e.authority.SetBaseURL(e.AuthorityURL)

	e.front, err = exchange.New(exchange.Config{
		Backend: dirBackend{e.dir}, Verifier: verifier(e.authority), AuthorityURL: e.AuthorityURL,
		Seed: opts.Seed, Latency: opts.Latency, ConcurrencyCap: opts.ConcurrencyCap, RetryAfter: opts.RetryAfter,
		Rate: opts.RateBudget, Faults: opts.Faults, PageSize: opts.PageSize, NextLinkTTL: opts.NextLinkTTL, Now: opts.Now,
		Strict: opts.Strict,
	})
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}

	errLog := opts.ErrorLog
	if errLog == nil {
		errLog = io.Discard
	}
	handlers := []http.Handler{
		e.authority.Handler(),
		e.front.Handler(exchange.Exchange, e.ExchangeURL, e.ExchangeURL),
		e.front.FrontDoor(e.ComplianceRegionalURL),
		e.front.Handler(exchange.Compliance, e.ComplianceRegionalURL, e.ComplianceURL),
	}
	if opts.AccessLog != nil {
		al := &accessLog{w: opts.AccessLog}
		for i, name := range []string{"authority", "exchange", "ipps-door", "ipps"} {
			handlers[i] = al.wrap(name, handlers[i])
		}
	}
	for i, h := range handlers {
		srv := &http.Server{
			Handler: h,
			// HTTP/1.1 only: Close then never waits on HTTP/2 GOAWAY handshakes of
			// clients it does not own, and the reset fault can hijack the connection.
			TLSConfig:         &tls.Config{Certificates: []tls.Certificate{pk.server}, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}},
			TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){},
			ReadHeaderTimeout: 30 * time.Second,
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          log.New(errLog, "emulator: ", 0),
		}
		e.servers = append(e.servers, srv)
		go srv.ServeTLS(lns[i], "", "")
	}

	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pk.pool, MinVersion: tls.VersionTLS12}
	tr.MaxIdleConnsPerHost = 64
	e.client = &http.Client{Transport: tr}
	ok = true
	return e, nil
}

func listen(host string, base int) ([]net.Listener, error) {
	lns := make([]net.Listener, 0, 4)
	for i := range 4 {
		port := 0
		if base > 0 {
			port = base + i
		}
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			for _, x := range lns {
				x.Close()
			}
			return nil, fmt.Errorf("emulator: listen on %s: %w", net.JoinHostPort(host, strconv.Itoa(port)), err)
		}
		lns = append(lns, l)
	}
	return lns, nil
}

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Close stops the listeners, letting requests in progress finish for up to 5 s.
func (e *Emulator) Close() error {
	e.closeOnce.Do(func() {
		// Our own client's idle connections would otherwise hold Shutdown up.
		e.client.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var errs []error
		for _, s := range e.servers {
			if err := s.Shutdown(ctx); err != nil {
				errs = append(errs, err, s.Close())
			}
		}
		e.closeErr = errors.Join(errs...)
	})
	return e.closeErr
}

// HTTPClient returns a client that trusts the emulator's CA. It is shared:
// do not change it; clone its Transport for variations.
func (e *Emulator) HTTPClient() *http.Client { return e.client }

// WriteCAFile writes the CA certificate (PEM) to dir/exoplay-emulator-ca.pem
// and returns the path.
func (e *Emulator) WriteCAFile(dir string) (string, error) {
	p := filepath.Join(dir, "exoplay-emulator-ca.pem")
	if err := os.WriteFile(p, e.CACertPEM, 0o644); err != nil {
		return "", fmt.Errorf("emulator: write CA file: %w", err)
	}
	return p, nil
}

// Tenants lists the emulated tenants in the order of Options.Tenants.
func (e *Emulator) Tenants() []TenantInfo { return append([]TenantInfo(nil), e.tenants...) }

// Counters returns a snapshot of the Exchange-side and authority counters.
func (e *Emulator) Counters() Counters {
	return Counters{Counters: e.front.Counters(), Tokens: e.authority.Counters()}
}

// SetStrictness relaxes strict behaviours or picks answer forms (BEHAVIOURS.md).
func (e *Emulator) SetStrictness(st Strictness) error { return e.front.SetStrictness(st) }

// SetFaults replaces the fault rules while running.
func (e *Emulator) SetFaults(f FaultSpec) error { return e.front.SetFaults(f) }

// SetLatency replaces the latency distribution while running.
func (e *Emulator) SetLatency(l LatencySpec) { e.front.SetLatency(l) }

// SetConcurrencyCap changes the per-tenant cap (0 = 3, < 0 = unlimited).
func (e *Emulator) SetConcurrencyCap(n int) { e.front.SetConcurrencyCap(n) }

// SetRateBudget changes the per-tenant rate budget.
func (e *Emulator) SetRateBudget(b RateBudget) { e.front.SetRateBudget(b) }

// SetPageSize changes the default page size.
func (e *Emulator) SetPageSize(n int) { e.front.SetPageSize(n) }

// SetNextLinkTTL changes how long nextLinks stay valid.
func (e *Emulator) SetNextLinkTTL(d time.Duration) { e.front.SetNextLinkTTL(d) }

// Authority is the Entra authority (add apps and users, issue refresh tokens, token knobs).
func (e *Emulator) Authority() *entra.Authority { return e.authority }

// Directory is the tenants' data.
func (e *Emulator) Directory() *directory.Store { return e.dir }
