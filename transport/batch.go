package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// batchItem is one request of a Batch and where it stands.
type batchItem struct {
	idx        int
	req        *Request
	body       []byte
	anchor     string
	hdrJSON    []byte // the item's headers, rendered once for every round
	url        string // InvokeCommand URL, then each next link
	limit      int
	inPage     int // objects of the current url already handed on
	replayable bool
	budget     retryBudget
	refreshed  bool
	challenged bool
	done       bool
	st         *Stats
	cl         *call // item-level budgets and messages

	// set while a round is answered
	last     *Error // the failure that asks for a retry
	answered bool
	wait     time.Duration
	retry    string // reason to send again next round
}

// batchResponse is one element of "responses".
type batchResponse struct {
	ID      string          `json:"id"`
	Status  int             `json:"status"`
	Headers json.RawMessage `json:"headers"`
	Body    json.RawMessage `json:"body"`
}

// Batch runs up to ten cmdlets per $batch request (more are split into
// rounds of ten) with per-item results: each item's objects go to emit with
// its index, each item gets its own Stats and error. An item whose result
// has a next link, or whose answer was throttled or transient (under the
// retry rule of the package doc), is sent again in the next round of the
// same batch. Items are independent: one failing does not fail the others.
func (c *Client) Batch(ctx context.Context, ep *Endpoint, reqs []Request, emit func(i int, obj json.RawMessage) error) ([]Stats, []error) {
	stats := make([]Stats, len(reqs))
	errs := make([]error, len(reqs))
	if emit == nil {
		emit = func(int, json.RawMessage) error { return nil }
	}
	for start := 0; start < len(reqs); start += maxBatchItems {
		end := min(start+maxBatchItems, len(reqs))
		c.batchChunk(ctx, ep, reqs, start, end, stats, errs, emit)
	}
	for i := range stats {
		stats[i].Attempts = 1 + len(stats[i].Retried)
	}
	return stats, errs
}

func (c *Client) batchChunk(ctx context.Context, ep *Endpoint, reqs []Request, start, end int, stats []Stats, errs []error, emit func(int, json.RawMessage) error) {
	var items []*batchItem
	var timeout time.Duration
	allReplayable, anyWrite := true, false
	var retries *int
	for i := start; i < end; i++ {
		req := &reqs[i]
		it, err := c.newBatchItem(ep, i, req, &stats[i])
		if err != nil {
			errs[i] = err
			continue
		}
		items = append(items, it)
		allReplayable = allReplayable && it.replayable
		anyWrite = anyWrite || it.cl.write
		timeout = max(timeout, req.Timeout)
		if req.Retries != nil && (retries == nil || *req.Retries < *retries) {
			retries = req.Retries
		}
	}
	if len(items) == 0 {
		return
	}
	var bst Stats
	cl, err := c.newCall(ep, "$batch", anyWrite, allReplayable, retries, timeout, &bst)
	if err != nil {
		for _, it := range items {
			errs[it.idx] = err
		}
		return
	}
	ctx, cancel := cl.withTimeout(ctx)
	defer cancel()
	cl.hdr = http.Header{
		"Content-Type": {"application/json"},
		// Without odata.metadata=minimal the service answers multipart/mixed
		// (CIPP, commit 8392e324b); readBatch reads both.
		"Accept":              {batchAccept},
		"Accept-Encoding":     hdrGzip,
		"User-Agent":          {c.ua},
		"X-Clientapplication": {clientApp},
		"Client-Request-Id":   {newRequestID()},
		"X-Anchormailbox":     {items[0].anchor},
		"Prefer":              {"odata.continue-on-error"},
	}
	target := cl.url("$batch", "")
	for {
		var pending []*batchItem
		for _, it := range items {
			if !it.done {
				it.answered, it.wait, it.retry, it.last = false, 0, "", nil
				pending = append(pending, it)
			}
		}
		if len(pending) == 0 {
			return
		}
		// Every item carries the token too, as every public client does
		// (S2, S12): the body is rendered for the token of each attempt.
		cl.bodyFor = func(tok string) []byte { return batchBody(pending, tok) }
		byID := make(map[string]*batchItem, len(pending))
		for _, it := range pending {
			byID[strconv.Itoa(it.idx)] = it
		}
		before := bst
		err = cl.exchange(ctx, target, nil, func(resp *http.Response) error {
			return c.readBatch(resp, cl, pending, byID, errs, emit)
		})
		// Every item of the round shares the cost of the batch request.
		for _, it := range pending {
			it.st.Requests += bst.Requests - before.Requests
			it.st.ThrottledWaits += bst.ThrottledWaits - before.ThrottledWaits
			it.st.ThrottledFor += bst.ThrottledFor - before.ThrottledFor
			it.st.Retried = append(it.st.Retried, bst.Retried[len(before.Retried):]...)
		}
		if err != nil {
			for _, it := range pending {
				if !it.answered {
					errs[it.idx], it.done = itemError(err, it), true
				}
			}
		}
		// Wait once for the items to send again, as long as the longest asks.
		var wait time.Duration
		again, throttled := false, false
		for _, it := range pending {
			if !it.done && it.retry != "" {
				again = true
				wait = max(wait, it.wait)
				throttled = throttled || (it.last != nil && it.last.Category == CategoryThrottled)
			}
		}
		if !again {
			continue
		}
		if cl.tooLate(wait) {
			for _, it := range pending {
				if !it.done && it.retry != "" {
					errs[it.idx], it.done = itemError(cl.gaveUp(it.last), it), true
				}
			}
			continue
		}
		for _, it := range pending {
			if !it.done && it.retry != "" {
				it.st.Retried = append(it.st.Retried, it.retry)
				if it.last != nil && it.last.Category == CategoryThrottled {
					it.st.ThrottledWaits++
					it.st.ThrottledFor += wait // what it really waited: the round's longest ask
				}
			}
		}
		if wait > 0 {
			if throttled && ep.Limiter != nil {
				ep.Limiter.Throttled(wait)
			}
			if err := c.clock.Sleep(ctx, wait); err != nil {
				err = cl.ctxErr(ctx, err)
				for _, it := range items {
					if !it.done {
						errs[it.idx], it.done = err, true
					}
				}
				return
			}
		}
	}
}

