package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/exoplay/exoplay/cloud"
	"github.com/exoplay/exoplay/internal/wait"
)

// Target is where and when to notify.
type Target struct {
	URL     string
	Format  string        // json | teams | slack
	On      string        // always | failure
	Timeout time.Duration // per attempt; 0 = 10s
	Retries int           // attempts after the first
}

// Due reports whether the target wants to hear of a run that ended with
// exitCode.
func (t Target) Due(exitCode int) bool { return t.On != "failure" || exitCode != 0 }

// Options are what Send runs with; tests inject the client and the clock.
type Options struct {
	Client *http.Client                                     // nil = http.DefaultClient
	Sleep  func(ctx context.Context, d time.Duration) error // nil = a real timer
}

// Backoff bounds: the first retry waits backoffBase, each next one twice as
// long, up to backoffMax; a Retry-After up to backoffMax is honoured.
const (
	backoffBase = time.Second
	backoffMax  = 30 * time.Second
)

// Send posts the run's summary to the target, retrying what may pass. Its
// errors name the webhook by scheme and host only.
func Send(ctx context.Context, t Target, s *Summary, o Options) error {
	u, err := url.Parse(t.URL)
	if err != nil || u.Host == "" {
		return errors.New("notify: the webhook address is not a URL")
	}
	where := u.Scheme + "://" + u.Host + "/…"
	if u.Scheme != "https" && !(u.Scheme == "http" && cloud.IsLoopback(u.Hostname())) {
		return fmt.Errorf("notify %s: only https webhooks (plain http on loopback only)", where)
	}
	body, err := Body(t.Format, s)
	if err != nil {
		return err
	}
	client, sleep := o.Client, o.Sleep
	if client == nil {
		client = http.DefaultClient
	}
	if sleep == nil {
		sleep = wait.Sleep
	}
	timeout := t.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	backoff := backoffBase
	for attempt := 0; ; attempt++ {
		retryAfter, err := post(ctx, client, t.URL, body, timeout)
		if err == nil {
			return nil
		}
		var perm permanent
		if errors.As(err, &perm) || attempt >= t.Retries {
			return fmt.Errorf("notify %s: attempt %d of %d: %w", where, attempt+1, t.Retries+1, err)
		}
		d := backoff
		if retryAfter > 0 {
			d = min(retryAfter, backoffMax)
		}
		if err := sleep(ctx, d); err != nil {
			return fmt.Errorf("notify %s: %w", where, err)
		}
		backoff = min(2*backoff, backoffMax)
	}
}

// permanent is an answer that retrying will not change (4xx but 408, 429).
type permanent struct{ error }

// post makes one attempt. It never returns an error that holds the URL.
func post(ctx context.Context, client *http.Client, target string, body []byte, timeout time.Duration) (retryAfter time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, permanent{errors.New("cannot build the request")}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "exoplay-notify")
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // *url.Error repeats the URL
		}
		if ctx.Err() == context.DeadlineExceeded {
			return 0, fmt.Errorf("no answer within %v", timeout)
		}
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return 0, nil
	case c == http.StatusTooManyRequests || c == http.StatusRequestTimeout || c >= 500:
		if d, ok := wait.RetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok && d > 0 {
			retryAfter = d
		}
		return retryAfter, fmt.Errorf("the webhook answered %s", resp.Status)
	default:
		return 0, permanent{fmt.Errorf("the webhook answered %s", resp.Status)}
	}
}
