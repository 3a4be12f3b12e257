package transport

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/exoplay/exoplay/internal/category"
)

// errCallTimeout is the cause of a call's own deadline (Request.Timeout), to
// tell it from the caller's cancellation.
var errCallTimeout = errors.New("call timeout")

// outcomeNote starts the text added to an error of a write that was not
// replayed.
const outcomeNote = "; the outcome is unknown: "

// call is the state one Invoke or one Batch shares across its HTTP
// requests: the endpoint, the retry budgets and the stats being filled.
type call struct {
	c          *Client
	ep         *Endpoint
	origin     *url.URL // the endpoint's base: the token's host family
	originStr  string
	cmdlet     string // for messages; "$batch" for a batch
	write      bool
	replayable bool
	retries    int
	timeout    time.Duration
	deadline   time.Time // MaxElapsed
	stats      *Stats

	rs           retryState // the retry rule's memory (budget restarted per page)
	forceRefresh bool       // the next token is a refreshed one
	claims       string     // a claims challenge the next token must satisfy

	// bodyFor, when set, renders the body for the token of each attempt
	// (a $batch carries the token inside every item).
	bodyFor func(tok string) []byte

	// hdr is sent on every request of the call; headersWith adds the token.
	hdr     http.Header
	hdrTok  string // the token hdr carries, once authorized
	hdrAuth bool
}

// headersWith returns the call's headers carrying tok, built once and
// reused by every page and retry while the token stays the same. A map
// that was handed to the transport is never changed (it may still be
// reading it): a new token gets a copy.
func (cl *call) headersWith(tok string) http.Header {
	if cl.hdrAuth && cl.hdrTok == tok {
		return cl.hdr
	}
	h := cl.hdr
	if cl.hdrAuth {
		h = maps.Clone(h)
	}
	h["Authorization"] = []string{"Bearer " + tok}
	cl.hdr, cl.hdrTok, cl.hdrAuth = h, tok, true
	return h
}

func (c *Client) newCall(ep *Endpoint, cmdlet string, write, replayable bool, retries *int, timeout time.Duration, st *Stats) (*call, error) {
	if ep == nil || ep.Tokens == nil {
		return nil, &Error{Category: category.Unknown, Cmdlet: cmdlet, Code: "NoEndpoint", Message: "no endpoint or token source given"}
	}
	if ep.Tenant == "" {
		return nil, &Error{Category: category.Validation, Cmdlet: cmdlet, Code: "NoTenant", Message: "the endpoint has no tenant"}
	}
	origin, err := c.parsedOrigin(ep.BaseURL)
	if err != nil {
		return nil, &Error{Category: category.Validation, Cmdlet: cmdlet, Code: "BadServiceURL", Message: err.Error()}
	}
	r := c.retries
	if retries != nil {
		r = max(*retries, 0)
	}
	return &call{c: c, ep: ep, origin: origin.u, originStr: origin.s, cmdlet: cmdlet, write: write, replayable: replayable,
		retries: r, timeout: timeout, deadline: c.clock.Now().Add(c.elapsed), stats: st}, nil
}

// origin is a checked service base URL and its string form.
type origin struct {
	u *url.URL // read only: shared by every call to this base
	s string
}

// maxOrigins bounds the cache of parsed base URLs (a run has one or two
// per cloud).
const maxOrigins = 64

// parsedOrigin is parseOrigin, remembered per base URL.
func (c *Client) parsedOrigin(base string) (origin, error) {
	c.omu.RLock()
	o, ok := c.origins[base]
	c.omu.RUnlock()
	if ok {
		return o, nil
	}
	u, err := parseOrigin(base)
	if err != nil {
		return origin{}, err
	}
	o = origin{u: u, s: u.String()}
	c.omu.Lock()
	if len(c.origins) < maxOrigins {
		c.origins[base] = o
	}
	c.omu.Unlock()
	return o, nil
}

// withTimeout applies Request.Timeout to the whole call.
func (cl *call) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if cl.timeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeoutCause(ctx, cl.timeout, errCallTimeout)
}

// base is the origin requests go to: the remembered regional host, if the
// service redirected this tenant before, else the endpoint's base.
func (cl *call) base() string {
	if !cl.c.anyRegional.Load() {
		return cl.originStr
	}
	cl.c.mu.Lock()
	r := cl.c.regional[cl.regionKey()]
	cl.c.mu.Unlock()
	if r != "" {
		return r
	}
	return cl.originStr
}

func (cl *call) regionKey() string {
	return cl.ep.Service.String() + "|" + strings.ToLower(cl.origin.Host) + "|" + strings.ToLower(cl.ep.Tenant)
}

func (cl *call) url(op, query string) string {
	u := cl.base() + "/adminapi/beta/" + url.PathEscape(cl.ep.Tenant) + "/" + op
	if query != "" {
		u += "?" + query
	}
	return u
}

// ctxErr turns the end of the context into the call's error: its own
// timeout is an *Error of category timeout; the caller's cancellation is
// returned as the context's error.
func (cl *call) ctxErr(ctx context.Context, last error) error {
	if errors.Is(context.Cause(ctx), errCallTimeout) {
		e := &Error{Category: category.Timeout, Cmdlet: cl.cmdlet, Code: "Timeout", sent: true,
			Message: fmt.Sprintf("did not finish within %s", cl.timeout)}
		if cl.write && !cl.replayable {
			e.OutcomeUnknown = true
			e.Message += outcomeNote + "it may or may not have run"
		}
		return e
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", cl.cmdlet, err)
	}
	return last
}

// tokenError wraps a TokenSource failure, which is final.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }
