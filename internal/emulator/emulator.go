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
	"github.com/exoplay/exoplay/internal/emulator/replay"
)

// Emulator is a running emulator. It answers every host name of the
// service (login.microsoftonline.com, outlook.office365.com,
// ps.compliance.protection.outlook.com, <region>.ps.compliance..., and the
// other clouds' names) on one TLS port, routed by host name: a client
// reaches it with the production URLs by dialling them to Addr (ConnectTo)
// and trusting CACertPEM.
type Emulator struct {
	Addr      string // host:port of the listener
	ConnectTo string // the curl-style --connect-to rule that sends every host to Addr: "::host:port"
	CACertPEM []byte // the CA that signed the listener's certificate

	DemoClientID       string // confidential app with Exchange.ManageAsApp in every tenant
	DemoSecret         string // its client secret (random per Start)
	DemoPublicClientID string // public client for delegated flows
	IdentityEndpoint   string // managed identity endpoint (IDENTITY_ENDPOINT), by address: it is a platform URL
	IdentityHeader     string // its secret (IDENTITY_HEADER)
	// The system-assigned managed identity: its client id, and its object
	// id (the sub of its tokens, which federated apps trust).
	ManagedIdentityClientID, ManagedIdentityObjectID string

	tenants   []TenantInfo
	authority *entra.Authority
	dir       *directory.Store
	front     *exchange.Server
	server    *http.Server
	fresh     freshConns // connections that have not sent a request yet
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

// Start generates the tenants and serves TLS on one listener.
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
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(opts.Port)))
	if err != nil {
		return nil, fmt.Errorf("emulator: listen on %s: %w", net.JoinHostPort(host, strconv.Itoa(opts.Port)), err)
	}
	ok := false
	defer func() {
		if !ok {
			ln.Close()
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
	addr := net.JoinHostPort(shown, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	e := &Emulator{
		Addr: addr, ConnectTo: "::" + addr, CACertPEM: pk.caPEM,
		DemoClientID: DemoClientID, DemoSecret: randomString(24), DemoPublicClientID: DemoPublicClientID,
		IdentityHeader: opts.IdentityHeader, IdentityEndpoint: "https://" + addr + "/msi/token",
	}
	if e.IdentityHeader == "" {
		e.IdentityHeader = randomString(16)
	}

	eo := entra.Options{
		Resources:       resources(),
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
		mi := TenantID("managed-identity:" + specs[0].Domain)
		eo.ManagedIdentities = []entra.ManagedIdentity{{ClientID: mi, ObjectID: TenantID("managed-identity-object:" + mi), TenantID: specs[0].ID}}
	}
	if eo.ManagedIdentities[0].ObjectID == "" {
		eo.ManagedIdentities[0].ObjectID = TenantID("managed-identity-object:" + eo.ManagedIdentities[0].ClientID)
	}
	e.ManagedIdentityClientID, e.ManagedIdentityObjectID = eo.ManagedIdentities[0].ClientID, eo.ManagedIdentities[0].ObjectID
	for _, spec := range opts.AppSpecs {
		app, err := spec.app(e.ManagedIdentityObjectID)
		if err != nil {
			return nil, err
		}
		eo.Apps = append(eo.Apps, app)
	}
	// No base URL: the authority names itself after the host it was asked
	// at (login.microsoftonline.com, login.microsoftonline.us, ...), as
	// each cloud's Entra does.
	if e.authority, err = entra.New(eo); err != nil {
		return nil, err
	}

	var replayFn exchange.ReplayFunc
	if opts.Replay != "" {
		book, err := replay.Load(opts.Replay)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrReplay, err)
		}
		replayFn = func(tenant, cmdlet string, params map[string]any, skip string) (int, string, []byte, bool) {
			a, ok := book.Answer(tenant, cmdlet, params, skip)
			return a.Status, a.ContentType, a.Body, ok
		}
	}
	e.front, err = exchange.New(exchange.Config{
		Backend: dirBackend{e.dir}, Verifier: verifier(e.authority), AuthorityURL: "https://login.microsoftonline.com",
		Seed: opts.Seed, Latency: opts.Latency, ConcurrencyCap: opts.ConcurrencyCap, RetryAfter: opts.RetryAfter,
		Rate: opts.RateBudget, Faults: opts.Faults, PageSize: opts.PageSize, NextLinkTTL: opts.NextLinkTTL, Now: opts.Now,
		Strict: opts.Strict, Replay: replayFn,
	})
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}

	errLog := opts.ErrorLog
	if errLog == nil {
		errLog = io.Discard
	}
	var al *accessLog
	if opts.AccessLog != nil {
		al = &accessLog{w: opts.AccessLog}
	}
	e.server = &http.Server{
		Handler: newRouter(delayed(e.authority.Handler(), opts.AuthorityLatency), e.front, al),
		// HTTP/1.1 only: Close then never waits on HTTP/2 GOAWAY handshakes of
		// clients it does not own, and the reset fault can hijack the connection.
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{pk.server}, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}},
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(errLog, "emulator: ", 0),
		ConnState:         e.fresh.track,
	}
	go e.server.ServeTLS(ln, "", "")

	// Our own client dials every host name to the listener, as a client
	// given ConnectTo does.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pk.pool, MinVersion: tls.VersionTLS12}
	tr.MaxIdleConnsPerHost = 64
	d := &net.Dialer{Timeout: 10 * time.Second}
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}
	tr.Proxy = nil
	e.client = &http.Client{Transport: tr}
	ok = true
	return e, nil
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
		// So would a client's connection that never sent a request (a
		// transport dials a spare when requests race for connections):
		// net/http waits 5 s before it counts one as idle. It carries no
		// request, so closing it now cuts nothing short.
		e.fresh.closeAll()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := e.server.Shutdown(ctx); err != nil {
			e.closeErr = errors.Join(err, e.server.Close())
		}
	})
	return e.closeErr
}

// HTTPClient returns a client that trusts the emulator's CA and dials every
// host name to it (use the service's URLs with it). It is shared:
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

// delayed answers after d (AuthorityLatency); the wait ends early when the
// client goes away.
// behaviour entra.latency (internal/emulator/BEHAVIOURS.md)
func delayed(h http.Handler, d time.Duration) http.Handler {
	if d <= 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
		h.ServeHTTP(w, r)
	})
}
