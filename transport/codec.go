package transport

import (
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/exoplay/exoplay/internal/category"
	"github.com/exoplay/exoplay/transport/internal/wire"
)

// SecureString marks a parameter value that PowerShell types as
// SecureString (passwords). The service expects it RSA-encrypted with a key
// shipped inside the module, which exoplay does not have yet, so a call that
// holds one is refused rather than sent in clear or wrongly encoded.
type SecureString = wire.SecureString

// PSCredential marks a PowerShell credential parameter; its wire form has
// never been observed, so a call that holds one is refused.
type PSCredential = wire.PSCredential

// page is what one response envelope held, besides the objects.
type page = wire.Page

// emitError carries an error returned by the caller's emit func, which ends
// the call as is (never retried).
type emitError struct{ err error }

func (e *emitError) Error() string { return e.err.Error() }
func (e *emitError) Unwrap() error { return e.err }

// encodeBody is the request body of a call: the module's rewriting of
// filter text (filterbool.go), then the codec's encoding (internal/wire).
func encodeBody(cmdlet string, params map[string]any) ([]byte, error) {
	b, err := wire.EncodeBody(cmdlet, sanitizeFilters(params))
	return b, codecError(err, cmdlet, 0)
}

// decodeBody decodes one page of a cmdlet's answer (wire.DecodeBody).
func decodeBody(r io.Reader, size int64, cmdlet string, skip, want int, emit func(json.RawMessage) error, p *page) (int, error) {
	n, err := wire.DecodeBody(r, size, skip, want, emit, p)
	return n, codecError(err, cmdlet, 200)
}

// decodeMem decodes one page held in memory (a $batch item's body).
func decodeMem(b []byte, cmdlet string, skip, want int, emit func(json.RawMessage) error, p *page) (int, error) {
	n, err := wire.DecodeMem(b, skip, want, emit, p)
	return n, codecError(err, cmdlet, 200)
}

// codecError turns the codec's failures into the transport's: a page that
// is not an envelope is transient (the retry rule decides), a confirmation
// request and an unencodable parameter are validation errors, an error
// envelope inside a 200 is decoded like any error answer, and the caller's
// own emit error ends the call as is.
func codecError(err error, cmdlet string, status int) error {
	if err == nil {
		return nil
	}
	var we *wire.Error
	if errors.As(err, &we) {
		switch we.Kind {
		case wire.Malformed:
			return pageError(cmdlet, we.Msg)
		case wire.Confirmation:
			return confirmationError(cmdlet, we.Text)
		case wire.Service:
			return decodeError(status, nil, we.Body, cmdlet)
		case wire.Parameter:
			return &Error{Category: category.Validation, Code: "UnsupportedParameter", Cmdlet: cmdlet,
				Message: we.Msg + "; the call was not sent"}
		}
	}
	var ee *wire.EmitError
	if errors.As(err, &ee) {
		return &emitError{ee.Err}
	}
	return err
}

// pageError is a 200 whose body is not a usable result envelope.
func pageError(cmdlet, msg string) *Error {
	return &Error{Category: category.Transient, Status: 200, Cmdlet: cmdlet, Code: "InvalidResponse", sent: true, Message: msg}
}

// confirmationError is a 200 that asks for confirmation instead of running
// the cmdlet.
func confirmationError(cmdlet, text string) *Error {
	return &Error{Category: category.Validation, Status: 200, Cmdlet: cmdlet, Code: "ConfirmationRequired", sent: true,
		Message: clip(redact("the service asked for confirmation and did nothing (send Confirm: false to run it): " + text))}
}

// warningsOf are a page's warnings as results keep them: redacted and
// clipped (non-terminating errors carry service text).
func warningsOf(p *page) []string {
	out := p.Warnings[:0:0]
	for _, w := range p.Warnings {
		if strings.HasPrefix(w, "error: ") {
			w = "error: " + clip(redact(strings.TrimPrefix(w, "error: ")))
		}
		out = append(out, w)
	}
	return out
}

// Codec helpers the transport shares.
var (
	appendString = wire.AppendString
	syntaxText   = wire.SyntaxText
)

const (
	wholeBodyMax = wire.WholeBodyMax
	hexDigits    = "0123456789abcdef"
)
