package auth

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Retry policy for token requests. MSAL has none (msal-go.md §7): Entra
// answers bursts with 429/503 and a Retry-After, which must be waited out;
// other server errors and network failures get one more try.
const (
	maxThrottledAttempts = 5
	maxRetryWait         = 2 * time.Minute
	serverErrorWait      = time.Second
)

// retry calls fn until it succeeds or fails in a way that waiting cannot fix.
func (m *Manager) retry(ctx context.Context, what string, fn func() (tokenResult, error)) (tokenResult, error) {
	for attempt := 1; ; attempt++ {
		res, err := fn()
		if err == nil {
			return res, nil
		}
		wait, ok := m.retryDelay(err, attempt)
		if !ok {
			return res, err
		}
		m.opts.Logger.Debug().Str("request", what).Int("attempt", attempt).Dur("wait", wait).Msg("token request failed; retrying")
		if serr := m.sleep(ctx, wait); serr != nil {
			return res, err
		}
	}
}

// retryDelay says whether err is worth another attempt, and after how long.
func (m *Manager) retryDelay(err error, attempt int) (time.Duration, bool) {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return 0, false
	}
	if f, ok := asHTTPFailure(err, m.now()); ok {
		switch f.status {
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			if attempt >= maxThrottledAttempts {
				return 0, false
			}
			d := f.retryAfter
			if !f.hasRetry {
				d = time.Second << (attempt - 1) // 1s, 2s, 4s, 8s
			}
			return min(d, maxRetryWait), true
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
			return serverErrorWait, attempt < 2
		}
		return 0, false
	}
	if isNetworkError(err) {
		return serverErrorWait, attempt < 2
	}
	return 0, false
}

// isNetworkError reports a failure to reach the server at all.
func isNetworkError(err error) bool {
	var ne net.Error
	var ue *url.Error
	var oe *net.OpError
	return errors.As(err, &ne) || errors.As(err, &ue) || errors.As(err, &oe)
}
