package emulator

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// accessLog writes one line per request: listener, method, path, status,
// bytes, duration. Never headers or bodies: those carry tokens and secrets.
type accessLog struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *accessLog) wrap(name string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			l.mu.Lock()
			fmt.Fprintf(l.w, "%s %-10s %s %s %d %dB %s\n", start.UTC().Format("15:04:05.000"), name, r.Method, r.URL.Path,
				rec.status, rec.bytes, time.Since(start).Round(time.Microsecond))
			l.mu.Unlock()
		}()
		h.ServeHTTP(rec, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach Hijack (the reset fault).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
