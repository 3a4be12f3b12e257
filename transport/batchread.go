package transport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/exoplay/exoplay/internal/category"
)

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
	return &Error{Category: category.Transient, Status: status, Cmdlet: "$batch", Code: "InvalidResponse", sent: true,
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
		it.st.Warnings = append(it.st.Warnings, warningsOf(&p)...)
		if p.Full || p.NextLink == "" || (it.limit >= 0 && it.st.Objects >= it.limit) {
			it.done = true
			return
		}
		next, err := it.cl.checkNextLink(it.url, p.NextLink)
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
