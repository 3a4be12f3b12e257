package wire

import (
	"encoding/json"
	"io"
)

// EncodeBody renders {"CmdletInput":{"CmdletName":...,"Parameters":{...}}}.
// A value that cannot be encoded is an *Error of kind Parameter.
func EncodeBody(cmdlet string, params map[string]any) ([]byte, error) {
	return encodeBody(cmdlet, params)
}

// DecodeBody decodes one page from a response body of size bytes (-1:
// unknown): the first skip objects of value[] are passed over, the others go
// to emit until want were emitted (want < 0: no limit). It returns how many
// were emitted. Errors are *Error (kinds Malformed, Confirmation, Service),
// *EmitError, or what the reader failed with.
func DecodeBody(r io.Reader, size int64, skip, want int, emit func(json.RawMessage) error, p *Page) (int, error) {
	return decodeBody(r, size, skip, want, emit, p)
}

// DecodeMem is DecodeBody over a page held in memory.
func DecodeMem(b []byte, skip, want int, emit func(json.RawMessage) error, p *Page) (int, error) {
	return decodeMem(b, skip, want, emit, p)
}

// AppendString appends s as a JSON string.
func AppendString(b []byte, s string) []byte { return appendString(b, s) }

// SyntaxText is the message of a JSON decoding error without the bytes of
// the body ("unexpected end of data", "invalid character ...").
func SyntaxText(err error) string { return syntaxText(err) }

// WholeBodyMax is the largest page read into memory and decoded in one
// pass; bigger ones are streamed.
const WholeBodyMax = wholeBodyMax
