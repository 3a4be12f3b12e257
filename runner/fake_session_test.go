package runner

// A development stand-in for the emulator; replaced by the real connector.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/exoplay/exoplay/playbook"
)

type fakeOrg struct {
	mu       sync.Mutex
	pop      map[string]bool
	writes   int
	inflight atomic.Int64
	peak     atomic.Int64
}

type fakeConnector struct {
	mu   sync.Mutex
	orgs map[string]*fakeOrg
	n    int
}

func (f *fakeConnector) org(name string) *fakeOrg {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.orgs == nil {
		f.orgs = map[string]*fakeOrg{}
	}
	o := f.orgs[name]
	if o == nil {
		o = &fakeOrg{pop: map[string]bool{}}
		for i := range f.n {
			o.pop[fmt.Sprintf("user%03d", i)] = i%2 == 0
		}
		f.orgs[name] = o
	}
	return o
}

func (f *fakeConnector) Connect(ctx context.Context, t *playbook.Tenant) (Session, error) {
	if strings.HasPrefix(t.Organization, "bad") {
		return nil, fmt.Errorf("AADSTS7000215: Invalid client secret provided")
	}
	return &fakeSession{org: f.org(strings.ToLower(t.Organization)), tid: strings.ToLower(t.Organization)}, nil
}

type fakeSession struct {
	org *fakeOrg
	tid string
}

func (s *fakeSession) TenantID() string   { return s.tid }
func (s *fakeSession) AuthMethod() string { return "client_secret" }

func (s *fakeSession) Invoke(ctx context.Context, call Call, lim Limiter, emit func(json.RawMessage) error) (CallStats, error) {
	if err := lim.Acquire(ctx); err != nil {
		return CallStats{}, err
	}
	n := s.org.inflight.Add(1)
	for {
		p := s.org.peak.Load()
		if n <= p || s.org.peak.CompareAndSwap(p, n) {
			break
		}
	}
	time.Sleep(200 * time.Microsecond)
	s.org.inflight.Add(-1)
	defer lim.Release()
	o := s.org
	o.mu.Lock()
	defer o.mu.Unlock()
	switch call.Cmdlet {
	case "Get-CASMailbox":
		for i := range len(o.pop) {
			id := fmt.Sprintf("user%03d", i)
			b, _ := json.Marshal(map[string]any{"Identity": id, "PopEnabled": o.pop[id], "ImapEnabled": true})
			if err := emit(b); err != nil {
				return CallStats{}, err
			}
		}
	case "Set-CASMailbox":
		id, _ := call.Parameters["Identity"].(string)
		if _, ok := o.pop[id]; !ok {
			return CallStats{Attempts: 1}, fmt.Errorf("couldn't find %s", id)
		}
		v, _ := call.Parameters["PopEnabled"].(bool)
		if o.pop[id] != v {
			o.pop[id] = v
			o.writes++
		}
	case "Get-OrganizationConfig":
		emit(json.RawMessage(`{"Name":"x","OAuth2ClientProfileEnabled":true,"OAuthOther":1,"Other":2}`))
	}
	return CallStats{Attempts: 1, Requests: 1, Pages: 1}, nil
}

func (s *fakeSession) InvokeBatch(ctx context.Context, calls []Call, lim Limiter, emit func(int, json.RawMessage) error) ([]CallStats, []error) {
	st := make([]CallStats, len(calls))
	errs := make([]error, len(calls))
	for i, c := range calls {
		st[i], errs[i] = s.Invoke(ctx, c, lim, func(o json.RawMessage) error { return emit(i, o) })
	}
	return st, errs
}
