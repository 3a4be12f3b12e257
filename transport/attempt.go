package transport

import (
	"bufio"
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
	"strings"
	"time"

	"github.com/exoplay/exoplay/internal/category"
)

// attempt sends one HTTP request (following redirects within the host
// family) while holding a Limiter slot, and reads its answer. The token is
// read once the slot is held: a request that waited for a slot must not go
// out with a token taken before the wait (revoked meanwhile, it would draw
// a 401 on top of those of the requests in flight). Tokens are cached and
// refreshed ahead of expiry, so reading one rarely holds the slot long.
func (cl *call) attempt(ctx context.Context, target string, body []byte, handle func(*http.Response) error) error {
	if lim := cl.ep.Limiter; lim != nil {
		if err := lim.Acquire(ctx); err != nil {
			return cl.ctxErr(ctx, err)
		}
		defer lim.Release()
	}
	tok, err := cl.token(ctx)
	if err != nil {
		return &tokenError{err}
	}
	hdr := cl.headersWith(tok)
	if cl.bodyFor != nil {
		body = cl.bodyFor(tok)
	}
	u := target
	for hop := 0; ; hop++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
		if err != nil {
			return &Error{Category: category.Validation, Cmdlet: cl.cmdlet, Code: "BadURL", Message: redact(err.Error())}
		}
		req.Header = hdr
		dbg := cl.c.log.Debug()
		var start time.Time
		if dbg.Enabled() {
			start = cl.c.clock.Now()
		}
		cl.stats.Requests++
		resp, err := cl.c.send(req)
		if err != nil {
			return cl.networkError(ctx, err)
		}
		if dbg.Enabled() {
			dbg.Str("cmdlet", cl.cmdlet).Str("tenant", cl.ep.Tenant).Str("host", req.URL.Host).
				Int("status", resp.StatusCode).Dur("took", cl.c.clock.Now().Sub(start)).Msg("exo request")
		}
		switch resp.StatusCode {
		case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
			http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			loc := resp.Header.Get("Location")
			drain(resp)
			if hop >= maxRedirects {
				return &Error{Category: category.Unknown, Status: resp.StatusCode, Cmdlet: cl.cmdlet, Code: "TooManyRedirects",
					Message: fmt.Sprintf("more than %d redirects", maxRedirects)}
			}
			next, err := cl.redirect(u, loc, resp.StatusCode)
			if err != nil {
				return err
			}
			u = next
			continue
		}
		if resp.StatusCode == http.StatusNoContent {
			drain(resp)
			return nil
		}
		body := answerBody(ctx, resp, cl.c.maxAnswer)
		resp.Body = body
		if resp.StatusCode >= 200 && resp.StatusCode < 300 && textAnswer(resp.Header) {
			// A success status over a text or HTML body is no result: it
			// may be the concurrency refusal, which arrives at any status
			// (§10.10).
			// Servers that do not label JSON get text/plain from content
			// sniffing: a body that starts as JSON is read as a page.
			br := bufio.NewReaderSize(resp.Body, 512)
			if head, _ := br.Peek(64); !bytes.HasPrefix(bytes.TrimLeft(head, " \t\r\n"), []byte("{")) {
				b := readSome(br)
				resp.Body.Close()
				return decodeError(resp.StatusCode, resp.Header, b, cl.cmdlet)
			}
			resp.Body = struct {
				io.Reader
				io.Closer
			}{br, resp.Body}
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			err := handle(resp)
			if body.over {
				resp.Body.Close()
				return cl.tooBigError(resp.StatusCode)
			}
			drain(resp) // a page read only up to a ResultSize limit
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
		return "", &Error{Category: category.Unknown, Status: status, Cmdlet: cl.cmdlet, Code: "BadRedirect",
			Message: "the service redirected without a usable Location"}
	}
	next := backendToPublic(cur.ResolveReference(l))
	if cl.ep.Service == Compliance {
		// The front door names <label>.admin.protection.outlook.com:446,
		// which does not serve the REST API; every working client builds
		// the regional REST host from the first label (§10.1).
		if r, ok := complianceRegional(cl.origin, next); ok {
			next = r
		}
	}
	if !inFamily(cl.origin, next) {
		return "", &Error{Category: category.Unknown, Status: status, Cmdlet: cl.cmdlet, Code: "RedirectOutsideFamily",
			Message: fmt.Sprintf("the service redirected to %s://%s, outside the host family of %s; not followed, so the token does not leave it",
				next.Scheme, next.Host, cl.origin.Host)}
	}
	regional := next.Scheme + "://" + next.Host
	// The regional host serves the same paths: keep ours (and our query),
	// only the origin changes, like the modules that take the host label.
	if next.Host != cur.Host || next.Scheme != cur.Scheme {
		cl.c.mu.Lock()
		cl.c.regional[cl.regionKey()] = regional
		cl.c.anyRegional.Store(true)
		cl.c.mu.Unlock()
		cl.c.log.Debug().Str("tenant", cl.ep.Tenant).Str("service", cl.ep.Service.String()).Str("regional", regional).Msg("regional endpoint remembered")
		moved := *cur
		moved.Scheme, moved.Host = next.Scheme, next.Host
		return moved.String(), nil
	}
	return next.String(), nil
}

// checkNextLink makes sure a continuation stays within the host family and
// moves on (a link to the page just read would loop forever).
func (cl *call) checkNextLink(current, link string) (string, error) {
	if link == current || normalizedLink(link) == current {
		return "", &Error{Category: category.Transient, Status: 200, Cmdlet: cl.cmdlet, Code: "BadNextLink",
			Message: "the service answered with a next link to the page just read; stopped to avoid a loop"}
	}
	u, err := url.Parse(link)
	if err == nil {
		u = backendToPublic(u)
	}
	if err != nil || !u.IsAbs() {
		return "", &Error{Category: category.Transient, Status: 200, Cmdlet: cl.cmdlet, Code: "BadNextLink",
			Message: "the service answered with a next link that is not an absolute URL"}
	}
	if !inFamily(cl.origin, u) {
		return "", &Error{Category: category.Unknown, Status: 200, Cmdlet: cl.cmdlet, Code: "NextLinkOutsideFamily",
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
		return &Error{Category: category.Unknown, Cmdlet: cl.cmdlet, Code: "TLSCertificate",
			Message: "the service's TLS certificate is not trusted: " + redact(inner.Error())}
	}
	e := &Error{Category: category.Transient, Cmdlet: cl.cmdlet, Code: "ConnectionFailed", sent: true}
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

// drain reads what is left of a body, if little, then closes it: a body
// closed before its end costs the connection (net/http only reuses one
// whose body was read to EOF), and the next call a new TLS handshake.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, wholeBodyMax))
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

// textAnswer reports a body declared as plain text or HTML.
func textAnswer(h http.Header) bool {
	ct := strings.ToLower(h.Get("Content-Type"))
	return strings.HasPrefix(ct, "text/plain") || strings.HasPrefix(ct, "text/html")
}

// token gets the token of an attempt: a new one that satisfies a claims
// challenge, a forced refresh after a 401, or the current one.
func (cl *call) token(ctx context.Context) (string, error) {
	claims, force := cl.claims, cl.forceRefresh
	cl.claims, cl.forceRefresh = "", false
	if cs, ok := cl.ep.Tokens.(ClaimsTokenSource); ok && claims != "" {
		return cs.TokenWithClaims(ctx, claims)
	}
	return cl.ep.Tokens.Token(ctx, force || claims != "")
}
