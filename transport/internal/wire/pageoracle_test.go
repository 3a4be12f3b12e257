package wire

import (
	"encoding/json"
	"io"
)

// decodePageTokens is decodePage as it was before the value array was
// scanned by valueStream: a token-by-token json.Decoder, the reference the
// faster decoders (streamValues, decodeBytes) are held to. The envelope
// members around the array are read by the same code either way, so the
// reference cannot drift from decodePage there.
func decodePageTokens(r io.Reader, skip, want int, emit func(json.RawMessage) error, p *Page) (emitted int, err error) {
	return decodeTokens(r, skip, want, emit, p, false)
}
