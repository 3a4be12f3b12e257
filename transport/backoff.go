package transport

import (
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

func defaultJitter() float64 { return rand.Float64() }

// parseRetryAfterSeconds reads Retry-After as (possibly fractional) seconds,
// the form Exchange uses; -1 when absent or not a number. HTTP dates are
// handled by retryAfterDate.
func parseRetryAfterSeconds(v string) float64 {
	v = strings.TrimSpace(v)
	if v == "" {
		return -1
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return -1
	}
	return f
}

// retryAfter returns the wait the service asked for, from seconds or an
// HTTP date relative to now; ok is false when it asked for none.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s := parseRetryAfterSeconds(v); s >= 0 {
		return secondsToDuration(s), true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

func secondsToDuration(s float64) time.Duration {
	const maxSeconds = float64(24 * time.Hour / time.Second)
	if s > maxSeconds {
		s = maxSeconds
	}
	return time.Duration(s * float64(time.Second))
}

// backoff is the wait before retry n (0-based): base·2ⁿ capped at max, with
// "equal jitter" (a random point in the upper half) so that many clients
// throttled together do not come back together.
func (c *Client) backoff(n int) time.Duration {
	d := c.max
	if n < 30 {
		if x := c.base << uint(n); x > 0 && x < c.max {
			d = x
		}
	}
	half := d / 2
	return half + time.Duration(c.jitter()*float64(d-half))
}
