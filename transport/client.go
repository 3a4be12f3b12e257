package transport

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/exoplay/exoplay/cmdlet"
	"github.com/exoplay/exoplay/internal/wait"
)

// TokenSource hands out bearer tokens for one tenant and one service
// resource. forceRefresh asks for a token that does not come from a cache
// (after a 401). Package auth satisfies it.
type TokenSource interface {
	Token(ctx context.Context, forceRefresh bool) (string, error)
}

// ClaimsTokenSource is a TokenSource that can ask for a token satisfying a
// claims challenge: the claims of a 401's WWW-Authenticate (continuous
// access evaluation), which the module passes to its next token request
// (exo-rest-protocol.md §10.11). auth.Source satisfies it; a TokenSource
// without it gets Token(ctx, true) instead, which a challenge may refuse
// again.
type ClaimsTokenSource interface {
	TokenSource
	TokenWithClaims(ctx context.Context, claims string) (string, error)
}

// Limiter gates each HTTP attempt: cmdlet.Limiter, the one interface the
// runner's per-organization semaphore satisfies.
type Limiter = cmdlet.Limiter

// Clock is the time source of retries and backoff; tests inject a fake one.
type Clock interface {
	Now() time.Time
	// Sleep waits d, returning early with ctx.Err() when ctx is done.
	Sleep(ctx context.Context, d time.Duration) error
}

// Options configure a Client. The zero value is usable.
type Options struct {
	// HTTPClient sends the requests; nil means a client with a tuned
	// transport. Its redirect policy is replaced: the client follows
	// redirects itself, re-attaching the token only within the host family.
	HTTPClient *http.Client
	Clock      Clock  // nil = wall clock
	UserAgent  string // default "exoplay"
	PageSize   int    // Prefer: odata.maxpagesize; default and maximum 1000
	// MaxRetries is how many times a transient failure is retried after the
	// first attempt (default 3; negative means none). Throttled answers have
	// a budget of their own; see the package doc.
	MaxRetries int
	// MaxElapsed bounds the time one call spends retrying and waiting
	// (default 10 minutes).
	MaxElapsed time.Duration
	// BackoffBase and BackoffMax shape the jittered exponential backoff
	// (defaults 1 s and 2 min).
	BackoffBase, BackoffMax time.Duration
	// MaxAnswerBytes bounds one answer (a page, a $batch round) after
	// decompression; past it the call fails with code AnswerTooLarge
	// (default DefaultMaxAnswerBytes).
	MaxAnswerBytes int64
	Logger         zerolog.Logger // zero value = no logging
}

// Defaults applied by New.
const (
	DefaultPageSize    = 1000
	DefaultMaxRetries  = 3
	DefaultMaxElapsed  = 10 * time.Minute
	DefaultBackoffBase = time.Second
	DefaultBackoffMax  = 2 * time.Minute
	// minThrottleWaits is the least number of 429 waits one request may do.
	minThrottleWaits = 10
	maxRedirects     = 3
	maxBatchItems    = 10
	clientApp        = "exoplay"
)

// Service selects the Exchange Online or the Security & Compliance endpoint.
type Service int

const (
	Exchange Service = iota
	Compliance
)

func (s Service) String() string {
	if s == Compliance {
		return "compliance"
	}
	return "exchange"
}

// Endpoint is one tenant on one service.
type Endpoint struct {
	BaseURL string // service origin, e.g. https://outlook.office365.com
	Tenant  string // the URL segment: tenant GUID or initial domain
	// TenantID is the tenant GUID when Tenant is a domain (from the token's
	// tid); it completes the MBX:<guid>@<tenant GUID> anchors of
	// mailbox-routed calls. "" with a domain Tenant: GUID identities get no
	// mailbox anchor.
	TenantID string
	Service  Service // Compliance follows and remembers the regional redirect
	Tokens   TokenSource
	// Anchor is the default X-AnchorMailbox, e.g. AppAnchor(tenant) for app-only
	// and partner access or UserAnchor(upn) for delegated sign-in; "" means
	// AppAnchor(Tenant).
	Anchor  string
	Limiter Limiter // nil = no gate
}

