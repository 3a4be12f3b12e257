package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func gateSource(t *testing.T, tenant string) *Source {
	m := NewManager(Options{})
	t.Cleanup(func() { m.Close() })
	return &Source{m: m, cred: secretCred(), tenant: tenant}
}

// A refusal about one tenant lets the next tenant try; a refusal about
// the credential answers every later tenant without a request; a success
// opens the gate for good.
func TestCredGate(t *testing.T) {
	ctx := context.Background()
	g := newCredGate()
	a, b, c := gateSource(t, "a.onmicrosoft.com"), gateSource(t, "b.onmicrosoft.com"), gateSource(t, "c.onmicrosoft.com")

	done, refused := g.enter(ctx, a)
	if refused != nil {
		t.Fatalf("first tenant refused: %v", refused)
	}
	// While a's request is out, b waits (the probe is held): its context ends first.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := g.enter(cctx, b); err == nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("a second tenant did not wait for the first answer: %v", err)
	}
	done(&Error{Tenant: a.tenant, Code: "AADSTS700016", Message: "the app was not found in the tenant"}) // tenant-level

	done, refused = g.enter(ctx, b)
	if refused != nil {
		t.Fatalf("a tenant-level refusal blocked the next tenant: %v", refused)
	}
	done(&Error{Tenant: b.tenant, Code: "AADSTS7000215", Message: "the client secret is wrong", credentialLevel: true})

	_, refused = g.enter(ctx, c)
	if refused == nil || refused.Code != CodeCredentialRefused || refused.Tenant != c.tenant ||
		!strings.Contains(refused.Message, "AADSTS7000215") || !strings.Contains(refused.Message, b.tenant) {
		t.Fatalf("after a credential-level refusal: %+v", refused)
	}

	// A success opens the gate: nobody waits any more.
	g = newCredGate()
	done, _ = g.enter(ctx, a)
	done(nil)
	for _, s := range []*Source{b, c} {
		if _, err := g.enter(cctx, s); err != nil { // cctx is cancelled: entering must not wait
			t.Fatalf("an open gate made %s wait: %v", s.tenant, err)
		}
	}
}

// Every credential-level code has its explanation and fix in the code
// table: the one message its tenants share must say what to do.
func TestCredentialLevelCodesAreExplained(t *testing.T) {
	for code := range credentialCodes {
		if m, ok := aadstsCodes[code]; !ok || m.fix == "" {
			t.Errorf("AADSTS%d is credential-level but has no explanation and fix", code)
		}
	}
}
