package cmdlet

import (
	"context"
	"time"
)

// Stats describe what one cmdlet call cost, as the transport counted it;
// the runner and the progress display read the same struct (one home, not
// a copy per layer). They are filled in even when the call fails.
type Stats struct {
	Attempts       int           // 1 + the number of retries
	Requests       int           // HTTP requests sent (pages, retries, redirects)
	Pages          int           // pages decoded
	Objects        int           // objects handed to emit
	ThrottledWaits int           // waits after a throttled answer
	ThrottledFor   time.Duration // their total
	Warnings       []string      // @adminapi.warnings of every page, in order
	Retried        []string      // one reason per retry
}

// Limiter gates each HTTP attempt of a call (the runner's per-organization
// semaphore; the transport calls it): Acquire before sending, Release when
// the response is read; the transport releases before waiting out a 429
// and reports the wait through Throttled.
type Limiter interface {
	Acquire(ctx context.Context) error
	Release()
	Throttled(retryAfter time.Duration)
}
