package transport

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
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
	cmdlet     string   // for messages; "$batch" for a batch
	write      bool
	replayable bool
	retries    int
	timeout    time.Duration
	deadline   time.Time // MaxElapsed
	stats      *Stats

	refreshed    bool // the one 401 refresh was used
	forceRefresh bool
}

func (c *Client) newCall(ep *Endpoint, cmdlet string, write, replayable bool, retries *int, timeout time.Duration, st *Stats) (*call, error) {
	if ep == nil || ep.Tokens == nil {
		return nil, &Error{Category: CategoryUnknown, Cmdlet: cmdlet, Code: "NoEndpoint", Message: "no endpoint or token source given"}
	}
	if ep.Tenant == "" {
		return nil, &Error{Category: CategoryValidation, Cmdlet: cmdlet, Code: "NoTenant", Message: "the endpoint has no tenant"}
	}
	origin, err := parseOrigin(ep.BaseURL)
	if err != nil {
		return nil, &Error{Category: CategoryValidation, Cmdlet: cmdlet, Code: "BadServiceURL", Message: err.Error()}
	}
	r := c.retries
	if retries != nil {
		r = max(*retries, 0)
	}
	return &call{c: c, ep: ep, origin: origin, cmdlet: cmdlet, write: write, replayable: replayable,
		retries: r, timeout: timeout, deadline: c.clock.Now().Add(c.elapsed), stats: st}, nil
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
	cl.c.mu.Lock()
	r := cl.c.regional[cl.regionKey()]
	cl.c.mu.Unlock()
	if r != "" {
		return r
	}
	return cl.origin.String()
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

// exchange sends one logical request (one page, one batch round) with the
// retry rule of the package doc. handle reads a 2xx response; it may be
// called again on a retry.
func (cl *call) exchange(ctx context.Context, target string, body []byte, hdr http.Header, handle func(*http.Response) error) error {
	transient, throttled := 0, 0
	for {
		err := cl.attempt(ctx, target, body, hdr, handle)
		if err == nil {
			return nil
		}
		wait, reason, final := cl.decide(ctx, err, &transient, &throttled)
		if final != nil {
			return final
		}
		if now := cl.c.clock.Now(); now.Add(wait).After(cl.deadline) {
			return cl.gaveUp(err)
		}
		cl.stats.Retried = append(cl.stats.Retried, reason)
		cl.c.log.Info().Str("cmdlet", cl.cmdlet).Str("tenant", cl.ep.Tenant).Str("reason", reason).
			Dur("wait", wait).Msg("retrying")
		if wait > 0 {
			if err := cl.c.clock.Sleep(ctx, wait); err != nil {
				return cl.ctxErr(ctx, err)
			}
		}
	}
}

// decide applies the retry rule to one failed attempt: either a wait and a
// reason, or the final error.
func (cl *call) decide(ctx context.Context, err error, transient, throttled *int) (time.Duration, string, error) {
	if ctx.Err() != nil {
		return 0, "", cl.ctxErr(ctx, err)
	}
	var te *tokenError
	if errors.As(err, &te) {
		return 0, "", fmt.Errorf("%s: getting a token for tenant %s: %w", cl.cmdlet, cl.ep.Tenant, te.err)
	}
	var ee *emitError
	if errors.As(err, &ee) {
		return 0, "", ee.err
	}
	var e *Error
	if !errors.As(err, &e) {
		return 0, "", err
	}
	switch {
	case e.Status == http.StatusUnauthorized && e.Category == CategoryAuth && !cl.refreshed:
		cl.refreshed, cl.forceRefresh = true, true
		return 0, "HTTP 401: token refreshed", nil
	case e.Category == CategoryThrottled:
		*throttled++
		if *throttled > max(minThrottleWaits, cl.retries) {
			e.Message = clip(e.Message + fmt.Sprintf(" (still throttled after %d waits)", *throttled-1))
			return 0, "", e
		}
		wait := e.wait
		if !e.hasWait {
			wait = cl.c.backoff(*throttled - 1)
		}
		if cl.ep.Limiter != nil {
			cl.ep.Limiter.Throttled(wait)
		}
		cl.stats.ThrottledWaits++
		cl.stats.ThrottledFor += wait
		return wait, fmt.Sprintf("throttled (%s): waited %s", statusText(e), wait), nil
	case e.Category == CategoryTransient || e.Category == CategoryTimeout:
		if strings.Contains(strings.ToLower(e.Message), paginationText) {
			return 0, "", e // the same link would fail again
		}
		if e.sent && !cl.replayable {
			e.plain = e.Message
			if e.Status == http.StatusOK {
				e.Message = clip(e.Message + "; " + cl.cmdlet + " ran, but its answer could not be read; it is not sent again")
			} else {
				e.OutcomeUnknown = true
				e.Message = clip(e.Message + outcomeNote + cl.cmdlet +
					" may or may not have run and was not sent again (check before re-running it)")
			}
			return 0, "", e
		}
		*transient++
		if *transient > cl.retries {
			if cl.retries > 0 {
				e.Message = clip(e.Message + fmt.Sprintf(" (after %d retries)", cl.retries))
			}
			return 0, "", e
		}
		wait := e.wait
		if !e.hasWait {
			wait = cl.c.backoff(*transient - 1)
		}
		return wait, fmt.Sprintf("%s: %s", statusText(e), shortReason(e)), nil
	}
	return 0, "", e
}

func statusText(e *Error) string {
	if e.Status == 0 {
		return string(e.Category)
	}
	return "HTTP " + strconv.Itoa(e.Status)
}

func shortReason(e *Error) string {
	if e.ExceptionType != "" {
		return shortType(e.ExceptionType)
	}
	m := e.Message
	if len(m) > 120 {
		m = m[:120] + "…"
	}
	return m
}

// gaveUp reports the last error when MaxElapsed would be exceeded.
func (cl *call) gaveUp(err error) error {
	var e *Error
	if errors.As(err, &e) {
		cp := *e
		cp.Message = clip(cp.Message + fmt.Sprintf(" (gave up: retrying would exceed the %s limit)", cl.c.elapsed))
		return &cp
	}
	return err
}

// ctxErr turns the end of the context into the call's error: its own
// timeout is an *Error of category timeout; the caller's cancellation is
// returned as the context's error.
func (cl *call) ctxErr(ctx context.Context, last error) error {
	if errors.Is(context.Cause(ctx), errCallTimeout) {
		e := &Error{Category: CategoryTimeout, Cmdlet: cl.cmdlet, Code: "Timeout", sent: true,
			Message: fmt.Sprintf("did not finish within %s", cl.timeout)}
		if cl.write && !cl.replayable {
			e.OutcomeUnknown = true
			e.Message += "; the outcome is unknown: it may or may not have run"
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

// attempt sends one HTTP request (following redirects within the host
// family) while holding a Limiter slot, and reads its answer.
func (cl *call) attempt(ctx context.Context, target string, body []byte, hdr http.Header, handle func(*http.Response) error) error {
	if lim := cl.ep.Limiter; lim != nil {
		if err := lim.Acquire(ctx); err != nil {
			return cl.ctxErr(ctx, err)
		}
		defer lim.Release()
	}
	tok, err := cl.ep.Tokens.Token(ctx, cl.forceRefresh)
	cl.forceRefresh = false
	if err != nil {
		return &tokenError{err}
	}
	auth := []string{"Bearer " + tok}
	u := target
	for hop := 0; ; hop++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
		if err != nil {
			return &Error{Category: CategoryValidation, Cmdlet: cl.cmdlet, Code: "BadURL", Message: redact(err.Error())}
		}
		for k, v := range hdr {
			req.Header[k] = v
		}
		req.Header["Authorization"] = auth
		start := cl.c.clock.Now()
		cl.stats.Requests++
		resp, err := cl.c.hc.Do(req)
		if err != nil {
			return cl.networkError(ctx, err)
		}
		cl.c.log.Debug().Str("cmdlet", cl.cmdlet).Str("tenant", cl.ep.Tenant).Str("host", req.URL.Host).
			Int("status", resp.StatusCode).Dur("took", cl.c.clock.Now().Sub(start)).Msg("exo request")
		switch resp.StatusCode {
		case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
			http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			loc := resp.Header.Get("Location")
			drain(resp)
			if hop >= maxRedirects {
				return &Error{Category: CategoryUnknown, Status: resp.StatusCode, Cmdlet: cl.cmdlet, Code: "TooManyRedirects",
					Message: fmt.Sprintf("more than %d redirects", maxRedirects)}
			}
			next, err := cl.redirect(u, loc, resp.StatusCode)
			if err != nil {
				return err
			}
			u = next
			continue
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			err := handle(resp)
			resp.Body.Close()
			return err
		}
		b := readSome(resp.Body)
		resp.Body.Close()
		e := decodeError(resp.StatusCode, resp.Header, b, cl.cmdlet)
		if d, ok := retryAfter(resp.Header, cl.c.clock.Now()); ok {
			e.wait, e.hasWait = d, true
		}
		return e
	}
}

// redirect resolves a Location against the current URL, refuses hosts
// outside the family, and remembers the new origin for this tenant. The
// request is sent again unchanged (POST, same body), as the module does.
func (cl *call) redirect(current, loc string, status int) (string, error) {
	cur, _ := url.Parse(current)
	l, err := url.Parse(loc)
	if loc == "" || err != nil || cur == nil {
		return "", &Error{Category: CategoryUnknown, Status: status, Cmdlet: cl.cmdlet, Code: "BadRedirect",
			Message: "the service redirected without a usable Location"}
	}
	next := cur.ResolveReference(l)
	if !inFamily(cl.origin, next) {
		return "", &Error{Category: CategoryUnknown, Status: status, Cmdlet: cl.cmdlet, Code: "RedirectOutsideFamily",
			Message: fmt.Sprintf("the service redirected to %s://%s, outside the host family of %s; not followed, so the token does not leave it",
				next.Scheme, next.Host, cl.origin.Host)}
	}
	regional := next.Scheme + "://" + next.Host
	// The regional host serves the same paths: keep ours (and our query),
	// only the origin changes, like the modules that take the host label.
	if next.Host != cur.Host || next.Scheme != cur.Scheme {
		cl.c.mu.Lock()
		cl.c.regional[cl.regionKey()] = regional
		cl.c.mu.Unlock()
		cl.c.log.Debug().Str("tenant", cl.ep.Tenant).Str("service", cl.ep.Service.String()).Str("regional", regional).Msg("regional endpoint remembered")
		moved := *cur
		moved.Scheme, moved.Host = next.Scheme, next.Host
		return moved.String(), nil
	}
	return next.String(), nil
}

// checkNextLink makes sure a continuation stays within the host family.
func (cl *call) checkNextLink(link string) (string, error) {
	u, err := url.Parse(link)
	if err != nil || !u.IsAbs() {
		return "", &Error{Category: CategoryTransient, Status: 200, Cmdlet: cl.cmdlet, Code: "BadNextLink",
			Message: "the service answered with a next link that is not an absolute URL"}
	}
	if !inFamily(cl.origin, u) {
		return "", &Error{Category: CategoryUnknown, Status: 200, Cmdlet: cl.cmdlet, Code: "NextLinkOutsideFamily",
			Message: fmt.Sprintf("the next link points to %s://%s, outside the host family of %s; not followed, so the token does not leave it",
				u.Scheme, u.Host, cl.origin.Host)}
	}
	return u.String(), nil
}

// networkError classifies a failure to get an answer. A dial or DNS
// failure was never sent; anything later may have reached the service.
func (cl *call) networkError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return cl.ctxErr(ctx, err)
	}
	inner := err
	var ue *url.Error
	if errors.As(err, &ue) {
		inner = ue.Err
	}
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	if errors.As(err, &certErr) || errors.As(err, &unknownCA) || errors.As(err, &hostErr) {
		return &Error{Category: CategoryUnknown, Cmdlet: cl.cmdlet, Code: "TLSCertificate",
			Message: "the service's TLS certificate is not trusted: " + redact(inner.Error())}
	}
	e := &Error{Category: CategoryTransient, Cmdlet: cl.cmdlet, Code: "ConnectionFailed", sent: true}
	var op *net.OpError
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns) || (errors.As(err, &op) && op.Op == "dial"):
		e.sent = false
		e.Message = "cannot connect to the service: " + redact(inner.Error())
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isReset(err):
		e.Message = "the connection was closed before the answer came: " + redact(inner.Error())
	default:
		e.Message = "the request failed: " + redact(inner.Error())
	}
	e.Message = clip(e.Message)
	return e
}

func isReset(err error) bool {
	s := err.Error()
	return strings.Contains(s, "connection reset") || strings.Contains(s, "broken pipe") ||
		strings.Contains(s, "server closed") || strings.Contains(s, "EOF")
}

const maxErrorBody = 64 << 10

// readSome reads at most maxErrorBody of an error body; what could not be
// read (the fake-gzip 403) is simply absent.
func readSome(r io.Reader) []byte {
	b, _ := io.ReadAll(io.LimitReader(r, maxErrorBody))
	return b
}

// drain reads a little of a body so the connection can be reused.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
}

// newRequestID returns a random UUID for client-request-id.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j], out[j+1] = hexDigits[c>>4], hexDigits[c&0xf]
		j += 2
	}
	return string(out[:])
}
