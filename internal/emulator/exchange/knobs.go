package exchange

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// LatencySpec is the service time added to every cmdlet call. Uniform
// (Max > 0) wins over normal (Mean or StdDev > 0), which wins over Fixed.
// Draws come from the emulator's seeded generator, so a run is repeatable.
type LatencySpec struct {
	Fixed        time.Duration
	Min, Max     time.Duration
	Mean, StdDev time.Duration
}

// IsZero reports whether no latency is added.
func (l LatencySpec) IsZero() bool { return l == LatencySpec{} }

// String renders the spec in the syntax ParseLatency accepts.
func (l LatencySpec) String() string {
	switch {
	case l.Max > 0:
		return l.Min.String() + ".." + l.Max.String()
	case l.Mean > 0 || l.StdDev > 0:
		return "normal:" + l.Mean.String() + "," + l.StdDev.String()
	case l.Fixed > 0:
		return l.Fixed.String()
	}
	return "0s"
}

// ParseLatency reads "50ms" (fixed), "10ms..200ms" or "uniform:10ms,200ms"
// (uniform), "normal:50ms,10ms" (normal: mean, stddev; clipped at zero).
func ParseLatency(s string) (LatencySpec, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return LatencySpec{}, nil
	}
	bad := func(err error) (LatencySpec, error) {
		return LatencySpec{}, fmt.Errorf("latency %q: %v (want D, MIN..MAX, uniform:MIN,MAX or normal:MEAN,STDDEV, e.g. 20ms..80ms)", s, err)
	}
	two := func(a, b string) (time.Duration, time.Duration, error) {
		x, err := time.ParseDuration(strings.TrimSpace(a))
		if err != nil {
			return 0, 0, err
		}
		y, err := time.ParseDuration(strings.TrimSpace(b))
		if err != nil {
			return 0, 0, err
		}
		if x < 0 || y < 0 {
			return 0, 0, fmt.Errorf("negative duration")
		}
		return x, y, nil
	}
	switch {
	case strings.HasPrefix(s, "normal:"):
		a, b, ok := strings.Cut(strings.TrimPrefix(s, "normal:"), ",")
		if !ok {
			return bad(fmt.Errorf("missing stddev"))
		}
		m, sd, err := two(a, b)
		if err != nil {
			return bad(err)
		}
		return LatencySpec{Mean: m, StdDev: sd}, nil
	case strings.HasPrefix(s, "uniform:") || strings.Contains(s, ".."):
		a, b, ok := strings.Cut(strings.TrimPrefix(s, "uniform:"), "..")
		if !ok {
			a, b, ok = strings.Cut(strings.TrimPrefix(s, "uniform:"), ",")
		}
		if !ok {
			return bad(fmt.Errorf("missing max"))
		}
		lo, hi, err := two(a, b)
		if err != nil {
			return bad(err)
		}
		if hi < lo {
			return bad(fmt.Errorf("max below min"))
		}
		if hi == lo {
			return LatencySpec{Fixed: lo}, nil
		}
		return LatencySpec{Min: lo, Max: hi}, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return bad(err)
	}
	if d < 0 {
		return bad(fmt.Errorf("negative duration"))
	}
	return LatencySpec{Fixed: d}, nil
}

// draw picks one latency.
// behaviour exo.latency (internal/emulator/BEHAVIOURS.md)
func (l LatencySpec) draw(r *rng) time.Duration {
	switch {
	case l.Max > 0:
		return l.Min + time.Duration(r.float()*float64(l.Max-l.Min))
	case l.Mean > 0 || l.StdDev > 0:
		// Box-Muller; 1-u keeps the log argument in (0, 1].
		u1, u2 := 1-r.float(), r.float()
		z := math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
		d := time.Duration(float64(l.Mean) + z*float64(l.StdDev))
		return max(d, 0)
	}
	return l.Fixed
}

// RateBudget allows Requests calls per Window per tenant; the rest get 429
// until the window ends. Zero Requests = no budget.
type RateBudget struct {
	Requests int
	Window   time.Duration
}

// String renders the budget as ParseRate reads it.
func (b RateBudget) String() string {
	if b.Requests <= 0 {
		return ""
	}
	return strconv.Itoa(b.Requests) + "/" + b.Window.String()
}

// ParseRate reads "N/DURATION", e.g. "100/10s".
func ParseRate(s string) (RateBudget, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return RateBudget{}, nil
	}
	n, w, ok := strings.Cut(s, "/")
	req, err := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err != nil || req <= 0 {
		return RateBudget{}, fmt.Errorf("rate budget %q: want REQUESTS/WINDOW, e.g. 100/10s", s)
	}
	win, err := time.ParseDuration(strings.TrimSpace(w))
	if err != nil || win <= 0 {
		return RateBudget{}, fmt.Errorf("rate budget %q: want REQUESTS/WINDOW with a positive window, e.g. 100/10s", s)
	}
	return RateBudget{Requests: req, Window: win}, nil
}

// rng is a lock-free deterministic generator: the n-th draw is a pure
// function of (seed, n), so concurrent handlers need no mutex.
type rng struct {
	seed uint64
	n    atomic.Uint64
}

func newRNG(seed int64) *rng { return &rng{seed: uint64(seed)} }

func (r *rng) uint64() uint64 {
	z := r.seed + r.n.Add(1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// float returns a value in [0, 1).
func (r *rng) float() float64 { return float64(r.uint64()>>11) / (1 << 53) }
