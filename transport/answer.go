package transport

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/exoplay/exoplay/internal/category"
)

// DefaultMaxAnswerBytes bounds one answer (one page, one $batch round)
// after decompression: far above any page of 1000 objects, low enough
// that a hostile or broken answer cannot take the machine's memory.
const DefaultMaxAnswerBytes = 1 << 30

// hdrGzip is the Accept-Encoding the module sends (§3.3). Asking for it
// ourselves turns net/http's transparent decoding off: the client
// decompresses, bounded and cancellable, in answerBody.
var hdrGzip = []string{"gzip"}

// errAnswerTooBig is the cause of an answer past the limit.
var errAnswerTooBig = errors.New("answer too large")

// answer is a response body as the client reads it: decompressed when the
// service says gzip and it is gzip (the unknown-cmdlet 403 says gzip over
// NUL bytes, which are passed through as they are), stopped at limit
// bytes, and failing at the next read once ctx is done, so a page being
// decoded ends with the call's deadline however fast the bytes come.
type answer struct {
	r     io.Reader
	raw   io.Closer
	gz    *gzip.Reader
	ctx   context.Context
	limit int64
	n     int64
	over  bool // the limit was passed
}

// answerBody wraps resp.Body.
func answerBody(ctx context.Context, resp *http.Response, limit int64) *answer {
	a := &answer{r: resp.Body, raw: resp.Body, ctx: ctx, limit: limit}
	if strings.EqualFold(strings.TrimSpace(resp.Header.Get("Content-Encoding")), "gzip") {
		br := bufio.NewReader(resp.Body)
		a.r = br
		if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
			if gz, err := gzip.NewReader(br); err == nil {
				a.r, a.gz = gz, gz
			}
		}
	}
	return a
}

func (a *answer) Read(p []byte) (int, error) {
	if err := a.ctx.Err(); err != nil {
		return 0, context.Cause(a.ctx)
	}
	if a.over {
		return 0, errAnswerTooBig
	}
	if rest := a.limit - a.n + 1; int64(len(p)) > rest {
		p = p[:rest] // one byte past the limit tells "too big" from "exactly"
	}
	n, err := a.r.Read(p)
	a.n += int64(n)
	if a.n > a.limit {
		a.over = true
		return n - int(a.n-a.limit), errAnswerTooBig
	}
	return n, err
}

// Close closes the response body.
func (a *answer) Close() error {
	if a.gz != nil {
		a.gz.Close()
	}
	return a.raw.Close()
}

// tooBigError is the final error of an answer past the limit: sending the
// same call again would bring the same answer.
func (cl *call) tooBigError(status int) *Error {
	e := &Error{Category: category.Unknown, Status: status, Cmdlet: cl.cmdlet, Code: "AnswerTooLarge", sent: true,
		Message: fmt.Sprintf("the service's answer is larger than %d bytes, the per-answer limit (transport.Options.MaxAnswerBytes); "+
			"select fewer properties or a smaller page, or raise the limit", cl.c.maxAnswer)}
	if cl.write && !cl.replayable {
		e.Message += "; " + cl.cmdlet + " ran, but its answer was not read"
	}
	return e
}
