package exchange

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Config.
const (
	DefaultConcurrencyCap = 3
	DefaultPageSize       = 1000
	DefaultNextLinkTTL    = 30 * time.Minute
	DefaultRetryAfter     = time.Second
	maxPageSize           = 1000
)

// Config sets up a Server. Knobs may be changed later with the Set methods.
type Config struct {
	Backend  Backend
	Verifier Verifier
	// AuthorityURL is named in the WWW-Authenticate challenge of 401s.
	AuthorityURL string
	Seed         int64
	Latency      LatencySpec
	// ConcurrencyCap is the per-tenant limit of requests in flight:
	// 0 = DefaultConcurrencyCap, < 0 = unlimited.
	ConcurrencyCap int
	// RetryAfter is sent with the cap's and the rate budget's 429s
	// (DefaultRetryAfter when 0).
	RetryAfter  time.Duration
	Rate        RateBudget
	Faults      FaultSpec
	PageSize    int           // page size without a Prefer header; default 1000, at most 1000
	NextLinkTTL time.Duration // lifetime of an @odata.nextLink; default 30 min
	// Strict relaxes strict behaviours or picks answer forms; the zero
	// value is the service as the evidence shows it.
	Strict Strictness
	Now    func() time.Time
	// Sleep waits out latency and slow pages; nil = a timer that ends early
	// when ctx does. Tests inject one to see the waits without taking them.
	Sleep func(ctx context.Context, d time.Duration) error
	// Replay, when set, answers every InvokeCommand (alone or in a $batch)
	// from a recording instead of the backend.
	Replay ReplayFunc
}

// knobs are the settings that may change while serving; they are swapped
// as a whole so a request sees one consistent set.
type knobs struct {
	latency    LatencySpec
	cap        int
	retryAfter time.Duration
	rate       RateBudget
	pageSize   int
	ttl        time.Duration
	faults     *faultSet
	strict     Strictness
}

// Server holds the state shared by the Exchange and compliance listeners of
// one emulator: throttling per tenant, counters, continuation cursors.
type Server struct {
	backend   Backend
	verifier  Verifier
	authority string
	now       func() time.Time
	sleep     func(ctx context.Context, d time.Duration) error
	rng       *rng
	canonical map[string]string  // lower-case cmdlet -> canonical spelling
	exported  map[Service]string // EXOModuleFile exportedCmdlets per service

	knobs atomic.Pointer[knobs]
	kmu   sync.Mutex // serialises knob updates

	stats   stats
	cursors cursors
	tokens  tokenCache
	replay  ReplayFunc
}

