package exchange

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// FaultKind names an injected failure.
type FaultKind string

// Fault kinds. Those marked "before" answer without running the cmdlet;
// "after" ones run it (a write is applied) and then spoil the answer, as a
// broken proxy on the way back would.
const (
	Fault429           FaultKind = "429"       // before: 429 with Retry-After (default 1 s)
	Fault429Bare       FaultKind = "429-bare"  // before: 429 without Retry-After
	Fault429Fractional FaultKind = "429-frac"  // before: 429 with Retry-After: 0.5
	Fault500           FaultKind = "500"       // before: 500 ADTransientException envelope
	FaultProxy         FaultKind = "400-proxy" // before: 400 wrapping CmdletProxyNotAvailableFailure
	FaultBusy          FaultKind = "400-busy"  // before: 400 wrapping ServerBusyException
	FaultReset         FaultKind = "reset"     // before: the connection is closed without an answer
	FaultHTML          FaultKind = "html"      // before: 503 with an HTML page
	FaultEmpty         FaultKind = "empty"     // after: 200 with an empty body
	FaultTruncated     FaultKind = "truncated" // after: 200 with the JSON cut in half
	FaultSlow          FaultKind = "slow"      // before: extra delay (Delay, default 2 s), then normal
	FaultExpired       FaultKind = "expired"   // continuation pages only: 400 expired pagination request
	// FaultConcurrency (before): the per-tenant concurrency refusal, in the
	// form Strictness.ConcurrencyBody/ConcurrencyStatus pick.
	FaultConcurrency FaultKind = "concurrency"
	// FaultClaims (before): 401 with a claims challenge; the tenant's calls
	// are refused until a token asked for with those claims arrives
	// (claims.go).
	FaultClaims FaultKind = "claims"
)

var faultKinds = []FaultKind{Fault429, Fault429Bare, Fault429Fractional, Fault500, FaultProxy, FaultBusy,
	FaultReset, FaultHTML, FaultEmpty, FaultTruncated, FaultSlow, FaultExpired, FaultConcurrency, FaultClaims}

// FaultRule injects Kind into matching calls: the first First calls that
// match always get it, later ones with Probability.
type FaultRule struct {
	Kind        FaultKind     `json:"kind" yaml:"kind"`
	Probability float64       `json:"probability,omitempty" yaml:"probability,omitempty"`
	First       int           `json:"first,omitempty" yaml:"first,omitempty"`
	Tenant      string        `json:"tenant,omitempty" yaml:"tenant,omitempty"` // domain or GUID; "" = every tenant
	Cmdlet      string        `json:"cmdlet,omitempty" yaml:"cmdlet,omitempty"` // "" = every cmdlet
	RetryAfter  string        `json:"retry_after,omitempty" yaml:"retry_after,omitempty"`
	Delay       time.Duration `json:"delay,omitempty" yaml:"delay,omitempty"`
}

// FaultSpec is an ordered list of rules; the first rule that fires wins.
type FaultSpec struct {
	Rules []FaultRule `json:"rules,omitempty" yaml:"rules,omitempty"`
}

