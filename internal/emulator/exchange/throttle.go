package exchange

import (
	"net/http"
	"strconv"
	"time"
)

// admit applies the per-tenant concurrency cap and rate budget. On success
// the caller must call ts.leave.
// behaviour exo.throttle.concurrency (internal/emulator/BEHAVIOURS.md)
// behaviour exo.throttle.rate (internal/emulator/BEHAVIOURS.md)
func (s *Server) admit(ts *tenantState, k *knobs) *reply {
	n := ts.enter()
	if k.cap > 0 && n > int64(k.cap) {
		ts.leave()
		return s.concurrencyRefusal(ts, k, retryAfterValue(k.retryAfter))
	}
	if k.rate.Requests > 0 {
		now := s.now()
		ts.mu.Lock()
		if now.Sub(ts.windowStart) >= k.rate.Window {
			ts.windowStart, ts.windowCount = now, 0
		}
		ts.windowCount++
		over := ts.windowCount > k.rate.Requests
		wait := k.rate.Window - now.Sub(ts.windowStart)
		ts.mu.Unlock()
		if over {
			ts.leave()
			return s.throttle(ts, retryAfterValue(wait), rateText)
		}
	}
	return nil
}

// behaviour exo.throttle.retry-after (internal/emulator/BEHAVIOURS.md)
func (s *Server) throttle(ts *tenantState, retryAfter, text string) *reply {
	s.stats.throttled.Add(1)
	ts.mu.Lock()
	ts.throttled++
	ts.mu.Unlock()
	rep := &reply{status: http.StatusTooManyRequests, json: true, body: simpleError("TooManyRequests", text)}
	if retryAfter != "" {
		rep.hdr = append(rep.hdr, header{"Retry-After", retryAfter})
	}
	return rep
}

// retryAfterValue renders whole seconds when d is whole, else a decimal.
func retryAfterValue(d time.Duration) string {
	if d <= 0 {
		return "0"
	}
	if d%time.Second == 0 {
		return strconv.Itoa(int(d / time.Second))
	}
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}

// concurrencyRefusal is the per-tenant concurrency cap's answer in the
// configured form (behaviour exo.throttle.concurrency-text): the JSON 429,
// or the bare text ExoHelper matches in a non-JSON body at whatever status
// (exo-rest-protocol.md §10.10).
// behaviour exo.throttle.concurrency-text (internal/emulator/BEHAVIOURS.md)
func (s *Server) concurrencyRefusal(ts *tenantState, k *knobs, retryAfter string) *reply {
	rep := s.throttle(ts, retryAfter, concurrencyText)
	if k.strict.ConcurrencyBody == ConcurrencyText {
		rep.json = false
		rep.body = []byte(concurrencyText)
		rep.hdr = append(rep.hdr, header{"Content-Type", "text/plain; charset=utf-8"})
	}
	if k.strict.ConcurrencyStatus != 0 {
		rep.status = k.strict.ConcurrencyStatus
	}
	return rep
}
