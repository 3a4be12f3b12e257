package transport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/exoplay/exoplay/internal/category"
)

// roundTrip sends one logical request (one page, one batch round) with the
// retry rule of the package doc. handle reads a 2xx response; it may be
// called again on a retry.
func (cl *call) roundTrip(ctx context.Context, target string, body []byte, handle func(*http.Response) error) error {
	cl.rs.budget = retryBudget{} // each page or round has its own retries
	for {
		err := cl.attempt(ctx, target, body, handle)
		if err == nil {
			return nil
		}
		wait, reason, final := cl.decide(ctx, err)
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

// decide applies the retry rule to one failed attempt of the call: either a
// wait and a reason, or the final error.
func (cl *call) decide(ctx context.Context, err error) (time.Duration, string, error) {
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
	v := cl.c.judge(e, &cl.rs, cl.replayable, cl.retries)
	switch {
	case v.final:
		if unknownOutcome(e, cl.replayable) {
			e.plain = e.Message
			if e.Status == http.StatusOK {
				e.Message = clip(e.Message + "; " + cl.cmdlet + " ran, but its answer could not be read; it is not sent again")
			} else {
				e.OutcomeUnknown = true
				e.Message = clip(e.Message + outcomeNote + cl.cmdlet +
					" may or may not have run and was not sent again (check before re-running it)")
			}
		}
		return 0, "", e
	case v.claims != "":
		cl.claims = v.claims
	case v.refresh:
		cl.forceRefresh = true
	case cl.tooLate(v.wait):
		return 0, "", cl.gaveUp(e)
	case e.Category == category.Throttled:
		if cl.ep.Limiter != nil {
			cl.ep.Limiter.Throttled(v.wait)
		}
		countThrottled(cl.stats, v.wait)
	}
	return v.wait, v.reason, nil
}

// verdict is what the retry rule makes of one failed answer: send again
// (after wait, with a refreshed token, or with a token for claims), or
// final.
type verdict struct {
	wait    time.Duration
	reason  string
	refresh bool
	claims  string
	final   bool
}

// retryState is what the retry rule remembers across the answers of one
// request: an Invoke (its budget restarts on each page) or a batch item.
type retryState struct {
	budget     retryBudget
	refreshed  bool // the one 401 refresh was used
	challenged bool // the one claims challenge was answered
}

// judge is the retry rule of the package doc, the one decision Invoke and
// Batch share: a 401 is sent again once with a token for its claims
// challenge and once with a refreshed token; a throttled answer is waited
// out; a transient one is sent again only when replaying cannot do harm
// (never sent, or replayable) and not for an expired next link; each
// within its budget. Everything else is final.
func (c *Client) judge(e *Error, rs *retryState, replayable bool, retries int) verdict {
	switch {
	case e.Status == http.StatusUnauthorized && e.Category == category.Auth && e.claims != "" && !rs.challenged:
		rs.challenged = true
		return verdict{claims: e.claims, reason: "HTTP 401: claims challenge passed to a new token"}
	case e.Status == http.StatusUnauthorized && e.Category == category.Auth && !rs.refreshed:
		rs.refreshed = true
		return verdict{refresh: true, reason: "HTTP 401: token refreshed"}
	case e.Category == category.Throttled ||
		(e.Category == category.Transient || e.Category == category.Timeout) && !expiredLink(e) && (!e.sent || replayable):
		if wait, reason, ok := c.nextRetry(e, &rs.budget, retries); ok {
			return verdict{wait: wait, reason: reason}
		}
	}
	return verdict{final: true}
}

// unknownOutcome reports a final failure after which a write may or may
// not have run: sent, not replayable, transient or timed out.
func unknownOutcome(e *Error, replayable bool) bool {
	return e.sent && !replayable && (e.Category == category.Transient || e.Category == category.Timeout) && !expiredLink(e)
}

// expiredLink reports the expired-next-link answer: the same link would
// fail again.
func expiredLink(e *Error) bool {
	return strings.Contains(strings.ToLower(e.Message), paginationText)
}

// countThrottled counts one wait after a throttled answer.
func countThrottled(st *Stats, d time.Duration) {
	st.ThrottledWaits++
	st.ThrottledFor += d
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
	if e.Category == category.Throttled {
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
		return e.Category
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
