package transport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/exoplay/exoplay/cmdlet"
	"github.com/exoplay/exoplay/internal/category"
)

// Invoke runs one cmdlet and hands every object it returns to emit, page by
// page, following next links until there are none or the ResultSize limit
// is reached. emit owns the slice it is given. An error from emit ends the
// call and is returned as is. Other errors are *Error, a TokenSource error
// (wrapped) or the context's error (wrapped).
func (c *Client) Invoke(ctx context.Context, ep *Endpoint, req Request, emit func(obj json.RawMessage) error) (Stats, error) {
	var st Stats
	if emit == nil {
		emit = func(json.RawMessage) error { return nil }
	}
	err := c.invoke(ctx, ep, &req, emit, &st)
	st.Attempts = 1 + len(st.Retried)
	return st, err
}

func (c *Client) invoke(ctx context.Context, ep *Endpoint, req *Request, emit func(json.RawMessage) error, st *Stats) error {
	cl, body, limit, err := c.prepare(ep, req, st)
	if err != nil {
		return err
	}
	cl.hdr = c.headers(cl, req, limit)
	ctx, cancel := cl.withTimeout(ctx)
	defer cancel()

	target := cl.url("InvokeCommand", selectQuery(req.Select))
	for target != "" {
		var p page
		inPage := 0 // objects of this page already handed on, kept across retries
		count := func(o json.RawMessage) error {
			if err := emit(o); err != nil {
				return err
			}
			inPage++
			st.Objects++
			return nil
		}
		err := cl.roundTrip(ctx, target, body, func(resp *http.Response) error {
			p = page{}
			want := -1
			if limit >= 0 {
				want = limit - st.Objects
			}
			_, err := decodeBody(resp.Body, resp.ContentLength, req.Cmdlet, inPage, want, count, &p)
			return err
		})
		if err != nil {
			return expiredHint(err, st.Pages)
		}
		st.Pages++
		st.Warnings = append(st.Warnings, warningsOf(&p)...)
		if p.Full || p.NextLink == "" || (limit >= 0 && st.Objects >= limit) {
			return nil
		}
		if target, err = cl.checkNextLink(target, p.NextLink); err != nil {
			return err
		}
	}
	return nil
}

// prepare checks and encodes one request, Invoke's or a batch item's,
// before anything is sent: its call state, its body and its ResultSize
// limit (-1: none).
func (c *Client) prepare(ep *Endpoint, req *Request, st *Stats) (cl *call, body []byte, limit int, err error) {
	cl, err = c.newCall(ep, req.Cmdlet, cmdlet.IsWrite(req.Cmdlet), cmdlet.Replayable(req.Cmdlet, req.Parameters), req.Retries, req.Timeout, st)
	if err != nil {
		return nil, nil, 0, err
	}
	if err := checkCmdlet(req.Cmdlet); err != nil {
		return nil, nil, 0, err
	}
	if body, err = encodeBody(req.Cmdlet, req.Parameters); err != nil {
		return nil, nil, 0, err
	}
	return cl, body, resultLimit(req), nil
}

// checkCmdlet refuses names that are not Verb-Noun before anything is sent.
func checkCmdlet(name string) error {
	v, n, ok := strings.Cut(name, "-")
	if !ok || v == "" || n == "" || strings.ContainsAny(name, " \t\r\n/\\?#\"") {
		return &Error{Category: category.Validation, Cmdlet: name, Code: "BadCmdletName",
			Message: "a cmdlet name has the form Verb-Noun"}
	}
	return nil
}

// headers are the module's request headers for one call; the same map is
// sent on every page and retry (the anchor pins the backend that holds the
// next link).
//
// The values that are the same for every call are shared, read-only
// slices; the call's own four share one allocation.
func (c *Client) headers(cl *call, req *Request, limit int) http.Header {
	anchor, routed := anchorFor(cl.ep, req)
	v := make([]string, 4)
	v[0], v[1], v[2], v[3] = req.Cmdlet, newRequestID(), anchor, c.preferFor(limit)
	h := make(http.Header, 11) // + Parameter-Based-Routing, Authorization
	h["Content-Type"] = hdrJSON
	h["Accept"] = hdrJSON
	h["Accept-Encoding"] = hdrGzip
	h["User-Agent"] = c.uaHdr
	h["X-Cmdletname"] = v[0:1:1]
	h["X-Clientapplication"] = hdrClientApp
	h["Client-Request-Id"] = v[1:2:2]
	h["X-Anchormailbox"] = v[2:3:3]
	h["Prefer"] = v[3:4:4]
	h["X-Responseformat"] = hdrFormat
	if routed {
		h["Parameter-Based-Routing"] = hdrTrue
	}
	return h
}

// Header values shared by every request; never written to.
var (
	hdrJSON      = []string{"application/json"}
	hdrClientApp = []string{clientApp}
	hdrFormat    = []string{"json"}
	hdrTrue      = []string{"true"}
)

func preferPageSize(n int) string { return "odata.maxpagesize=" + strconv.Itoa(n) }

// preferFor is the Prefer page size of a call stopping at limit objects:
// no bigger pages than it needs.
func (c *Client) preferFor(limit int) string {
	if limit > 0 && limit < c.pageSize {
		return preferPageSize(limit)
	}
	return c.prefer
}

// resultLimit is the number of objects to stop at, or -1 for all: the
// request's ResultSize, else the ResultSize parameter when it is a number.
func resultLimit(req *Request) int {
	if req.ResultSize > 0 {
		return req.ResultSize
	}
	v, ok := cmdlet.Property(req.Parameters, "ResultSize")
	if !ok {
		return -1
	}
	switch n := v.(type) {
	case int:
		return posOrAll(int64(n))
	case int64:
		return posOrAll(n)
	case int32:
		return posOrAll(int64(n))
	case uint:
		return posOrAll(int64(min(uint64(n), math.MaxInt32)))
	case uint64:
		return posOrAll(int64(min(n, math.MaxInt32)))
	case float64:
		if n == math.Trunc(n) {
			return posOrAll(int64(min(n, math.MaxInt32)))
		}
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return posOrAll(i)
		}
	case string:
		if i, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64); err == nil {
			return posOrAll(i)
		}
	}
	return -1 // "Unlimited" and anything else: follow every page
}

func posOrAll(n int64) int {
	if n <= 0 {
		return -1
	}
	if n > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(n)
}

// selectQuery renders $select=A,B with each name escaped.
func selectQuery(sel []string) string {
	if len(sel) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("$select=")
	n := 0
	for _, s := range sel {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		b.WriteString(url.QueryEscape(s))
		n++
	}
	if n == 0 {
		return ""
	}
	return b.String()
}

// expiredHint explains an expired next link: the objects handed on so far
// are only part of the result.
func expiredHint(err error, pages int) error {
	var e *Error
	if pages == 0 || !errors.As(err, &e) || !strings.Contains(strings.ToLower(e.Message), paginationText) {
		return err
	}
	e.Code = "NextLinkExpired"
	e.Message = clip(e.Message + fmt.Sprintf(" (the next link expired after %d pages: the result is incomplete; "+
		"next links live minutes, so a consumer that is slow between pages loses them; run the step again)", pages))
	return e
}
