package exchange

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestConcurrencyCap(t *testing.T) {
	h := newHarness(t, nil)
	h.be.block, h.be.entered = make(chan struct{}), make(chan struct{}, 8)
	var wg sync.WaitGroup
	statuses := make(chan int, 3)
	for range 3 {
		wg.Go(func() { statuses <- h.invoke(tidA, tokAppA, cmd("Get-Mailbox", "")).status })
	}
	for range 3 {
		<-h.be.entered
	}
	r := h.invoke(tidA, tokAppA, cmd("Get-Mailbox", ""))
	if r.status != 429 || r.hdr.Get("Retry-After") != "1" || !strings.Contains(string(r.body), concurrencyText) {
		t.Fatalf("4th concurrent call: %d %v %s", r.status, r.hdr, r.body)
	}
	// Another tenant is not affected.
	if r := h.invoke(tidB, tokAppB, cmd("Get-AcceptedDomain", "")); r.status != 200 {
		t.Fatalf("other tenant: %d", r.status)
	}
	c := h.srv.Counters().Tenant(tidA)
	if c.InFlight != 3 || c.MaxInFlight != 4 || c.Throttled != 1 {
		t.Errorf("counters %+v", c)
	}
	close(h.be.block)
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s != 200 {
			t.Errorf("admitted call: %d", s)
		}
	}
	if c := h.srv.Counters(); c.Tenant(tidA).InFlight != 0 || c.Throttled != 1 {
		t.Errorf("after: %+v", c)
	}
}

func TestUnlimitedConcurrency(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.ConcurrencyCap = -1 })
	h.be.block, h.be.entered = make(chan struct{}), make(chan struct{}, 8)
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			if s := h.invoke(tidA, tokAppA, cmd("Get-Mailbox", "")).status; s != 200 {
				t.Errorf("status %d", s)
			}
		})
	}
	for range 5 {
		<-h.be.entered
	}
	close(h.be.block)
	wg.Wait()
	if m := h.srv.Counters().Tenant(tidA).MaxInFlight; m != 5 {
		t.Errorf("MaxInFlight %d", m)
	}
}

func TestRateBudget(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Rate = RateBudget{Requests: 2, Window: 10 * time.Second} })
	body := cmd("Get-AcceptedDomain", "")
	for i := range 2 {
		if r := h.invoke(tidA, tokAppA, body); r.status != 200 {
			t.Fatalf("call %d: %d", i, r.status)
		}
	}
	h.clock.Add(2500 * time.Millisecond)
	r := h.invoke(tidA, tokAppA, body)
	if r.status != 429 || r.hdr.Get("Retry-After") != "7.5" {
		t.Fatalf("over budget: %d Retry-After %q", r.status, r.hdr.Get("Retry-After"))
	}
	if r := h.invoke(tidB, tokAppB, body); r.status != 200 {
		t.Fatalf("budget is per tenant: %d", r.status)
	}
	h.clock.Add(8 * time.Second)
	if r := h.invoke(tidA, tokAppA, body); r.status != 200 {
		t.Fatalf("new window: %d", r.status)
	}
}

