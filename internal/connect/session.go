package connect

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/exoplay/exoplay/auth"
	"github.com/exoplay/exoplay/cloud"
	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/runner"
	"github.com/exoplay/exoplay/transport"
)

// session is one signed-in organization.
type session struct {
	c        *Connector
	cred     *auth.Credential
	ep       cloud.Endpoints
	tenant   *playbook.Tenant
	tenantID string
	anchor   string
	exchange *auth.Source
	// systemAnchored: the session has no mailbox of its own (app-only,
	// partner) and no anchor: override, so compliance calls anchor on the
	// system mailbox at the initial domain (complianceAnchor).
	systemAnchored bool

	initialMu sync.Mutex
	initial   string // the tenant's initial domain, once known

	complianceOnce sync.Once
	compliance     *auth.Source
	complianceErr  error
}

func (s *session) TenantID() string   { return s.tenantID }
func (s *session) AuthMethod() string { return s.cred.Method }

func (s *session) endpoint(ctx context.Context, service string, lim runner.Limiter) (*transport.Endpoint, error) {
	ep := &transport.Endpoint{
		Tenant:  s.tenantID,
		Anchor:  s.anchor,
		Limiter: lim,
	}
	switch service {
	case "", "exchange":
		ep.BaseURL, ep.Service, ep.Tokens = s.ep.ExchangeURL, transport.Exchange, s.exchange
	case "compliance":
		if s.ep.ComplianceURL == "" {
			return nil, fmt.Errorf("environment %s has no Security & Compliance endpoint", s.ep.Environment)
		}
		s.complianceOnce.Do(func() {
			s.compliance, s.complianceErr = s.c.opts.Auth.Source(s.cred, s.ep.AuthorityURL, s.tenantID, s.ep.ComplianceResource)
		})
		if s.complianceErr != nil {
			return nil, s.complianceErr
		}
		anchor, err := s.complianceAnchor(ctx)
		if err != nil {
			return nil, err
		}
		ep.BaseURL, ep.Service, ep.Tokens, ep.Anchor = s.ep.ComplianceURL, transport.Compliance, s.compliance, anchor
	default:
		return nil, fmt.Errorf("unknown service %q", service)
	}
	return ep, nil
}

func request(call runner.Call) transport.Request {
	return transport.Request{
		Cmdlet:     call.Cmdlet,
		Parameters: call.Parameters,
		Select:     call.Select,
		Anchor:     call.Anchor,
		Retries:    call.Retries,
		Timeout:    call.Timeout,
	}
}

func (s *session) Invoke(ctx context.Context, call runner.Call, lim runner.Limiter, emit func(json.RawMessage) error) (runner.CallStats, error) {
	ep, err := s.endpoint(ctx, call.Service, lim)
	if err != nil {
		return runner.CallStats{}, err
	}
	return s.c.opts.Transport.Invoke(ctx, ep, request(call), emit)
}

func (s *session) InvokeBatch(ctx context.Context, calls []runner.Call, lim runner.Limiter, emit func(int, json.RawMessage) error) ([]runner.CallStats, []error) {
	errs := make([]error, len(calls))
	out := make([]runner.CallStats, len(calls))
	if len(calls) == 0 {
		return out, errs
	}
	ep, err := s.endpoint(ctx, calls[0].Service, lim)
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return out, errs
	}
	reqs := make([]transport.Request, len(calls))
	for i, call := range calls {
		reqs[i] = request(call)
	}
	return s.c.opts.Transport.Batch(ctx, ep, reqs, emit)
}
