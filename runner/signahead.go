package runner

import (
	"context"
	"runtime/debug"
	"sync"

	"github.com/exoplay/exoplay/playbook"
)

// Sign-in ahead. A tenant's sign-in is a few sequential Entra round trips
// (discovery, token) before its first cmdlet; done in the tenant's turn, it
// holds one of max_parallel_tenants' places doing nothing but waiting. So
// while tenants run, the next ones in plan order are signed in ahead, and
// their turn starts with the session ready.
//
// What stays as before: the turn still journals tenant_started, then
// signed_in (with the tid checked against a resume's journal), then its
// steps — a session signed in ahead is only taken, never journaled, until
// the turn starts. A tenant whose turn never comes (the run stopped or was
// interrupted) drops its session: no call was sent with it.
//
// What is never signed in ahead: a tenant whose method may prompt
// (interactive, device_code, access_token_command — a prompt for a tenant
// that is not running), one a resume already finished, one preflight
// blocked, and any once the run is stopping (fail_fast,
// max_fail_percentage, a wave over max_fail_ratio, an interrupt). Waves run
// one runGroup each, so no tenant of a later wave is signed in while an
// earlier wave runs.
//
// The look-ahead is bounded: at most max_parallel_tenants sessions are
// being signed in ahead or waiting for their turn, so a 1,000-tenant run
// does not fetch 1,000 tokens up front. A session waits at most about one
// tenant's turn; its token source renews before expiry anyway.

// presigned is one sign-in done ahead of its tenant's turn.
type presigned struct {
	done chan struct{} // closed when sess/err are set
	sess Session
	err  error
	// panicked is what Connect panicked with: re-raised in the tenant's
	// turn, where runTenantSafe makes it that tenant's failure.
	panicked any
}

// signAhead signs in the tenants of one runGroup ahead of their turns.
type signAhead struct {
	r     *run
	slots chan struct{} // one per sign-in ahead not yet taken by its turn
	quit  chan struct{} // closed when the group is done
	ended chan struct{} // closed when produce returned
	mu    sync.Mutex
	// ahead holds the tenants signed in ahead; a nil entry is a tenant
	// whose turn came first (it signs in itself) or took its session.
	ahead map[*playbook.Tenant]*presigned
}

// startSignAhead begins signing in tenants (in order) ahead of their
// turns, at most lookahead at a time; stop ends it.
func (r *run) startSignAhead(ctx context.Context, tenants []*playbook.Tenant, lookahead int) *signAhead {
	sa := &signAhead{r: r, slots: make(chan struct{}, max(1, lookahead)), quit: make(chan struct{}), ended: make(chan struct{}), ahead: map[*playbook.Tenant]*presigned{}}
	go sa.produce(ctx, tenants)
	return sa
}

func (sa *signAhead) produce(ctx context.Context, tenants []*playbook.Tenant) {
	defer close(sa.ended)
	r := sa.r
	for _, t := range tenants {
		if !r.mayPreSignIn(t) {
			continue
		}
		select {
		case sa.slots <- struct{}{}:
		case <-sa.quit:
			return
		}
		if r.stopping(ctx) {
			<-sa.slots
			return
		}
		p := &presigned{done: make(chan struct{})}
		sa.mu.Lock()
		if _, seen := sa.ahead[t]; seen { // its turn came first
			sa.mu.Unlock()
			<-sa.slots
			continue
		}
		sa.ahead[t] = p
		sa.mu.Unlock()
		go func() {
			defer close(p.done)
			defer func() {
				if v := recover(); v != nil {
					p.panicked = v
					r.opts.Logger.Debug().Str("tenant", t.Name).Str("stack", string(debug.Stack())).Msg("sign-in ahead panicked; re-raised in the tenant's turn")
				}
			}()
			p.sess, p.err = r.opts.Connector.Connect(ctx, t)
		}()
	}
}

// take is called when t's turn signs in: it returns the session signed in
// ahead (waiting for it), or ok=false when there is none (the turn signs
// in itself; the producer will not sign t in any more).
func (sa *signAhead) take(t *playbook.Tenant) (Session, error, bool) {
	sa.mu.Lock()
	p := sa.ahead[t]
	sa.ahead[t] = nil
	sa.mu.Unlock()
	if p == nil {
		return nil, nil, false
	}
	<-p.done
	<-sa.slots
	if p.panicked != nil {
		panic(p.panicked)
	}
	return p.sess, p.err, true
}

// drop releases what t's turn did not take (the turn ended before its
// sign-in: finished before, blocked, the run stopping).
func (sa *signAhead) drop(t *playbook.Tenant) {
	sa.mu.Lock()
	p := sa.ahead[t]
	sa.ahead[t] = nil
	sa.mu.Unlock()
	if p != nil {
		<-p.done // the sign-in counts against the bound until it ends
		<-sa.slots
	}
}

// stop ends the producer once every turn of the group is over: each
// tenant was taken or dropped, so no sign-in ahead is left running.
func (sa *signAhead) stop() {
	close(sa.quit)
	<-sa.ended
}

// connect signs t in for its turn: with the session signed in ahead if
// there is one.
func (r *run) connect(ctx context.Context, t *playbook.Tenant) (Session, error) {
	if sa := r.ahead; sa != nil {
		if sess, err, ok := sa.take(t); ok {
			return sess, err
		}
	}
	return r.opts.Connector.Connect(ctx, t)
}

// stopping reports, without recording anything, whether no new tenant
// would start now.
func (r *run) stopping(ctx context.Context) bool {
	if r.drained(ctx) {
		return true
	}
	r.stopMu.Lock()
	defer r.stopMu.Unlock()
	return r.stop != ""
}

// noPrompt are the methods that sign in without a person: a token request
// (or a managed identity's endpoint), never a browser, code or command.
var noPrompt = map[string]bool{
	"certificate": true, "client_secret": true, "managed_identity": true, "workload_identity": true,
	"refresh_token": true, "username_password": true,
}

// mayPreSignIn reports whether t may be signed in ahead of its turn.
func (r *run) mayPreSignIn(t *playbook.Tenant) bool {
	if p := r.prior.tenant(t.Name); p != nil && p.done != nil {
		return false // a resume will not run it
	}
	if _, blocked := r.opts.Blocked[t.Name]; blocked {
		return false
	}
	if t.Auth == "" {
		// The connector's default credential (an Emulator tenant's
		// client_secret app); without one, sign-in fails in the turn.
		return true
	}
	a := r.pb.Auth[t.Auth]
	return a != nil && noPrompt[a.Method]
}
