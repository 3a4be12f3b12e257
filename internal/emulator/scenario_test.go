package emulator

import (
	"strings"
	"testing"
	"time"
)

func TestParseScenario(t *testing.T) {
	o, err := ParseScenario([]byte(`
seed: 7
tenants: [{domain: contoso, mailboxes: 500}, {domain: fabrikam}]
latency: 20ms..80ms
concurrency_cap: 2
retry_after: 250ms
rate_budget: 100/10s
faults: "429:0.05,500:first1"
page_size: 50
token_lifetime: 10m
next_link_ttl: 1m
replication_delay: 5s
`))
	if err != nil {
		t.Fatal(err)
	}
	if o.Seed != 7 || len(o.Tenants) != 2 || o.Tenants[0].Mailboxes != 500 || o.Latency.Max != 80*time.Millisecond ||
		o.ConcurrencyCap != 2 || o.RetryAfter != 250*time.Millisecond || o.RateBudget.Requests != 100 ||
		len(o.Faults.Rules) != 2 || o.Faults.Rules[1].First != 1 || o.PageSize != 50 || o.TokenLifetime != 10*time.Minute ||
		o.NextLinkTTL != time.Minute || o.ReplicationDelay != 5*time.Second {
		t.Errorf("%+v", o)
	}
	// JSON, with faults as rules.
	o, err = ParseScenario([]byte(`{"faults":[{"kind":"slow","delay":"2s","tenant":"contoso"},{"kind":"429","first":3,"retry_after":"0.5"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	r := o.Faults.Rules
	if len(r) != 2 || r[0].Kind != "slow" || r[0].Delay != 2*time.Second || r[0].Probability != 1 || r[1].First != 3 || r[1].RetryAfter != "0.5" {
		t.Errorf("%+v", r)
	}
	for _, bad := range []string{"latencyy: 5ms", "latency: fast", "faults: teapot", "next_link_ttl: soon", `faults: [{kind: nope}]`} {
		if _, err := ParseScenario([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if o, err := ParseScenario(nil); err != nil || len(o.Tenants) != 0 {
		t.Errorf("empty scenario: %v", err)
	}
	if _, err := LoadScenario("/nonexistent/scenario.yaml"); err == nil || !strings.Contains(err.Error(), "scenario") {
		t.Errorf("missing file: %v", err)
	}
}
