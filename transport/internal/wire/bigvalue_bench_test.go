package wire

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"testing"
)

// chunkReader hands out at most n bytes per Read, as a TLS connection or
// a gzip stream does (16 KiB records, 32 KiB windows).
type chunkReader struct {
	r io.Reader
	n int
}

func (c chunkReader) Read(p []byte) (int, error) {
	if len(p) > c.n {
		p = p[:c.n]
	}
	return c.r.Read(p)
}

// bigStringPage is a page of one object holding an n-byte string (an
// Export- cmdlet's base64 data).
func bigStringPage(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"@odata.context":"x","value":[{"FileData":"`)
	b.Write(bytes.Repeat([]byte("QUJD"), n/4))
	b.WriteString(`"}]}`)
	return b.Bytes()
}

// BenchmarkBigValue decodes one object of 1..8 MiB arriving 16 KiB per
// read: the time per MiB stays flat when decoding is linear.
func BenchmarkBigValue(b *testing.B) {
	for _, mib := range []int{1, 2, 4, 8} {
		body := bigStringPage(mib << 20)
		b.Run(strconv.Itoa(mib)+"MiB", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for range b.N {
				var p Page
				n, err := decodeBody(chunkReader{bytes.NewReader(body), 16 << 10}, -1, 0, -1, func(json.RawMessage) error { return nil }, &p)
				if err != nil || n != 1 {
					b.Fatal(n, err)
				}
			}
		})
	}
}
