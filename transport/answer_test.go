package transport

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/exoplay/exoplay/internal/category"
	"github.com/exoplay/exoplay/transport/internal/pagetest"
)

// gzipPage writes page gzip-encoded, as the service does for a client
// that accepts gzip.
func gzipPage(w http.ResponseWriter, page []byte) {
	w.Header().Set("Content-Type", "application/json;odata.metadata=minimal")
	w.Header().Set("Content-Encoding", "gzip")
	zw := gzip.NewWriter(w)
	_, _ = zw.Write(page)
	_ = zw.Close()
}

func TestGzipAnswerDecoded(t *testing.T) {
	h := newHarness(t, 0, Options{})
	h.f.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
		gzipPage(w, []byte(pagetest.Envelope("", []string{"w1"}, `{"Name":"a"}`, `{"Name@odata.type":"#String","Name":"b"}`)))
		return true
	}
	objs, st, err := h.invoke(t, Request{Cmdlet: "Get-Thing"})
	if err != nil || len(objs) != 2 || string(objs[1]) != `{"Name":"b"}` || len(st.Warnings) != 1 {
		t.Fatalf("%v %q %+v", err, objs, st)
	}
	if ae := h.f.requests()[0].h.Get("Accept-Encoding"); ae != "gzip" {
		t.Errorf("Accept-Encoding %q", ae)
	}
}

// A page past MaxAnswerBytes (a gzip bomb: 16 MiB in a few KiB)
// fails with a clear, final error and is not sent again.
func TestAnswerLimit(t *testing.T) {
	h := newHarness(t, 0, Options{MaxAnswerBytes: 1 << 20})
	bomb := pagetest.BigStringPage(16 << 20)
	h.f.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
		gzipPage(w, bomb)
		return true
	}
	_, st, err := h.invoke(t, Request{Cmdlet: "Export-Thing"})
	var e *Error
	if !errors.As(err, &e) || e.Code != "AnswerTooLarge" || !strings.Contains(e.Message, "1048576 bytes") || st.Requests != 1 {
		t.Fatalf("%v %+v", err, st)
	}
	// Under the limit, the same answer is read whole.
	h2 := newHarness(t, 0, Options{MaxAnswerBytes: 17 << 20})
	h2.f.hook = h.f.hook
	objs, _, err := h2.invoke(t, Request{Cmdlet: "Export-Thing"})
	if err != nil || len(objs) != 1 || len(objs[0]) < 16<<20 {
		t.Fatalf("under the limit: %v, %d objects", err, len(objs))
	}
}

// An answer that never ends (an endless gzip stream) stops at the call's
// deadline, and at the caller's cancellation.
func TestAnswerStopsAtDeadline(t *testing.T) {
	h := newHarness(t, 0, Options{})
	h.f.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		_, _ = zw.Write([]byte(`{"value":[{"Data":"`))
		chunk := bytes.Repeat([]byte("A"), 1<<20)
		for r.Context().Err() == nil {
			if _, err := zw.Write(chunk); err != nil {
				return true
			}
		}
		return true
	}
	zero := 0
	done := make(chan error, 1)
	go func() {
		_, _, err := h.invoke(t, Request{Cmdlet: "Export-Thing", Timeout: 300 * time.Millisecond, Retries: &zero})
		done <- err
	}()
	select {
	case err := <-done:
		var e *Error
		if !errors.As(err, &e) || e.Category != category.Timeout {
			t.Fatalf("%v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the decode did not stop at the call's deadline")
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		_, err := h.c.Invoke(ctx, h.ep, Request{Cmdlet: "Export-Thing", Retries: &zero}, nil)
		done <- err
	}()
	time.AfterFunc(200*time.Millisecond, cancel)
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("%v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the decode did not stop when the caller cancelled")
	}
}

// decodeAnswer runs a compressed (or claimed-compressed) body through the
// answer decoder and the page decoder, as attempt does.
func decodeAnswer(ctx context.Context, body []byte, gz bool, limit int64) (objs []string, over bool, err error) {
	resp := &http.Response{Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body))}
	if gz {
		resp.Header.Set("Content-Encoding", "gzip")
	}
	a := answerBody(ctx, resp, limit)
	defer a.Close()
	var p page
	_, err = decodeBody(pagetest.ChunkReader{R: a, N: 4 << 10}, -1, "Get-X", 0, -1, func(o json.RawMessage) error {
		objs = append(objs, string(o))
		return nil
	}, &p)
	return objs, a.over, err
}

// FuzzAnswerDecoder feeds the compressed-answer decoder whatever the
// network could: a page gzip-compressed (it must decode to what the plain
// page decodes to, or stop at the limit) and raw bytes labelled gzip (the
// NUL-byte 403, garbage, truncated streams): never a panic, never more
// than the limit read.
func FuzzAnswerDecoder(f *testing.F) {
	f.Add([]byte(pagetest.Envelope("https://h/n", []string{"w"}, `{"a@odata.type":"#x","a":1}`, `{"b":[1,2]}`)), int64(1<<20))
	f.Add(pagetest.BigStringPage(64<<10), int64(10<<10))
	f.Add(make([]byte, 32), int64(100))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}, int64(1<<20))
	f.Fuzz(func(t *testing.T, in []byte, limit int64) {
		limit = 1 + abs(limit)%(2<<20)
		var zb bytes.Buffer
		zw := gzip.NewWriter(&zb)
		_, _ = zw.Write(in)
		_ = zw.Close()
		ctx := context.Background()
		got, over, gotErr := decodeAnswer(ctx, zb.Bytes(), true, limit)
		want, _, wantErr := decodeAnswer(ctx, in, false, limit)
		if !over && int64(len(in)) <= limit && (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("gzip changed the outcome: %v vs %v", gotErr, wantErr)
		}
		if !over && gotErr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("gzip changed the objects: %q vs %q", got, want)
		}
		if over && (int64(len(in)) <= limit || gotErr == nil) {
			t.Fatalf("over=%v for %d bytes, limit %d, err %v", over, len(in), limit, gotErr)
		}
		_, _, _ = decodeAnswer(ctx, in, true, limit) // raw bytes said to be gzip
	})
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