func (c *Client) newBatchItem(ep *Endpoint, i int, req *Request, st *Stats) (*batchItem, error) {
	cl, body, limit, err := c.prepare(ep, req, st)
	if err != nil {
		return nil, err
	}
	anchor, routed := anchorFor(ep, req)
	hdr := map[string]string{
		"Content-Type":     "application/json",
		"X-CmdletName":     req.Cmdlet,
		"X-AnchorMailbox":  anchor,
		"Prefer":           c.preferFor(limit) + ";odata.continue-on-error",
		"X-ResponseFormat": "json",
	}
	if routed {
		hdr["parameter-based-routing"] = "true"
	}
	hj, err := json.Marshal(hdr)
	if err != nil {
		return nil, &Error{Category: CategoryValidation, Cmdlet: req.Cmdlet, Code: "BadHeader", Message: err.Error()}
	}
	return &batchItem{idx: i, req: req, body: body, anchor: anchor, hdrJSON: hj, url: cl.url("InvokeCommand", selectQuery(req.Select)),
		limit: limit, replayable: cl.replayable, st: st, cl: cl}, nil
}

// batchAccept asks for a JSON batch answer.
const batchAccept = "application/json; odata.metadata=minimal"

// batchBody renders {"requests":[{"id","method","url","headers","body"}...]},
// each item's headers with Authorization: Bearer tok first.
func batchBody(items []*batchItem, tok string) []byte {
	var b bytes.Buffer
	auth := appendString([]byte(`{"Authorization":`), "Bearer "+tok)
	b.WriteString(`{"requests":[`)
	for n, it := range items {
		if n > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"id":`)
		b.Write(appendString(nil, strconv.Itoa(it.idx)))
		b.WriteString(`,"method":"POST","url":`)
		b.Write(appendString(nil, it.url))
		b.WriteString(`,"headers":`)
		b.Write(auth)
		b.WriteByte(',')
		b.Write(it.hdrJSON[1:]) // the item's own headers, after its opening brace
		b.WriteString(`,"body":`)
		b.Write(it.body)
		b.WriteByte('}')
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// readBatch reads the answer of one round: the JSON responses array,
// streamed one item's answer at a time, or a multipart/mixed answer.
// Items answered in an earlier attempt of the same round are passed over.
func (c *Client) readBatch(resp *http.Response, bcl *call, pending []*batchItem, byID map[string]*batchItem, errs []error, emit func(int, json.RawMessage) error) error {
	bad := func(format string, a ...any) *Error { return batchError(resp.StatusCode, format, a...) }
	if boundary, ok := multipartBoundary(resp.Header); ok {
		if err := c.readMultipartBatch(resp.Body, boundary, bcl, pending, byID, errs, emit); err != nil {
			return err
		}
		return unanswered(byID, bad)
	}
	dec := json.NewDecoder(resp.Body)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return bad("a body that is not a JSON object")
	}
	seen := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return bad("a body cut short (%s)", syntaxText(err))
		}
		if tok != "responses" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return bad("a body cut short (%s)", syntaxText(err))
			}
			continue
		}
		seen = true
		if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
			return bad("a responses member that is not an array")
		}
		for dec.More() {
			var r batchResponse
			if err := dec.Decode(&r); err != nil {
				return bad("a body cut short (%s)", syntaxText(err))
			}
			it := byID[r.ID]
			if it == nil || it.answered {
				continue
			}
			it.answered = true
			c.batchAnswer(bcl, it, r.Status, itemHeaders(r.Headers), jsonItemBody(r.Body), errs, emit)
		}
		if _, err := dec.Token(); err != nil {
			return bad("a body cut short (%s)", syntaxText(err))
		}
	}
	if !seen {
		return bad("no responses array")
	}
	return unanswered(byID, bad)
}

// batchError is a batch answer that cannot be read.
func batchError(status int, format string, a ...any) *Error {
	return &Error{Category: CategoryTransient, Status: status, Cmdlet: "$batch", Code: "InvalidResponse", sent: true,
		Message: "the service answered the batch with " + fmt.Sprintf(format, a...)}
}

// unanswered fails the round when an item got no answer.
func unanswered(byID map[string]*batchItem, bad func(string, ...any) *Error) error {
	missing := 0
	for _, it := range byID {
		if !it.answered {
			missing++
		}
	}
	if missing > 0 {
		return bad("no answer for %d of its requests", missing)
	}
	return nil
}

// jsonItemBody is an item's body, unwrapped when it was sent as a JSON
// string.
func jsonItemBody(raw json.RawMessage) []byte {
	body := bytes.TrimSpace(raw)
	if len(body) > 0 && body[0] == '"' {
		var s string
		if json.Unmarshal(body, &s) == nil {
			body = []byte(s)
		}
	}
	return body
}

// batchAnswer applies one item's answer: objects, next link, or an error
// that is retried next round or final.
func (c *Client) batchAnswer(bcl *call, it *batchItem, status int, h http.Header, body []byte, errs []error, emit func(int, json.RawMessage) error) {
	if status >= 200 && status < 300 {
		var p page
		want := -1
		if it.limit >= 0 {
			want = it.limit - it.st.Objects
		}
		_, err := decodeMem(body, it.req.Cmdlet, it.inPage, want, func(o json.RawMessage) error {
			if err := emit(it.idx, o); err != nil {
				return err
			}
			it.inPage++
			it.st.Objects++
			return nil
		}, &p)
		if err != nil {
			c.itemFailed(bcl, it, err, errs)
			return
		}
		it.st.Pages++
		it.st.Warnings = append(it.st.Warnings, p.warnings...)
		if p.full || p.nextLink == "" || (it.limit >= 0 && it.st.Objects >= it.limit) {
			it.done = true
			return
		}
		next, err := it.cl.checkNextLink(it.url, p.nextLink)
		if err != nil {
			errs[it.idx], it.done = err, true
			return
		}
		it.url, it.inPage = next, 0
		it.retry = "" // a continuation, not a retry
		return
	}
	e := decodeError(status, h, body, it.req.Cmdlet)
	if d, ok := retryAfter(h, c.clock.Now()); ok {
		e.wait, e.hasWait = d, true
	}
	c.itemFailed(bcl, it, e, errs)
}

// itemFailed applies the retry rule to one item.
func (c *Client) itemFailed(bcl *call, it *batchItem, err error, errs []error) {
	var ee *emitError
	if errors.As(err, &ee) {
		errs[it.idx], it.done = ee.err, true
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		errs[it.idx], it.done = err, true
		return
	}
	it.last = e
	switch {
	case e.Status == http.StatusUnauthorized && e.Category == CategoryAuth && e.claims != "" && !it.challenged:
		it.challenged, bcl.claims = true, e.claims
		it.retry = "HTTP 401: claims challenge passed to a new token"
		return
	case e.Status == http.StatusUnauthorized && e.Category == CategoryAuth && !it.refreshed:
		it.refreshed, bcl.forceRefresh = true, true
		it.retry = "HTTP 401: sent again"
		return
	case e.Category == CategoryThrottled ||
		(e.Category == CategoryTransient || e.Category == CategoryTimeout) &&
			it.replayable && !strings.Contains(strings.ToLower(e.Message), paginationText):
		if wait, reason, ok := c.nextRetry(e, &it.budget, it.cl.retries); ok {
			it.wait, it.retry = wait, reason
			return
		}
	}
	errs[it.idx], it.done = itemError(e, it), true
}

// itemError copies a failure onto one item, marking the outcome unknown for
// a write that is not replayed.
func itemError(err error, it *batchItem) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	cp := *e
	cp.Cmdlet = it.req.Cmdlet
	if cp.plain != "" { // the note was about the whole batch
		cp.Message, cp.OutcomeUnknown, cp.plain = cp.plain, false, ""
	}
	if cp.sent && !it.replayable && !cp.OutcomeUnknown &&
		(cp.Category == CategoryTransient || cp.Category == CategoryTimeout) && cp.Status != http.StatusOK {
		cp.OutcomeUnknown = true
		cp.Message = clip(cp.Message + outcomeNote + it.req.Cmdlet +
			" may or may not have run and was not sent again (check before re-running it)")
	}
	return &cp
}

// itemHeaders reads an item's headers, given as strings or string lists.
func itemHeaders(raw json.RawMessage) http.Header {
	h := http.Header{}
	if len(raw) == 0 {
		return h
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return h
	}
	for k, v := range m {
		switch x := v.(type) {
		case string:
			h.Add(k, x)
		case float64:
			h.Add(k, strconv.FormatFloat(x, 'f', -1, 64))
		case []any:
			for _, s := range x {
				if s, ok := s.(string); ok {
					h.Add(k, s)
				}
			}
		}
	}
	return h
}
