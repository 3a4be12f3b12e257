package transport

import (
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/exoplay/exoplay/internal/wait"
)

func defaultJitter() float64 { return rand.Float64() }

// retryAfter returns the wait the service asked for in the Retry-After
// header (internal/wait reads the value); ok is false when it asked for none.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	return wait.RetryAfter(h.Get("Retry-After"), now)
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