// New builds a Server.
func New(cfg Config) (*Server, error) {
	if err := cfg.Faults.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.Strict.Validate(); err != nil {
		return nil, err
	}
	s := &Server{
		backend:   cfg.Backend,
		verifier:  cfg.Verifier,
		authority: strings.TrimRight(cfg.AuthorityURL, "/"),
		now:       cfg.Now,
		rng:       newRNG(cfg.Seed),
		canonical: map[string]string{},
		replay:    cfg.Replay,
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.sleep = cfg.Sleep
	if s.sleep == nil {
		s.sleep = sleep
	}
	if l, ok := cfg.Backend.(CmdletLister); ok {
		s.exported = map[Service]string{}
		for _, svc := range []Service{Exchange, Compliance} {
			names := l.Cmdlets(svc)
			for _, n := range names {
				s.canonical[strings.ToLower(n)] = n
			}
			s.exported[svc] = strings.Join(names, ",")
		}
	}
	s.cursors.init()
	k := &knobs{
		latency: cfg.Latency, cap: cfg.ConcurrencyCap, retryAfter: cfg.RetryAfter, rate: cfg.Rate,
		pageSize: cfg.PageSize, ttl: cfg.NextLinkTTL, faults: compileFaults(cfg.Faults), strict: cfg.Strict,
	}
	if k.cap == 0 {
		k.cap = DefaultConcurrencyCap
	}
	if k.retryAfter <= 0 {
		k.retryAfter = DefaultRetryAfter
	}
	if k.pageSize <= 0 || k.pageSize > maxPageSize {
		k.pageSize = DefaultPageSize
	}
	if k.ttl <= 0 {
		k.ttl = DefaultNextLinkTTL
	}
	s.knobs.Store(k)
	return s, nil
}

func (s *Server) update(f func(k *knobs)) {
	s.kmu.Lock()
	defer s.kmu.Unlock()
	k := *s.knobs.Load()
	f(&k)
	s.knobs.Store(&k)
}

// SetFaults replaces the fault rules (their firstN counts restart).
func (s *Server) SetFaults(f FaultSpec) error {
	if err := f.Validate(); err != nil {
		return err
	}
	s.update(func(k *knobs) { k.faults = compileFaults(f) })
	return nil
}

// SetLatency replaces the latency distribution.
func (s *Server) SetLatency(l LatencySpec) { s.update(func(k *knobs) { k.latency = l }) }

// SetConcurrencyCap sets the per-tenant cap (0 = default 3, < 0 = unlimited).
func (s *Server) SetConcurrencyCap(n int) {
	if n == 0 {
		n = DefaultConcurrencyCap
	}
	s.update(func(k *knobs) { k.cap = n })
}

// SetRateBudget replaces the per-tenant rate budget.
func (s *Server) SetRateBudget(b RateBudget) { s.update(func(k *knobs) { k.rate = b }) }

// SetPageSize sets the page size used without a Prefer header.
func (s *Server) SetPageSize(n int) {
	if n <= 0 || n > maxPageSize {
		n = DefaultPageSize
	}
	s.update(func(k *knobs) { k.pageSize = n })
}

// SetNextLinkTTL sets how long an @odata.nextLink stays valid.
func (s *Server) SetNextLinkTTL(d time.Duration) {
	if d <= 0 {
		d = DefaultNextLinkTTL
	}
	s.update(func(k *knobs) { k.ttl = d })
}

// Counters returns a snapshot of the counters.
func (s *Server) Counters() Counters { return s.stats.snapshot() }

// Handler serves one listener of svc. origin is the listener's own
// https://host:port (for @odata.context and nextLinks); audience is the
// token audience it accepts (for the compliance regional host, the front
// door's origin).
// behaviour exo.ipps.audience (internal/emulator/BEHAVIOURS.md)
func (s *Server) Handler(svc Service, origin, audience string) http.Handler {
	return &endpoint{s: s, svc: svc, origin: strings.TrimRight(origin, "/"), audience: strings.TrimRight(audience, "/")}
}

// FrontDoor serves the Security & Compliance front door: every adminapi
// call is answered with 302. The Location names backendOrigin (e.g.
// https://eur02b.admin.protection.outlook.com:446), a host that does not
// serve the REST API, as the service does (behaviour exo.ipps.door-backend,
// §10.1): a client must take the first label and call
// <label>.ps.compliance.protection.<suffix> itself. With backendOrigin ""
// (a cloud whose backend host is not known) or Strictness.DoorToRegional,
// the Location names regionalOrigin, where the REST API is served.
// behaviour exo.ipps.door-backend (internal/emulator/BEHAVIOURS.md)
func (s *Server) FrontDoor(regionalOrigin, backendOrigin string) http.Handler {
	regional := strings.TrimRight(regionalOrigin, "/")
	backend := strings.TrimRight(backendOrigin, "/")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.stats.requests.Add(1)
		k := s.knobs.Load()
		if refuse446(w, r, k) {
			return
		}
		w.Header()["request-id"] = []string{s.requestID()}
		if _, _, _, ok := SplitPath(r.URL.Path); !ok {
			http.NotFound(w, r)
			return
		}
		s.stats.redirects.Add(1)
		to := backend
		if to == "" || k.strict.DoorToRegional {
			to = regional
		}
		w.Header().Set("Location", to+r.URL.RequestURI())
		w.WriteHeader(http.StatusFound)
	})
}

// SplitPath parses /adminapi/{version}/{tenant}/{op...}; "adminapi" in any case.
func SplitPath(p string) (version, tenant, op string, ok bool) {
	p = strings.TrimPrefix(p, "/")
	head, rest, found := strings.Cut(p, "/")
	if !found || !strings.EqualFold(head, "adminapi") {
		return "", "", "", false
	}
	version, rest, found = strings.Cut(rest, "/")
	if !found {
		return "", "", "", false
	}
	tenant, op, _ = strings.Cut(rest, "/")
	if tenant == "" {
		return "", "", "", false
	}
	return strings.ToLower(version), tenant, op, true
}

func (s *Server) requestID() string {
	a, b := s.rng.uint64(), s.rng.uint64()
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, a>>16&0xffff, a&0xffff, b>>48, b&(1<<48-1))
}

// sleep waits d or until ctx ends; it holds no lock.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	select {
	case <-time.After(d): // collected once fired or unreferenced (Go 1.23)
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
