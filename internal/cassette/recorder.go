package cassette

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
)

// Options configure a Recorder.
type Options struct {
	// Dir receives the cassettes; it is created when absent.
	Dir string
	// RedactPII replaces addresses, domains, GUIDs and names (doc.go).
	RedactPII bool
	// Scrub removes known secret values (the run's); nil = none.
	Scrub func([]byte) []byte
	// MaxInflated bounds what one gzip answer may inflate to in the
	// cassette (default DefaultMaxInflated). The recorder holds a body
	// whole, where the transport streams it under its own limit, so a
	// small compressed answer must not become gigabytes here.
	MaxInflated int64
}

// DefaultMaxInflated is Options.MaxInflated's default.
const DefaultMaxInflated = 256 << 20

// Recorder writes every exchange that passes through its RoundTrippers.
type Recorder struct {
	dir        string
	red        *redactor
	maxInflate int64
	seq        atomic.Int64

	mu  sync.Mutex
	err error // the first write error; the run goes on, Close reports it
	n   int
}

// NewRecorder prepares dir. A directory that already holds cassettes is
// refused: two recordings mixed would replay neither.
func NewRecorder(o Options) (*Recorder, error) {
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("--record: %w", err)
	}
	if old, _ := filepath.Glob(filepath.Join(o.Dir, "*.json")); len(old) > 0 {
		return nil, fmt.Errorf("--record: %s already holds %d cassettes; record into an empty directory", o.Dir, len(old))
	}
	if o.MaxInflated <= 0 {
		o.MaxInflated = DefaultMaxInflated
	}
	return &Recorder{dir: o.Dir, red: newRedactor(o.RedactPII, o.Scrub), maxInflate: o.MaxInflated}, nil
}

// Wrap returns a RoundTripper that records what next sends and receives.
func (r *Recorder) Wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripper{r: r, next: next}
}

// Close reports how many exchanges were written, and the first write error.
func (r *Recorder) Close() (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n, r.err
}

type roundTripper struct {
	r    *Recorder
	next http.RoundTripper
}

func (t roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	// The answer is read whole so that it can be written; the caller gets
	// the same bytes (still compressed when they were).
	raw, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	if rerr != nil {
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(raw), errReader{rerr}))
		return resp, nil // a cut answer is the caller's to report; not recorded
	}
	t.r.record(req, reqBody, resp, raw)
	return resp, nil
}

// CloseIdleConnections passes on, so http.Client.CloseIdleConnections
// still reaches the pooled connections.
func (t roundTripper) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func (r *Recorder) record(req *http.Request, reqBody []byte, resp *http.Response, raw []byte) {
	x := &Exchange{Cassette: Version, Seq: int(r.seq.Add(1))}
	red := r.red
	x.Request.Method = req.Method
	x.Request.URL = red.url(req.URL.String())
	x.Request.Header = red.header(req.Header)
	x.Request.Body, x.Request.BodyText = red.body(req.Header.Get("Content-Type"), reqBody)
	x.Response.Status = resp.StatusCode
	x.Response.Header = red.header(resp.Header)
	body, tooBig := raw, false
	if strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") && len(raw) > 2 && raw[0] == 0x1f && raw[1] == 0x8b {
		if zr, err := gzip.NewReader(bytes.NewReader(raw)); err == nil {
			if d, err := io.ReadAll(io.LimitReader(zr, r.maxInflate+1)); err == nil {
				body, tooBig = d, int64(len(d)) > r.maxInflate
			}
		}
	}
	if tooBig {
		x.Response.BodyText = fmt.Sprintf("[not recorded: the gzip answer inflates to more than %d bytes]", r.maxInflate)
	} else {
		x.Response.Body, x.Response.BodyText = red.body(resp.Header.Get("Content-Type"), body)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // URLs and bodies read as they were sent
	enc.SetIndent("", "  ")
	err := enc.Encode(x)
	if err == nil {
		err = os.WriteFile(filepath.Join(r.dir, fileName(x)), buf.Bytes(), 0o600)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("--record: %w", err)
	}
	if err == nil {
		r.n++
	}
}

// body redacts a body and returns it as JSON or as text.
func (red *redactor) body(contentType string, b []byte) (json.RawMessage, string) {
	var raw json.RawMessage
	var text string
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, ""
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "application/x-www-form-urlencoded" {
		return nil, string(red.form(b))
	}
	setBody(&raw, &text, b)
	if raw != nil {
		if out, err := red.redactJSON(raw); err == nil {
			return out, ""
		}
		text = string(raw)
	}
	return nil, red.str(text, "")
}