// Request is one cmdlet call.
type Request struct {
	Cmdlet     string
	Parameters map[string]any
	// Select is sent as $select (property names as given).
	Select []string
	// ResultSize > 0 stops after that many objects even when the service
	// offers more. 0 takes ResultSize from Parameters (an integer stops there,
	// "Unlimited" follows every page); when absent every page is followed.
	// It is a client-side limit: it is not added to Parameters.
	ResultSize int
	Anchor     string        // X-AnchorMailbox override for this call
	Retries    *int          // nil = Options.MaxRetries
	Timeout    time.Duration // whole call, retries included; 0 = none
}

// Stats describe what one call cost: cmdlet.Stats, which the runner reads
// as it is.
type Stats = cmdlet.Stats

// Client runs cmdlets. It is safe for concurrent use.
type Client struct {
	hc        *http.Client
	rt        http.RoundTripper // hc's transport, called directly when hc adds nothing (no jar, no timeout)
	clock     Clock
	ua        string
	uaHdr     []string // {ua}, shared by every request
	prefer    string   // the Prefer header of a call without a smaller limit
	pageSize  int
	retries   int
	elapsed   time.Duration
	base      time.Duration
	max       time.Duration
	maxAnswer int64
	log       zerolog.Logger
	jitter    func() float64 // in [0,1); tests pin it

	mu          sync.Mutex
	regional    map[string]string // remembered regional origin per service|base|tenant
	anyRegional atomic.Bool       // regional is not empty: most runs never look it up

	omu     sync.RWMutex
	origins map[string]origin // parsed base URLs
}

// New returns a client with opts' defaults filled in.
func New(opts Options) *Client {
	c := &Client{
		clock:     opts.Clock,
		ua:        opts.UserAgent,
		pageSize:  opts.PageSize,
		retries:   opts.MaxRetries,
		elapsed:   opts.MaxElapsed,
		base:      opts.BackoffBase,
		max:       opts.BackoffMax,
		log:       opts.Logger,
		maxAnswer: opts.MaxAnswerBytes,
		jitter:    defaultJitter,
		regional:  map[string]string{},
		origins:   map[string]origin{},
	}
	if c.clock == nil {
		c.clock = wallClock{}
	}
	if c.ua == "" {
		c.ua = clientApp
	}
	c.uaHdr = []string{c.ua}
	if c.pageSize <= 0 || c.pageSize > DefaultPageSize {
		c.pageSize = DefaultPageSize
	}
	c.prefer = preferPageSize(c.pageSize)
	switch {
	case c.retries == 0:
		c.retries = DefaultMaxRetries
	case c.retries < 0:
		c.retries = 0
	}
	if c.maxAnswer <= 0 {
		c.maxAnswer = DefaultMaxAnswerBytes
	}
	if c.elapsed <= 0 {
		c.elapsed = DefaultMaxElapsed
	}
	if c.base <= 0 {
		c.base = DefaultBackoffBase
	}
	if c.max <= 0 {
		c.max = DefaultBackoffMax
	}
	if c.max < c.base {
		c.max = c.base
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: defaultTransport()}
	}
	cp := *hc // never mutate the caller's client
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.hc = &cp
	if cp.Jar == nil && cp.Timeout == 0 {
		// http.Client would only copy the headers (for redirects, which
		// the client follows itself) and wrap errors: skip it.
		c.rt = cp.Transport
		if c.rt == nil {
			c.rt = http.DefaultTransport
		}
	}
	return c
}

// send is http.Client.Do without what the client does not use.
func (c *Client) send(req *http.Request) (*http.Response, error) {
	if c.rt == nil {
		return c.hc.Do(req)
	}
	resp, err := c.rt.RoundTrip(req)
	if err != nil {
		return nil, &url.Error{Op: "Post", URL: req.URL.Redacted(), Err: err}
	}
	if resp == nil {
		return nil, &url.Error{Op: "Post", URL: req.URL.Redacted(), Err: fmt.Errorf("http: RoundTripper implementation (%T) returned a nil *Response with a nil error", c.rt)}
	}
	if resp.Body == nil {
		resp.Body = http.NoBody
	}
	return resp, nil
}

func defaultTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) Sleep(ctx context.Context, d time.Duration) error { return wait.Sleep(ctx, d) }
