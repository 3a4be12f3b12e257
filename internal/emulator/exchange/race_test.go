package exchange

import (
	"sync"
	"testing"
	"time"
)

// TestConcurrentMixedTraffic runs pages, batches, writes and knob changes
// at once; its value is under -race, and in the counters adding up.
func TestConcurrentMixedTraffic(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.ConcurrencyCap = -1 })
	h.be.mailboxes = 9
	const workers, calls = 6, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range calls {
				switch (w + i) % 3 {
				case 0:
					h.pages(cmd("Get-Mailbox", ""), "UPN:admin@"+domA, "odata.maxpagesize=4")
				case 1:
					h.batch(tidA, `{"requests":[{"id":"1","method":"POST","url":"/adminapi/beta/`+tidA+`/InvokeCommand",`+itemAuth+`"body":`+cmd("Get-AcceptedDomain", "")+`}]}`)
				default:
					h.invoke(tidA, tokAppA, cmd("Set-Mailbox", `{"Identity":"u","City":"c`+string(rune('a'+i%5))+`"}`))
				}
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			h.srv.SetLatency(LatencySpec{Fixed: time.Duration(0)})
			h.srv.SetFaults(FaultSpec{})
			h.srv.SetPageSize(500)
			_ = h.srv.Counters()
		}
	})
	wg.Wait()
	c := h.srv.Counters().Tenant(tidA)
	// MaxInFlight is not asserted: whether workers overlap depends on the
	// scheduler (a loaded CI box may run them one by one).
	if c.InFlight != 0 || c.MaxInFlight < 1 || c.Calls("Get-Mailbox") == 0 || c.Calls("Get-AcceptedDomain") == 0 {
		t.Errorf("%+v", c)
	}
	for i, w := range c.Writes {
		if w.Seq != i+1 {
			t.Fatalf("write %d has Seq %d", i, w.Seq)
		}
	}
	if v := h.srv.Counters().Violations; len(v) != 0 {
		t.Errorf("violations %v", v)
	}
}
