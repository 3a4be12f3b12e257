package transport

import (
	"context"
	"testing"
)

// slotTokens records whether the call held its limiter slot each time it
// read its token.
type slotTokens struct {
	fakeTokens
	lim         *fakeLimiter
	withoutSlot int
}

func (s *slotTokens) Token(ctx context.Context, force bool) (string, error) {
	s.lim.mu.Lock()
	if s.lim.inUse == 0 {
		s.withoutSlot++
	}
	s.lim.mu.Unlock()
	return s.fakeTokens.Token(ctx, force)
}

// Issue 14: a request reads its token after it got its connection slot, so
// a request that waited for a slot never goes out with a token taken
// before the wait (revoked meanwhile, it would draw one more 401).
func TestTokenIsReadWhileHoldingTheSlot(t *testing.T) {
	h := newHarness(t, 2500, Options{})
	tok := &slotTokens{lim: h.lim}
	h.ep.Tokens = tok
	if _, _, err := h.invoke(t, Request{Cmdlet: "Get-Mailbox", Parameters: map[string]any{"ResultSize": "Unlimited"}}); err != nil {
		t.Fatal(err)
	}
	if tok.calls == 0 || tok.withoutSlot != 0 {
		t.Fatalf("%d of %d token reads happened without the slot", tok.withoutSlot, tok.calls)
	}
}
