package transport

import (
	"encoding/json"
	"io"
)

// decodePageTokens is decodePage as it was before the value array was
// scanned by valueStream: a token-by-token json.Decoder, the reference the
// faster decoders (streamValues, decodeBytes) are held to. The envelope
// members around the array are read by the same code either way, so the
// reference cannot drift from decodePage there.
func decodePageTokens(r io.Reader, cmdlet string, skip, want int, emit func(json.RawMessage) error, p *page) (emitted int, err error) {
	return decodeTokens(r, cmdlet, skip, want, emit, p, false)
}
