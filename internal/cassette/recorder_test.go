package cassette

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type answer func(*http.Request) (*http.Response, error)

func (f answer) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A gzip answer that inflates past the limit is not inflated into the
// cassette (a small compressed body must not become gigabytes in memory);
// the caller still gets the bytes it was sent, and one under the limit is
// recorded inflated.
func TestRecorderBoundsWhatAGzipAnswerInflatesTo(t *testing.T) {
	for _, tc := range []struct {
		size int
		want string
	}{{1000, `"value": "`}, {5000, "[not recorded: the gzip answer inflates to more than 4096 bytes]"}} {
		dir := t.TempDir()
		rec, err := NewRecorder(Options{Dir: dir, MaxInflated: 4096})
		if err != nil {
			t.Fatal(err)
		}
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write([]byte(`{"value":"` + strings.Repeat("a", tc.size) + `"}`))
		zw.Close()
		sent := gz.Bytes()
		c := &http.Client{Transport: rec.Wrap(answer(func(*http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Encoding": {"gzip"}, "Content-Type": {"application/json"}},
				Body: io.NopCloser(bytes.NewReader(sent))}, nil
		}))}
		req, _ := http.NewRequest(http.MethodGet, "https://outlook.office365.com/adminapi/beta/x/InvokeCommand", nil)
		req.Header.Set("Accept-Encoding", "gzip") // the caller inflates, as transport does
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		if !bytes.Equal(got, sent) {
			t.Fatalf("size %d: the caller did not get the bytes the service sent", tc.size)
		}
		if n, err := rec.Close(); n != 1 || err != nil {
			t.Fatalf("size %d: %d cassettes, %v", tc.size, n, err)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		if len(files) != 1 {
			t.Fatalf("size %d: files %v", tc.size, files)
		}
		b, _ := os.ReadFile(files[0])
		if !strings.Contains(string(b), tc.want) {
			t.Errorf("size %d: cassette lacks %q:\n%.400s", tc.size, tc.want, b)
		}
		if tc.size > 4096 && strings.Contains(string(b), "aaaa") {
			t.Errorf("size %d: the oversized body was recorded", tc.size)
		}
	}
}
