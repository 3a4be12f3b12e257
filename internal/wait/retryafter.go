package wait

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfter bounds what a server may ask for: a day. A larger value (or
// one that would overflow time.Duration) is read as a day, not as a
// negative or wrapped-around wait.
const maxRetryAfter = 24 * time.Hour

// RetryAfter reads a Retry-After header value relative to now: (possibly
// fractional) delay-seconds — the form Exchange and Entra use — or an HTTP
// date. ok is false when v is empty, negative or neither form; a date in
// the past is a wait of 0.
func RetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s < 0 || math.IsNaN(s) || math.IsInf(s, 0) {
			return 0, false
		}
		if s > maxRetryAfter.Seconds() {
			return maxRetryAfter, true
		}
		return time.Duration(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
