package main

import (
	"context"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Condition is how busy the machine was, from outside the harness, just
// before a measured run: the figures of a shared machine mean little without it.
type Condition struct {
	Scenario string  `json:"run"`
	Busy     float64 `json:"busy_percent"` // all CPUs, over a short sample, before the scenario
	Load1    float64 `json:"load1"`
	Waited   float64 `json:"waited_seconds,omitempty"` // time spent waiting for a quiet machine
}

// cpuTimes reads the aggregate busy and total jiffies from /proc/stat.
func cpuTimes() (busy, total uint64, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0, false
	}
	for i, s := range f[1:] {
		n, _ := strconv.ParseUint(s, 10, 64)
		total += n
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return busy, total, true
}

// sampleBusy is the machine's CPU use over d, in percent of all CPUs.
func sampleBusy(ctx context.Context, d time.Duration) float64 {
	b0, t0, ok := cpuTimes()
	if !ok {
		return -1
	}
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
	b1, t1, ok := cpuTimes()
	if !ok || t1 == t0 {
		return -1
	}
	return 100 * float64(b1-b0) / float64(t1-t0)
}

func load1() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return -1
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// awaitQuiet samples the machine until other processes use under maxBusy
// percent of it, for at most wait; it returns the last sample.
func awaitQuiet(ctx context.Context, scenario string, maxBusy float64, wait time.Duration) Condition {
	start := time.Now()
	c := Condition{Scenario: scenario}
	for {
		c.Busy = sampleBusy(ctx, 500*time.Millisecond)
		if c.Busy < maxBusy || time.Since(start) >= wait || ctx.Err() != nil {
			break
		}
	}
	c.Load1 = load1()
	if w := time.Since(start) - 500*time.Millisecond; w > 100*time.Millisecond {
		c.Waited = w.Seconds()
	}
	return c
}

// clockTicks is USER_HZ, the unit of /proc/stat: 100 on every Linux ABI Go supports.
const clockTicks = 100

// machineMeter measures the whole machine's CPU use over an interval.
type machineMeter struct {
	busy uint64
	ok   bool
}

func startMeter() machineMeter {
	b, _, ok := cpuTimes()
	return machineMeter{busy: b, ok: ok}
}

// used is the CPU time every process on the machine used since start.
func (m machineMeter) used() (time.Duration, bool) {
	b, _, ok := cpuTimes()
	if !ok || !m.ok {
		return 0, false
	}
	return time.Duration(b-m.busy) * time.Second / clockTicks, true
}

// tcpActiveOpens is the machine's count of TCP connections opened so far
// (Tcp ActiveOpens in /proc/net/snmp); -1 when unknown.
func tcpActiveOpens() int64 {
	b, err := os.ReadFile("/proc/net/snmp")
	if err != nil {
		return -1
	}
	var names []string
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "Tcp:") {
			continue
		}
		f := strings.Fields(line)
		if names == nil {
			names = f
			continue
		}
		for i, n := range names {
			if n == "ActiveOpens" && i < len(f) {
				v, err := strconv.ParseInt(f[i], 10, 64)
				if err == nil {
					return v
				}
			}
		}
	}
	return -1
}

// othersShare is the percentage of the machine other processes used during c.
func othersShare(c *childResult) float64 {
	if c.OthersCPU < 0 || c.Wall <= 0 {
		return 0
	}
	return 100 * c.OthersCPU.Seconds() / (c.Wall.Seconds() * float64(runtime.NumCPU()))
}

// quietest runs measure, and again (up to h.retries more times) while other
// processes took more than h.maxOthers percent of the machine during the
// run; it keeps the least disturbed result. Timing figures of a shared
// machine are only comparable when nothing else ran.
func quietest[T any](h *harness, label string, child func(T) *childResult, measure func() (T, error)) (T, error) {
	var best T
	bestShare := math.Inf(1)
	for i := 0; i <= h.retries; i++ {
		r, err := measure()
		if err != nil {
			return r, err
		}
		share := othersShare(child(r))
		if share < bestShare {
			best, bestShare = r, share
		}
		if share <= h.maxOthers {
			break
		}
		if i < h.retries {
			h.log("%s: other processes took %.0f%% of the machine during the run; measuring again", label, share)
		}
	}
	return best, nil
}
