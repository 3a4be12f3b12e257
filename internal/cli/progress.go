package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"
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
		return newLiveProgress(w, time.Now)
	default:
		return newPlainProgress(w, plainInterval, time.Now)
	}
}

// observer feeds a tally from the runner and hands the lines to print
// (a new error, a tenant done) to say.
type observer struct {
	*tally
	say func(line string)
}

func (o *observer) WaveStarted(name string, n, count, tenants int) {
	o.waveStarted(name, n, count, tenants)
	o.say(fmt.Sprintf("progress: %s started (wave %d of %d, %d tenant(s))", name, n, count, tenants))
}

func (o *observer) TenantStarted(name string)  { o.tenantStarted(name) }
func (o *observer) StepStarted(_, step string) { o.stepStarted(step) }
func (o *observer) StepCells(tenant, step string, n, done int) {
	o.stepCells(tenant, step, n, done)
}

func (o *observer) CellDone(tenant, step string, st results.Status, err *results.Error) {
	if l := o.cellDone(tenant, step, st, err); l != "" {
		o.say("progress: " + l)
	}
}

func (o *observer) StepDone(tenant, step string, st results.Status) { o.stepDone(tenant, step, st) }

func (o *observer) CallDone(_, _ string, _ runner.CallStats, err error) { o.callDone(err) }
func (o *observer) Throttled(_ string, wait time.Duration)              { o.throttle(wait) }

// liveProgress is an mpb bar of cells done, with the status line after it;
// failures are printed above the bar as they happen.
type liveProgress struct {
	w io.Writer
	observer
	p   *mpb.Progress
	bar *mpb.Bar
}

func newLiveProgress(w io.Writer, now func() time.Time) *liveProgress {
	l := &liveProgress{w: w}
	l.observer = observer{tally: newTally(now), say: l.above}
	return l
}

// above prints a line over the bar (before the bar exists: nothing yet).
func (l *liveProgress) above(line string) {
	if l.p != nil {
		_, _ = l.p.Write([]byte(line + "\n"))
	}
}

func (l *liveProgress) RunStarted(ri runner.RunInfo) {
	l.runStarted(ri)
	// The caller knows w is a terminal (mpb cannot tell through an io.Writer).
	l.p = mpb.New(mpb.WithOutput(l.w), mpb.WithAutoRefresh(), mpb.WithRefreshRate(200*time.Millisecond))
	l.bar = l.p.AddBar(int64(max(1, ri.Tenants*ri.Steps)),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return " " + l.line() })),
	)
}

// sync moves the bar to the tally's cells (the total grows with foreach
// lists).
func (l *liveProgress) sync() {
	if l.bar == nil {
		return
	}
	l.mu.Lock()
	done, exp := l.cellsDone, l.expected()
	l.mu.Unlock()
	l.bar.SetTotal(int64(max(exp, done, 1)), false)
	l.bar.SetCurrent(int64(done))
}

func (l *liveProgress) CellDone(tenant, step string, st results.Status, err *results.Error) {
	l.observer.CellDone(tenant, step, st, err)
	l.sync()
}

func (l *liveProgress) StepDone(tenant, step string, st results.Status) {
	l.observer.StepDone(tenant, step, st)
	l.sync()
}

func (l *liveProgress) TenantDone(res *results.Tenant) {
	if line := l.tenantDone(res); line != "" {
		l.above("progress: " + line)
	}
	l.sync()
}

func (l *liveProgress) RunFinished(s results.Summary) {
	l.runFinished(s)
	if l.p == nil {
		return
	}
	// The bar ends where the cells are: short of its total after an
	// interrupt, and the final lines say what is left.
	l.sync()
	l.bar.Abort(false)
	l.p.Wait()
	fmt.Fprintln(l.w, strings.Join(l.finalLines(), "\n"))
}

// plainProgress prints a line per finished tenant, per new error and per
// wave, and a status line every interval, for logs.
type plainProgress struct {
	w        io.Writer
	interval time.Duration
	// ticker returns the status-line ticks and a stop func; tests inject
	// one they drive instead of waiting out the interval.
	ticker func(time.Duration) (<-chan time.Time, func())
	observer

	mu   sync.Mutex // serializes writes to w
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

func newPlainProgress(w io.Writer, interval time.Duration, now func() time.Time) *plainProgress {
	p := &plainProgress{w: w, interval: interval, ticker: realTicker, stop: make(chan struct{})}
	p.observer = observer{tally: newTally(now), say: p.println}
	return p
}

func realTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

func (p *plainProgress) println(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(p.w, line)
}

func (p *plainProgress) RunStarted(ri runner.RunInfo) {
	p.runStarted(ri)
	p.println(fmt.Sprintf("progress: starting %d tenant(s), %d step(s) each", ri.Tenants, ri.Steps))
	ticks, stop := p.ticker(p.interval)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer stop()
		for {
			select {
			case <-ticks:
				p.println("progress: " + p.line())
			case <-p.stop:
				return
			}
		}
	}()
}

func (p *plainProgress) TenantDone(res *results.Tenant) {
	line := p.tenantDone(res)
	p.tally.mu.Lock()
	n, total := p.finished, p.tenants
	p.tally.mu.Unlock()
	if res.Started != nil || res.Status != results.StatusIncomplete {
		p.println(fmt.Sprintf("progress: tenant %s %s (%d/%d)", res.Name, res.Status, n, total))
	}
	if line != "" {
		p.println("progress: " + line)
	}
}

func (p *plainProgress) RunFinished(s results.Summary) {
	p.runFinished(s)
	p.once.Do(func() { close(p.stop) })
	p.wg.Wait()
	for _, l := range p.finalLines() {
		p.println("progress: " + l)
	}
}
