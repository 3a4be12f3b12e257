package transport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// exchange sends one logical request (one page, one batch round) with the
// retry rule of the package doc. handle reads a 2xx response; it may be
// called again on a retry.
func (cl *call) exchange(ctx context.Context, target string, body []byte, handle func(*http.Response) error) error {
	var b retryBudget
	for {
		err := cl.attempt(ctx, target, body, handle)
		if err == nil {
			return nil
		}
		wait, reason, final := cl.decide(ctx, err, &b)
		if final != nil {
			return final
		}
		cl.stats.Retried = append(cl.stats.Retried, reason)
		cl.c.log.Info().Str("cmdlet", cl.cmdlet).Str("tenant", cl.ep.Tenant).Str("reason", reason).
			Dur("wait", wait).Msg("retrying")
		if wait > 0 {
			if err := cl.c.clock.Sleep(ctx, wait); err != nil {
				return cl.ctxErr(ctx, err)
			}
		}
	}
}

// decide applies the retry rule to one failed attempt: either a wait and a
// reason, or the final error.
func (cl *call) decide(ctx context.Context, err error, b *retryBudget) (time.Duration, string, error) {
	if ctx.Err() != nil {
		return 0, "", cl.ctxErr(ctx, err)
	}
	var te *tokenError
	if errors.As(err, &te) {
		return 0, "", fmt.Errorf("%s: getting a token for tenant %s: %w", cl.cmdlet, cl.ep.Tenant, te.err)
	}
	var ee *emitError
	if errors.As(err, &ee) {
		return 0, "", ee.err
	}
	var e *Error
	if !errors.As(err, &e) {
		return 0, "", err
	}
	switch {
	case e.Status == http.StatusUnauthorized && e.Category == CategoryAuth && e.claims != "" && !cl.challenged:
		cl.challenged, cl.claims = true, e.claims
		return 0, "HTTP 401: claims challenge passed to a new token", nil
	case e.Status == http.StatusUnauthorized && e.Category == CategoryAuth && !cl.refreshed:
		cl.refreshed, cl.forceRefresh = true, true
		return 0, "HTTP 401: token refreshed", nil
	case e.Category == CategoryThrottled:
		wait, reason, ok := cl.c.nextRetry(e, b, cl.retries)
		if !ok {
			return 0, "", e
		}
		if cl.tooLate(wait) {
			return 0, "", cl.gaveUp(e)
		}
		if cl.ep.Limiter != nil {
			cl.ep.Limiter.Throttled(wait)
		}
		cl.stats.ThrottledWaits++
		cl.stats.ThrottledFor += wait
		return wait, reason, nil
	case e.Category == CategoryTransient || e.Category == CategoryTimeout:
		if strings.Contains(strings.ToLower(e.Message), paginationText) {
			return 0, "", e // the same link would fail again
		}
		if e.sent && !cl.replayable {
			e.plain = e.Message
			if e.Status == http.StatusOK {
				e.Message = clip(e.Message + "; " + cl.cmdlet + " ran, but its answer could not be read; it is not sent again")
			} else {
				e.OutcomeUnknown = true
				e.Message = clip(e.Message + outcomeNote + cl.cmdlet +
					" may or may not have run and was not sent again (check before re-running it)")
			}
			return 0, "", e
		}
		wait, reason, ok := cl.c.nextRetry(e, b, cl.retries)
		if !ok {
			return 0, "", e
		}
		if cl.tooLate(wait) {
			return 0, "", cl.gaveUp(e)
		}
		return wait, reason, nil
	}
	return 0, "", e
}

// retryBudget counts the retries of one logical request (an Invoke page, a
// batch item) under the retry rule.
type retryBudget struct{ transient, throttled int }

// nextRetry counts e, a throttled answer or a transient failure that may be
// sent again, against b: throttled answers are waited out at least
// minThrottleWaits times, transient ones retried up to retries times. It
// returns the wait before sending again and the reason to record, or ok
// false when the budget is spent (e's message then says so).
func (c *Client) nextRetry(e *Error, b *retryBudget, retries int) (wait time.Duration, reason string, ok bool) {
	if e.Category == CategoryThrottled {
		b.throttled++
		if b.throttled > max(minThrottleWaits, retries) {
			e.Message = clip(e.Message + fmt.Sprintf(" (still throttled after %d waits)", b.throttled-1))
			return 0, "", false
		}
		wait = c.retryWait(e, b.throttled)
		return wait, fmt.Sprintf("throttled (%s): waited %s", statusText(e), wait), true
	}
	b.transient++
	if b.transient > retries {
		if retries > 0 {
			e.Message = clip(e.Message + fmt.Sprintf(" (after %d retries)", retries))
		}
		return 0, "", false
	}
	return c.retryWait(e, b.transient), fmt.Sprintf("%s: %s", statusText(e), shortReason(e)), true
}

func statusText(e *Error) string {
	if e.Status == 0 {
		return string(e.Category)
	}
	return "HTTP " + strconv.Itoa(e.Status)
}

func shortReason(e *Error) string {
	if e.ExceptionType != "" {
		return shortType(e.ExceptionType)
	}
	m := e.Message
	if len(m) > 120 {
		m = m[:120] + "…"
	}
	return m
}

// retryWait is the wait before sending again after e, the n-th failure of
// its kind: what the service asked for (Retry-After), else the backoff.
func (c *Client) retryWait(e *Error, n int) time.Duration {
	if e.hasWait {
		return e.wait
	}
	return c.backoff(n - 1)
}

// tooLate reports whether waiting d would pass the MaxElapsed deadline.
func (cl *call) tooLate(d time.Duration) bool { return cl.c.clock.Now().Add(d).After(cl.deadline) }

// gaveUp reports the last error when MaxElapsed would be exceeded.
func (cl *call) gaveUp(err error) error {
	var e *Error
	if errors.As(err, &e) {
		cp := *e
		cp.Message = clip(cp.Message + fmt.Sprintf(" (gave up: retrying would exceed the %s limit)", cl.c.elapsed))
		return &cp
	}
	return err
}
