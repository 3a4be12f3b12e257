package auth

import (
	"context"
	"fmt"
	"sync"
)

// credGate holds back the other tenants of one (authority, credential)
// until Entra ID has accepted the credential once. A wrong client secret
// is refused the same way by every tenant: without the gate, a run over 60
// tenants sends 60 token requests that all fail alike (and prints 60 times
// the same error). With it, the first refusal that is about the credential
// itself (credentialCodes: AADSTS7000215 and the like) answers every
// other tenant of that credential at once, as CodeCredentialRefused, with
// no request. Refusals about one tenant (app not consented there, tenant
// not found) say nothing of the credential: the next tenant tries.
//
// The cost is that a credential's first sign-ins go one at a time until one
// succeeds (one token request's time); after that the gate is open for good.
type credGate struct {
	probe chan struct{} // held by the one acquisition in flight before proof

	mu     sync.Mutex
	proven bool   // Entra ID issued a token for this credential
	broken *Error // the credential-level refusal, once seen
}

func newCredGate() *credGate { return &credGate{probe: make(chan struct{}, 1)} }

// enter waits for the right to ask Entra ID. It returns the function that
// reports the answer (nil error = a token was issued), or the refusal that
// makes asking pointless for tenant.
func (g *credGate) enter(ctx context.Context, s *Source) (done func(*Error), refused *Error) {
	cred, tenant := s.cred, s.tenant
	if open, refused := g.state(cred, tenant); open || refused != nil {
		return func(*Error) {}, refused
	}
	select {
	case g.probe <- struct{}{}:
	case <-ctx.Done():
		return nil, classify(ctx.Err(), cred, tenant, s.m.now())
	}
	release := func() { <-g.probe }
	if open, refused := g.state(cred, tenant); open || refused != nil {
		release()
		return func(*Error) {}, refused
	}
	return func(err *Error) {
		g.mu.Lock()
		switch {
		case err == nil:
			g.proven = true
		case err.credentialLevel:
			g.broken = err
		}
		g.mu.Unlock()
		release()
	}, nil
}

// state reports whether the gate is open, or the stored refusal as it
// applies to tenant.
func (g *credGate) state(cred *Credential, tenant string) (open bool, refused *Error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.proven {
		return true, nil
	}
	if b := g.broken; b != nil {
		return false, &Error{
			Tenant: tenant, Credential: b.Credential, Category: b.Category, Code: CodeCredentialRefused,
			// Short: the refusal itself, with its fix, was reported once
			// for b.Tenant.
			Message: fmt.Sprintf("not tried: Entra ID refused this credential (%s) for tenant %s", b.Code, b.Tenant),
		}
	}
	return false, nil
}
