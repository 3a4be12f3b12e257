package emulator

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"
)

// Scenario is the file form of Options (YAML, or JSON which YAML reads too).
// Durations are Go durations ("250ms", "1h"); latency, faults and
// rate_budget use the flag syntaxes, and faults may also be a list of rules.
//
//	seed: 7
//	tenants: [{domain: contoso, mailboxes: 500}, {domain: fabrikam}]
//	latency: 20ms..80ms
//	concurrency_cap: 3
//	rate_budget: 100/10s
//	faults: "429:0.05,500:0.01"
//	page_size: 1000
//	token_lifetime: 1h
//	next_link_ttl: 30m
//	replication_delay: 5s
//	apps:
//	  - {client_id: 11111111-2222-3333-4444-555555555555, certificate_file: app.pem}
//	  - {client_id: 22222222-3333-4444-5555-666666666666, federated: true}
//	  - client_id: 33333333-4444-5555-6666-777777777777
//	    federated_credentials:   # Workload Identity: a cluster's service account tokens
//	      - {issuer: "https://oidc.example/", subject: "system:serviceaccount:exoplay:exoplay", issuer_key_file: sa.pub}
type Scenario struct {
	Seed             int64        `yaml:"seed"`
	Tenants          []TenantSpec `yaml:"tenants"`
	Latency          string       `yaml:"latency"`
	ConcurrencyCap   int          `yaml:"concurrency_cap"`
	RetryAfter       string       `yaml:"retry_after"`
	RateBudget       string       `yaml:"rate_budget"`
	Faults           faultsField  `yaml:"faults"`
	PageSize         int          `yaml:"page_size"`
	TokenLifetime    string       `yaml:"token_lifetime"`
	TokenEarlyExpiry string       `yaml:"token_early_expiry"`
	DeviceCodePolls  int          `yaml:"device_code_polls"`
	NextLinkTTL      string       `yaml:"next_link_ttl"`
	ReplicationDelay string       `yaml:"replication_delay"`
	Apps             []AppSpec    `yaml:"apps"`
	// Strict relaxes strict behaviours or picks answer forms, with the
	// keys of exchange.Strictness (BEHAVIOURS.md).
	Strict Strictness `yaml:"strict"`
}

// faultsField accepts the flag syntax string or a list of rules.
type faultsField struct{ spec FaultSpec }

func (f *faultsField) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		spec, err := ParseFaults(n.Value)
		f.spec = spec
		return err
	}
	var rules []struct {
		Kind        string  `yaml:"kind"`
		Probability float64 `yaml:"probability"`
		First       int     `yaml:"first"`
		Tenant      string  `yaml:"tenant"`
		Cmdlet      string  `yaml:"cmdlet"`
		RetryAfter  string  `yaml:"retry_after"`
		Delay       string  `yaml:"delay"`
	}
	if err := n.Decode(&rules); err != nil {
		return err
	}
	for _, r := range rules {
		rule := FaultRule{Kind: FaultKind(r.Kind), Probability: r.Probability, First: r.First, Tenant: r.Tenant, Cmdlet: r.Cmdlet, RetryAfter: r.RetryAfter}
		if r.Probability == 0 && r.First == 0 {
			rule.Probability = 1
		}
		if r.Delay != "" {
			d, err := time.ParseDuration(r.Delay)
			if err != nil {
				return fmt.Errorf("fault %s: delay: %v", r.Kind, err)
			}
			rule.Delay = d
		}
		f.spec.Rules = append(f.spec.Rules, rule)
	}
	return f.spec.Validate()
}

// LoadScenario reads a scenario file into Options.
func LoadScenario(path string) (Options, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Options{}, fmt.Errorf("emulator scenario: %w", err)
	}
	o, err := ParseScenario(data)
	if err != nil {
		return Options{}, fmt.Errorf("emulator scenario %s: %w", path, err)
	}
	// Certificate and issuer key files are named relative to the scenario that names them.
	rel := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(filepath.Dir(path), *p)
		}
	}
	for i := range o.AppSpecs {
		rel(&o.AppSpecs[i].CertificateFile)
		for j := range o.AppSpecs[i].FederatedCredentials {
			rel(&o.AppSpecs[i].FederatedCredentials[j].IssuerKeyFile)
		}
	}
	return o, nil
}

// ParseScenario reads scenario YAML or JSON; unknown keys are errors.
func ParseScenario(data []byte) (Options, error) {
	var s Scenario
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil && !errors.Is(err, io.EOF) { // an empty file is an empty scenario
		return Options{}, err
	}
	o := Options{Seed: s.Seed, Tenants: s.Tenants, ConcurrencyCap: s.ConcurrencyCap, PageSize: s.PageSize,
		DeviceCodePolls: s.DeviceCodePolls, Faults: s.Faults.spec, AppSpecs: s.Apps, Strict: s.Strict}
	if err := s.Strict.Validate(); err != nil {
		return Options{}, fmt.Errorf("strict: %w", err)
	}
	var err error
	if o.Latency, err = ParseLatency(s.Latency); err != nil {
		return Options{}, err
	}
	if o.RateBudget, err = ParseRate(s.RateBudget); err != nil {
		return Options{}, err
	}
	for _, d := range []struct {
		name string
		in   string
		out  *time.Duration
	}{
		{"retry_after", s.RetryAfter, &o.RetryAfter},
		{"token_lifetime", s.TokenLifetime, &o.TokenLifetime},
		{"token_early_expiry", s.TokenEarlyExpiry, &o.TokenEarlyExpiry},
		{"next_link_ttl", s.NextLinkTTL, &o.NextLinkTTL},
		{"replication_delay", s.ReplicationDelay, &o.ReplicationDelay},
	} {
		if d.in == "" {
			continue
		}
		v, err := time.ParseDuration(d.in)
		if err != nil || v < 0 {
			return Options{}, fmt.Errorf("%s: %q is not a duration like 30s or 5m", d.name, d.in)
		}
		*d.out = v
	}
	return o, nil
}
