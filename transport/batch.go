package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/exoplay/exoplay/internal/category"
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
	rs         retryState
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

// batchChunk runs up to ten requests as one $batch, round after round
// until every item is done: a round sends the pending items, applies each
// answer, then waits once for those that are to be sent again.
func (c *Client) batchChunk(ctx context.Context, ep *Endpoint, reqs []Request, start, end int, stats []Stats, errs []error, emit func(int, json.RawMessage) error) {
	items := c.batchItems(ep, reqs, start, end, stats, errs)
	if len(items) == 0 {
		return
	}
	b, err := c.newBatchCall(ep, items)
	if err != nil {
		for _, it := range items {
			errs[it.idx] = err
		}
		return
	}
	ctx, cancel := b.cl.withTimeout(ctx)
	defer cancel()
	for {
		pending := pendingItems(items)
		if len(pending) == 0 {
			return
		}
		c.batchRound(ctx, b, pending, errs, emit)
		if err := c.batchWait(ctx, b, pending, errs); err != nil {
			for _, it := range items {
				if !it.done {
					errs[it.idx], it.done = err, true
				}
			}
			return
		}
	}
}

// batchItems prepares the items of one chunk; a request that cannot be
// sent gets its error at once.
func (c *Client) batchItems(ep *Endpoint, reqs []Request, start, end int, stats []Stats, errs []error) []*batchItem {
	var items []*batchItem
	for i := start; i < end; i++ {
		it, err := c.newBatchItem(ep, i, &reqs[i], &stats[i])
		if err != nil {
			errs[i] = err
			continue
		}
		items = append(items, it)
	}
	return items
}

// batchCall is the $batch request of a chunk: its call state (replayable
// only when every item is, the longest timeout, the fewest retries), the
// batch URL and the stats of the batch requests themselves.
type batchCall struct {
	cl     *call
	target string
	st     Stats
}

func (c *Client) newBatchCall(ep *Endpoint, items []*batchItem) (*batchCall, error) {
	var timeout time.Duration
	allReplayable, anyWrite := true, false
	var retries *int
	for _, it := range items {
		allReplayable = allReplayable && it.replayable
		anyWrite = anyWrite || it.cl.write
		timeout = max(timeout, it.req.Timeout)
		if r := it.req.Retries; r != nil && (retries == nil || *r < *retries) {
			retries = r
		}
	}
	b := &batchCall{}
	cl, err := c.newCall(ep, "$batch", anyWrite, allReplayable, retries, timeout, &b.st)
	if err != nil {
		return nil, err
	}
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
	b.cl, b.target = cl, cl.url("$batch", "")
	return b, nil
}

// pendingItems are the items not done, their round state cleared.
func pendingItems(items []*batchItem) []*batchItem {
	var pending []*batchItem
	for _, it := range items {
		if !it.done {
			it.answered, it.wait, it.retry, it.last = false, 0, "", nil
			pending = append(pending, it)
		}
	}
	return pending
}

// batchRound sends the pending items as one $batch (retried as a whole
// under the retry rule) and applies each item's answer; every item of the
// round shares the cost of the batch request, and a failure of the whole
// request ends the items it left unanswered.
func (c *Client) batchRound(ctx context.Context, b *batchCall, pending []*batchItem, errs []error, emit func(int, json.RawMessage) error) {
	// Every item carries the token too, as every public client does
	// (S2, S12): the body is rendered for the token of each attempt.
	b.cl.bodyFor = func(tok string) []byte { return batchBody(pending, tok) }
	byID := make(map[string]*batchItem, len(pending))
	for _, it := range pending {
		byID[strconv.Itoa(it.idx)] = it
	}
	before := b.st
	err := b.cl.roundTrip(ctx, b.target, nil, func(resp *http.Response) error {
		return c.readBatch(resp, b.cl, pending, byID, errs, emit)
	})
	for _, it := range pending {
		it.st.Requests += b.st.Requests - before.Requests
		it.st.ThrottledWaits += b.st.ThrottledWaits - before.ThrottledWaits
		it.st.ThrottledFor += b.st.ThrottledFor - before.ThrottledFor
		it.st.Retried = append(it.st.Retried, b.st.Retried[len(before.Retried):]...)
		if err != nil && !it.answered {
			errs[it.idx], it.done = itemError(err, it), true
		}
	}
}

// batchWait waits once for the items of the round that are to be sent
// again, as long as the longest asks, and counts it on each; an item whose
// wait would pass MaxElapsed gives up instead. It returns the context's
// error when the wait was cut short.
func (c *Client) batchWait(ctx context.Context, b *batchCall, pending []*batchItem, errs []error) error {
	var again []*batchItem
	var wait time.Duration
	throttled := false
	for _, it := range pending {
		if !it.done && it.retry != "" {
			again = append(again, it)
			wait = max(wait, it.wait)
			throttled = throttled || (it.last != nil && it.last.Category == category.Throttled)
		}
	}
	if len(again) == 0 {
		return nil
	}
	if b.cl.tooLate(wait) {
		for _, it := range again {
			errs[it.idx], it.done = itemError(b.cl.gaveUp(it.last), it), true
		}
		return nil
	}
	for _, it := range again {
		it.st.Retried = append(it.st.Retried, it.retry)
		if it.last != nil && it.last.Category == category.Throttled {
			countThrottled(it.st, wait) // what it really waited: the round's longest ask
		}
	}
	if wait <= 0 {
		return nil
	}
	if lim := b.cl.ep.Limiter; throttled && lim != nil {
		lim.Throttled(wait)
	}
	if err := c.clock.Sleep(ctx, wait); err != nil {
		return b.cl.ctxErr(ctx, err)
	}
	return nil
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
		return nil, &Error{Category: category.Validation, Cmdlet: req.Cmdlet, Code: "BadHeader", Message: err.Error()}
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

// itemFailed applies the retry rule (judge, as for Invoke) to one item.
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
	v := c.judge(e, &it.rs, it.replayable, it.cl.retries)
	switch {
	case v.final:
		errs[it.idx], it.done = itemError(e, it), true
	case v.claims != "":
		bcl.claims, it.retry = v.claims, v.reason
	case v.refresh:
		bcl.forceRefresh, it.retry = true, v.reason
	default:
		it.wait, it.retry = v.wait, v.reason
	}
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
	if !cp.OutcomeUnknown && cp.Status != http.StatusOK && unknownOutcome(&cp, it.replayable) {
		cp.OutcomeUnknown = true
		cp.Message = clip(cp.Message + outcomeNote + it.req.Cmdlet +
			" may or may not have run and was not sent again (check before re-running it)")
	}
	return &cp
}
