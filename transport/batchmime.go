package transport

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
)

// maxBatchPart bounds one item's answer in a multipart batch (the JSON
// form is bounded per page by the answer limit of the whole body).
const maxBatchPart = 64 << 20

// multipartBoundary reports the boundary of a multipart/mixed answer.
func multipartBoundary(h http.Header) (string, bool) {
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || !strings.EqualFold(mt, "multipart/mixed") || params["boundary"] == "" {
		return "", false
	}
	return params["boundary"], true
}

// readMultipartBatch reads the OData multipart/mixed form of a batch
// answer, which the service sends to a client that does not ask for
// minimal-metadata JSON: one application/http part per item, each an HTTP
// response. A part names its item by Content-ID when it echoes the item's
// id; otherwise parts answer the round's items in order.
func (c *Client) readMultipartBatch(body io.Reader, boundary string, bcl *call, pending []*batchItem, byID map[string]*batchItem, errs []error, emit func(int, json.RawMessage) error) error {
	mr := multipart.NewReader(body, boundary)
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return batchError(http.StatusOK, "a multipart body cut short or malformed (%s)", syntaxText(err))
		}
		resp, err := http.ReadResponse(bufio.NewReader(part), nil)
		if err != nil {
			return batchError(http.StatusOK, "a multipart part that is not an HTTP response (%s)", syntaxText(err))
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxBatchPart+1))
		resp.Body.Close()
		if err != nil {
			return batchError(http.StatusOK, "a multipart part cut short (%s)", syntaxText(err))
		}
		if len(b) > maxBatchPart {
			return batchError(http.StatusOK, "an item's answer over %d MiB", maxBatchPart>>20)
		}
		it := byID[strings.Trim(part.Header.Get("Content-ID"), "<> ")]
		if it == nil && n < len(pending) {
			it = pending[n]
		}
		if it == nil || it.answered {
			continue
		}
		it.answered = true
		c.batchAnswer(bcl, it, resp.StatusCode, resp.Header, b, errs, emit)
	}
}
