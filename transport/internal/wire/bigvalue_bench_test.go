package wire

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/exoplay/exoplay/transport/internal/pagetest"
)

// BenchmarkBigValue decodes one object of 1..8 MiB arriving 16 KiB per
// read: the time per MiB stays flat when decoding is linear.
func BenchmarkBigValue(b *testing.B) {
	for _, mib := range []int{1, 2, 4, 8} {
		body := pagetest.BigStringPage(mib << 20)
		b.Run(strconv.Itoa(mib)+"MiB", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for range b.N {
				var p Page
				n, err := decodeBody(pagetest.ChunkReader{R: bytes.NewReader(body), N: 16 << 10}, -1, 0, -1, func(json.RawMessage) error { return nil }, &p)
				if err != nil || n != 1 {
					b.Fatal(n, err)
				}
			}
		})
	}
}