// String renders the spec in the syntax ParseFaults reads.
func (f FaultSpec) String() string {
	parts := make([]string, 0, len(f.Rules))
	for _, r := range f.Rules {
		s := string(r.Kind)
		switch {
		case r.First > 0:
			s += ":first" + strconv.Itoa(r.First)
		case r.Probability != 1 || r.RetryAfter != "" || r.Delay > 0:
			s += ":" + strconv.FormatFloat(r.Probability, 'g', -1, 64)
		}
		if r.RetryAfter != "" {
			s += ":" + r.RetryAfter
		} else if r.Delay > 0 {
			s += ":" + r.Delay.String()
		}
		if r.Tenant != "" {
			s += "@" + r.Tenant
		}
		if r.Cmdlet != "" {
			s += "/" + r.Cmdlet
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ",")
}

// ParseFaults reads a comma-separated list of KIND[:WHEN[:ARG]][@TENANT][/CMDLET]:
// WHEN is a probability (0.1) or firstN (the first N matching calls); it
// defaults to 1 (always). ARG is the Retry-After value for 429 kinds or the
// delay for slow. Example: "429:0.1,500:0.05,reset:0.01,500:first2@contoso.onmicrosoft.com/Get-Mailbox".
func ParseFaults(s string) (FaultSpec, error) {
	var spec FaultSpec
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		var r FaultRule
		rest, cmdlet, _ := strings.Cut(item, "/")
		rest, tenant, _ := strings.Cut(rest, "@")
		r.Cmdlet, r.Tenant = strings.TrimSpace(cmdlet), strings.TrimSpace(tenant)
		fields := strings.SplitN(rest, ":", 3)
		r.Kind = FaultKind(strings.ToLower(strings.TrimSpace(fields[0])))
		if !validKind(r.Kind) {
			return FaultSpec{}, fmt.Errorf("fault %q: unknown kind %q (known: %s)", item, r.Kind, kindList())
		}
		r.Probability = 1
		if len(fields) > 1 {
			when := strings.TrimSpace(fields[1])
			if n, ok := strings.CutPrefix(when, "first"); ok {
				v, err := strconv.Atoi(n)
				if err != nil || v <= 0 {
					return FaultSpec{}, fmt.Errorf("fault %q: %q is not firstN with N > 0", item, when)
				}
				r.First, r.Probability = v, 0
			} else {
				p, err := strconv.ParseFloat(when, 64)
				if err != nil || p < 0 || p > 1 {
					return FaultSpec{}, fmt.Errorf("fault %q: %q is not a probability in [0,1] or firstN", item, when)
				}
				r.Probability = p
			}
		}
		if len(fields) > 2 {
			arg := strings.TrimSpace(fields[2])
			switch r.Kind {
			case Fault429, Fault429Fractional:
				if _, err := strconv.ParseFloat(arg, 64); err != nil {
					return FaultSpec{}, fmt.Errorf("fault %q: Retry-After %q is not a number of seconds", item, arg)
				}
				r.RetryAfter = arg
			case FaultSlow:
				d, err := time.ParseDuration(arg)
				if err != nil || d < 0 {
					return FaultSpec{}, fmt.Errorf("fault %q: delay %q is not a duration", item, arg)
				}
				r.Delay = d
			default:
				return FaultSpec{}, fmt.Errorf("fault %q: kind %s takes no argument", item, r.Kind)
			}
		}
		spec.Rules = append(spec.Rules, r)
	}
	return spec, nil
}

// Validate checks kinds and ranges of rules built in Go.
func (f FaultSpec) Validate() error {
	for i, r := range f.Rules {
		if !validKind(r.Kind) {
			return fmt.Errorf("fault rule %d: unknown kind %q (known: %s)", i, r.Kind, kindList())
		}
		if r.Probability < 0 || r.Probability > 1 || r.First < 0 {
			return fmt.Errorf("fault rule %d (%s): probability must be in [0,1] and first >= 0", i, r.Kind)
		}
	}
	return nil
}

func validKind(k FaultKind) bool {
	for _, v := range faultKinds {
		if k == v {
			return true
		}
	}
	return false
}

func kindList() string {
	s := make([]string, len(faultKinds))
	for i, k := range faultKinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// faultSet is a FaultSpec with per-rule hit counters for the firstN mode.
type faultSet struct {
	rules []FaultRule
	hits  []atomic.Int64
}

func compileFaults(f FaultSpec) *faultSet {
	return &faultSet{rules: append([]FaultRule(nil), f.Rules...), hits: make([]atomic.Int64, len(f.Rules))}
}

// pick returns the rule that fires for this call, or nil.
func (fs *faultSet) pick(r *rng, tenantID, domain, cmdlet string, continuation, topLevel bool) *FaultRule {
	if fs == nil {
		return nil
	}
	for i := range fs.rules {
		rule := &fs.rules[i]
		if rule.Kind == FaultExpired && !continuation {
			continue
		}
		if !topLevel && (rule.Kind == FaultReset || rule.Kind == FaultHTML || rule.Kind == FaultEmpty || rule.Kind == FaultTruncated) {
			continue // transport-level faults cannot hit one item of a $batch
		}
		if rule.Tenant != "" && !strings.EqualFold(rule.Tenant, tenantID) && !strings.EqualFold(rule.Tenant, domain) {
			continue
		}
		if rule.Cmdlet != "" && !strings.EqualFold(rule.Cmdlet, cmdlet) {
			continue
		}
		if rule.First > 0 && fs.hits[i].Add(1) <= int64(rule.First) {
			return rule
		}
		if rule.Probability > 0 && r.float() < rule.Probability {
			return rule
		}
	}
	return nil
}