func TestFaultKinds(t *testing.T) {
	cases := []struct {
		spec   string
		status int
		check  func(t *testing.T, r resp)
	}{
		{"429:first1", 429, func(t *testing.T, r resp) {
			if r.hdr.Get("Retry-After") != "1" {
				t.Errorf("Retry-After %q", r.hdr.Get("Retry-After"))
			}
		}},
		{"429-bare:first1", 429, func(t *testing.T, r resp) {
			if _, ok := r.hdr["Retry-After"]; ok {
				t.Error("Retry-After present")
			}
		}},
		{"429-frac:first1", 429, func(t *testing.T, r resp) {
			if r.hdr.Get("Retry-After") != "0.5" {
				t.Errorf("Retry-After %q", r.hdr.Get("Retry-After"))
			}
		}},
		{"429:first1:2.25", 429, func(t *testing.T, r resp) {
			if r.hdr.Get("Retry-After") != "2.25" {
				t.Errorf("Retry-After %q", r.hdr.Get("Retry-After"))
			}
		}},
		{"500:first1", 500, func(t *testing.T, r resp) {
			if !strings.Contains(string(r.body), "ADTransientException") || r.hdr.Get("x-ExceptionType") == "" {
				t.Errorf("%v %s", r.hdr, r.body)
			}
		}},
		{"400-proxy:first1", 400, func(t *testing.T, r resp) {
			if !strings.Contains(string(r.body), "CmdletProxyNotAvailableFailure") {
				t.Errorf("%s", r.body)
			}
		}},
		{"400-busy:first1", 400, func(t *testing.T, r resp) {
			if !strings.Contains(string(r.body), "ServerBusyException") {
				t.Errorf("%s", r.body)
			}
		}},
		{"html:first1", 503, func(t *testing.T, r resp) {
			if !strings.HasPrefix(r.hdr.Get("Content-Type"), "text/html") || !strings.Contains(string(r.body), "<html>") {
				t.Errorf("%v %s", r.hdr, r.body)
			}
		}},
		{"empty:first1", 200, func(t *testing.T, r resp) {
			if len(r.body) != 0 {
				t.Errorf("%q", r.body)
			}
		}},
		{"truncated:first1", 200, func(t *testing.T, r resp) {
			if len(r.body) == 0 || strings.HasSuffix(string(r.body), "}") {
				t.Errorf("%q", r.body)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.spec, func(t *testing.T) {
			spec, err := ParseFaults(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			h := newHarness(t, func(c *Config) { c.Faults = spec })
			r := h.invoke(tidA, tokAppA, cmd("Get-AcceptedDomain", ""))
			if r.status != tc.status {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			tc.check(t, r)
			if r := h.invoke(tidA, tokAppA, cmd("Get-AcceptedDomain", "")); r.status != 200 || len(r.body) < 50 {
				t.Fatalf("second call (firstN exhausted): %d %s", r.status, r.body)
			}
			if h.srv.Counters().Faults != 1 {
				t.Errorf("faults counted %d", h.srv.Counters().Faults)
			}
		})
	}
}

func TestFaultReset(t *testing.T) {
	spec, _ := ParseFaults("reset:first1")
	h := newHarness(t, func(c *Config) { c.Faults = spec })
	req, _ := http.NewRequest("POST", h.exo.URL+"/adminapi/beta/"+tidA+"/InvokeCommand", strings.NewReader(cmd("Get-AcceptedDomain", "")))
	req.Header.Set("Authorization", "Bearer "+tokAppA)
	_, err := h.client.Do(req)
	if err == nil {
		t.Fatal("reset fault answered")
	}
	if r := h.invoke(tidA, tokAppA, cmd("Get-AcceptedDomain", "")); r.status != 200 {
		t.Fatalf("after reset: %d", r.status)
	}
}

func TestFaultScopeAndSetFaults(t *testing.T) {
	h := newHarness(t, nil)
	spec, err := ParseFaults("500:1@" + domB + "/get-mailbox")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.srv.SetFaults(spec); err != nil {
		t.Fatal(err)
	}
	if r := h.invoke(tidA, tokAppA, cmd("Get-Mailbox", "")); r.status != 200 {
		t.Errorf("other tenant hit: %d", r.status)
	}
	if r := h.invoke(tidB, tokAppB, cmd("Get-AcceptedDomain", "")); r.status != 200 {
		t.Errorf("other cmdlet hit: %d", r.status)
	}
	if r := h.invoke(tidB, tokAppB, cmd("GET-MAILBOX", "")); r.status != 500 {
		t.Errorf("target not hit: %d", r.status)
	}
	h.srv.SetFaults(FaultSpec{})
	if r := h.invoke(tidB, tokAppB, cmd("Get-Mailbox", "")); r.status != 200 {
		t.Errorf("after clearing: %d", r.status)
	}
}

func TestExpiredFaultHitsContinuationsOnly(t *testing.T) {
	spec, _ := ParseFaults("expired")
	h := newHarness(t, func(c *Config) { c.Faults = spec })
	body := cmd("Get-Mailbox", "")
	r := h.invoke(tidA, tokAppA, body, "Prefer", "odata.maxpagesize=2")
	if r.status != 200 {
		t.Fatalf("first page: %d", r.status)
	}
	next := r.json(t)["@odata.nextLink"].(string)
	r = h.do("POST", next, body, "Authorization", "Bearer "+tokAppA, "Prefer", "odata.maxpagesize=2")
	if r.status != 400 || !strings.Contains(string(r.body), expiredText) {
		t.Fatalf("continuation: %d %s", r.status, r.body)
	}
}

func TestSlowFaultAndLatencyWait(t *testing.T) {
	spec, _ := ParseFaults("slow:first1:30ms")
	var mu sync.Mutex
	var waits []time.Duration
	h := newHarness(t, func(c *Config) {
		c.Faults = spec
		c.Latency = LatencySpec{Fixed: 5 * time.Millisecond}
		c.Sleep = func(_ context.Context, d time.Duration) error {
			mu.Lock()
			waits = append(waits, d)
			mu.Unlock()
			return nil
		}
	})
	for range 2 {
		if r := h.invoke(tidA, tokAppA, cmd("Get-AcceptedDomain", "")); r.status != 200 {
			t.Fatalf("%d", r.status)
		}
	}
	if len(waits) != 2 || waits[0] != 35*time.Millisecond || waits[1] != 5*time.Millisecond {
		t.Errorf("waits %v, want [35ms 5ms]", waits)
	}
}

func TestSleepEndsWithTheRequest(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleep(ctx, time.Hour); err == nil {
		t.Fatal("sleep outlived its context")
	}
	if err := sleep(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
}
