package exchange

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strconv"
	"strings"
)

const htmlPage = `<!DOCTYPE html>
<html><head><title>503 Service Unavailable</title></head>
<body><h1>Service Unavailable</h1><p>The service is temporarily unavailable. Please try again later.</p>
<hr><address>Microsoft-HTTPAPI/2.0</address></body></html>
`

// write puts a reply on the wire, applying transport-level faults.
func (e *endpoint) write(w http.ResponseWriter, rep *reply) {
	h := w.Header()
	// Keys are assigned as spelled (OData-Version, request-id,
	// x-ExceptionType) so that raw captures look like the service's.
	for _, x := range rep.hdr {
		h[x.k] = []string{x.v}
	}
	body, status := rep.body, rep.status
	switch rep.fault {
	case FaultReset:
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
			return
		}
		panic(http.ErrAbortHandler) // HTTP/2: abort the stream instead
	case FaultHTML:
		h.Set("Content-Type", "text/html; charset=utf-8")
		body, status = []byte(htmlPage), http.StatusServiceUnavailable
	case FaultEmpty:
		body, status = nil, http.StatusOK
	case FaultTruncated:
		body, status = body[:len(body)/2], http.StatusOK
	}
	if rep.json || rep.fault == FaultEmpty || rep.fault == FaultTruncated {
		h["Content-Type"] = []string{contentTypeJSON}
		h["OData-Version"] = []string{"4.0"}
	}
	if rep.gzip && rep.fault == "" && len(body) > 0 && h.Get("Content-Encoding") == "" {
		var zb bytes.Buffer
		zw := gzip.NewWriter(&zb)
		_, _ = zw.Write(body)
		_ = zw.Close()
		body = zb.Bytes()
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
	rep.release()
}

// acceptsGzip reports an Accept-Encoding that names gzip without q=0.
// behaviour exo.answer.gzip (internal/emulator/BEHAVIOURS.md)
func acceptsGzip(ae string) bool {
	for _, part := range strings.Split(ae, ",") {
		enc, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			continue
		}
		k, v, _ := strings.Cut(params, "=")
		if q, err := strconv.ParseFloat(strings.TrimSpace(v), 64); strings.TrimSpace(k) == "q" && err == nil && q == 0 {
			return false
		}
		return true
	}
	return false
}
