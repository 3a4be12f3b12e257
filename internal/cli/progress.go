package cli

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/exoplay/exoplay/results"
	"github.com/exoplay/exoplay/runner"
)

// plainInterval is how often plain progress prints a status line.
const plainInterval = 10 * time.Second

// newProgress returns the run's progress display on w (stderr): a live view
// on a terminal, periodic lines otherwise (cron, CI, Kubernetes logs),
// nothing for "none".
func newProgress(mode string, w io.Writer, isTTY bool) runner.Observer {
	switch {
	case mode == "none":
		return runner.NopObserver{}
	case mode == "auto" && isTTY:
		return &liveProgress{w: w}
	default:
		return newPlainProgress(w, plainInterval, time.Now)
	}
}

// counters are what both displays show.
type counters struct {
	total, started, done, failed atomic.Int64
	calls, callErrors, throttled atomic.Int64
}

func (c *counters) callDone(err error) {
	c.calls.Add(1)
	if err != nil {
		c.callErrors.Add(1)
	}
}

func (c *counters) line() string {
	return fmt.Sprintf("calls %d (%d failed), throttled waits %d", c.calls.Load(), c.callErrors.Load(), c.throttled.Load())
}

// liveProgress is an mpb bar of tenants done, with calls, throttled waits
// and an ETA.
type liveProgress struct {
	w io.Writer
	counters
	p   *mpb.Progress
	bar *mpb.Bar
}

func (l *liveProgress) RunStarted(tenants int) {
	l.total.Store(int64(tenants))
	// The caller knows w is a terminal (mpb cannot tell through an io.Writer).
	l.p = mpb.New(mpb.WithOutput(l.w), mpb.WithAutoRefresh(), mpb.WithRefreshRate(200*time.Millisecond))
	l.bar = l.p.AddBar(int64(tenants),
		mpb.PrependDecorators(
			decor.Name("tenants ", decor.WC{W: 8}),
			decor.CountersNoUnit("%d/%d", decor.WCSyncWidth),
		),
		mpb.AppendDecorators(
			decor.Any(func(decor.Statistics) string {
				s := " " + l.line()
				if f := l.failed.Load(); f > 0 {
					s += fmt.Sprintf(", %d tenant(s) failed", f)
				}
				return s
			}),
			decor.Name("  ETA "),
			decor.AverageETA(decor.ET_STYLE_GO),
		),
	)
}

func (l *liveProgress) TenantStarted(string) { l.started.Add(1) }

func (l *liveProgress) TenantDone(_ string, s results.Status) {
	l.done.Add(1)
	if s == results.StatusFailed {
		l.failed.Add(1)
	}
	if l.bar != nil {
		l.bar.Increment()
	}
}

func (l *liveProgress) CallDone(_, _ string, _ runner.CallStats, err error) { l.callDone(err) }
func (l *liveProgress) Throttled(string, time.Duration)                     { l.throttled.Add(1) }

func (l *liveProgress) RunFinished(results.Summary) {
	if l.p == nil {
		return
	}
	// Tenants that never started (interrupted, fail_fast) leave the bar
	// short: end it where it is.
	l.bar.SetTotal(-1, true)
	l.p.Wait()
}

// plainProgress prints a line per finished tenant and a status line every
// interval, for logs.
type plainProgress struct {
	w        io.Writer
	interval time.Duration
	now      func() time.Time
	// ticker returns the status-line ticks and a stop func; tests inject
	// one they drive instead of waiting out the interval.
	ticker func(time.Duration) (<-chan time.Time, func())
	counters

	mu    sync.Mutex // serializes writes to w
	start time.Time
	stop  chan struct{}
	wg    sync.WaitGroup
}

func newPlainProgress(w io.Writer, interval time.Duration, now func() time.Time) *plainProgress {
	return &plainProgress{w: w, interval: interval, now: now, ticker: realTicker, stop: make(chan struct{})}
}

func realTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

func (p *plainProgress) printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format, args...)
}

func (p *plainProgress) status() string {
	return fmt.Sprintf("progress: %d/%d tenants done (%d running, %d failed), %s, elapsed %s",
		p.done.Load(), p.total.Load(), p.started.Load()-p.done.Load(), p.failed.Load(), p.line(),
		p.now().Sub(p.start).Round(time.Second))
}

func (p *plainProgress) RunStarted(tenants int) {
	p.total.Store(int64(tenants))
	p.start = p.now()
	p.printf("progress: starting %d tenant(s)\n", tenants)
	ticks, stop := p.ticker(p.interval)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer stop()
		for {
			select {
			case <-ticks:
				p.printf("%s\n", p.status())
			case <-p.stop:
				return
			}
		}
	}()
}

func (p *plainProgress) TenantStarted(string) { p.started.Add(1) }

func (p *plainProgress) TenantDone(name string, s results.Status) {
	n := p.done.Add(1)
	if s == results.StatusFailed {
		p.failed.Add(1)
	}
	p.printf("progress: tenant %s %s (%d/%d)\n", name, s, n, p.total.Load())
}

func (p *plainProgress) CallDone(_, _ string, _ runner.CallStats, err error) { p.callDone(err) }
func (p *plainProgress) Throttled(string, time.Duration)                     { p.throttled.Add(1) }

func (p *plainProgress) RunFinished(results.Summary) {
	close(p.stop)
	p.wg.Wait()
	p.printf("%s\n", p.status())
}
