package exchange

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParseLatency(t *testing.T) {
	ok := map[string]LatencySpec{
		"":                 {},
		"50ms":             {Fixed: 50 * time.Millisecond},
		"10ms..200ms":      {Min: 10 * time.Millisecond, Max: 200 * time.Millisecond},
		"uniform:1ms,2ms":  {Min: time.Millisecond, Max: 2 * time.Millisecond},
		"normal:50ms,10ms": {Mean: 50 * time.Millisecond, StdDev: 10 * time.Millisecond},
		"5ms..5ms":         {Fixed: 5 * time.Millisecond},
	}
	for in, want := range ok {
		got, err := ParseLatency(in)
		if err != nil || got != want {
			t.Errorf("%q: %+v %v", in, got, err)
		}
		if back, _ := ParseLatency(got.String()); back != got {
			t.Errorf("%q does not round-trip via %q", in, got.String())
		}
	}
	for _, in := range []string{"fast", "200ms..10ms", "normal:5ms", "-1s"} {
		if _, err := ParseLatency(in); err == nil || !strings.Contains(err.Error(), "latency") {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func TestLatencyDrawsAreDeterministicAndInRange(t *testing.T) {
	u := LatencySpec{Min: 10 * time.Millisecond, Max: 20 * time.Millisecond}
	n := LatencySpec{Mean: 5 * time.Millisecond, StdDev: 10 * time.Millisecond}
	a, b := newRNG(42), newRNG(42)
	for range 1000 {
		x, y := u.draw(a), u.draw(b)
		if x != y || x < u.Min || x >= u.Max {
			t.Fatalf("uniform draws %v %v", x, y)
		}
		if d := n.draw(a); d < 0 || d != n.draw(b) {
			t.Fatalf("normal draw %v", d)
		}
	}
	if newRNG(1).float() == newRNG(2).float() {
		t.Error("different seeds, same draw")
	}
}

func TestParseFaults(t *testing.T) {
	spec, err := ParseFaults("429:0.1, 500:0.05,reset:0.01,500:first2@contoso.onmicrosoft.com/Get-Mailbox,slow:0.2:3s,429-frac,429:1:7")
	if err != nil {
		t.Fatal(err)
	}
	want := []FaultRule{
		{Kind: Fault429, Probability: 0.1},
		{Kind: Fault500, Probability: 0.05},
		{Kind: FaultReset, Probability: 0.01},
		{Kind: Fault500, First: 2, Tenant: "contoso.onmicrosoft.com", Cmdlet: "Get-Mailbox"},
		{Kind: FaultSlow, Probability: 0.2, Delay: 3 * time.Second},
		{Kind: Fault429Fractional, Probability: 1},
		{Kind: Fault429, Probability: 1, RetryAfter: "7"},
	}
	if len(spec.Rules) != len(want) {
		t.Fatalf("%+v", spec.Rules)
	}
	for i := range want {
		if spec.Rules[i] != want[i] {
			t.Errorf("rule %d: %+v want %+v", i, spec.Rules[i], want[i])
		}
	}
	back, err := ParseFaults(spec.String())
	if err != nil || back.String() != spec.String() {
		t.Errorf("round trip %q -> %q (%v)", spec.String(), back.String(), err)
	}
	for _, bad := range []string{"teapot:0.1", "500:2", "500:firstx", "reset:1:5s", "429:1:soon"} {
		if _, err := ParseFaults(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestFaultProbabilityIsDeterministic(t *testing.T) {
	spec, _ := ParseFaults("500:0.3")
	count := func() int {
		fs, r := compileFaults(spec), newRNG(9)
		n := 0
		for range 10000 {
			if fs.pick(r, tidA, domA, "Get-Mailbox", false, true) != nil {
				n++
			}
		}
		return n
	}
	a, b := count(), count()
	if a != b || a < 2700 || a > 3300 {
		t.Errorf("hits %d and %d of 10000 at p=0.3", a, b)
	}
}

func TestParseRate(t *testing.T) {
	if b, err := ParseRate("100/10s"); err != nil || b != (RateBudget{100, 10 * time.Second}) || b.String() != "100/10s" {
		t.Errorf("%+v %v", b, err)
	}
	for _, bad := range []string{"100", "x/1s", "5/0s", "0/1s"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestAppendStringEscapes(t *testing.T) {
	got := string(appendString(nil, "a\"b\\c\nd\x01é\xff<&>\u2028"))
	if got != `"a\"b\\c\nd\u0001é\ufffd\u003c\u0026\u003e\u2028"` {
		t.Errorf("%s", got)
	}
	// The copy-as-is path agrees with encoding/json on every ASCII byte.
	for c := 0; c < 0x80; c++ {
		j, _ := json.Marshal(string(rune(c)))
		if got := string(appendString(nil, string(rune(c)))); got != string(j) {
			t.Errorf("byte %#x: %s, encoding/json %s", c, got, j)
		}
	}
	for _, plain := range []string{"", "Get-Mailbox", "user@contoso.onmicrosoft.com", "a b~"} {
		if got := string(appendString(nil, plain)); got != `"`+plain+`"` {
			t.Errorf("%q: %s", plain, got)
		}
	}
}
