package directory

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// fakeClock is an injected clock for replication and timestamps.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)} }

// tenantWith returns a tenant of the given posture.
func tenantWith(t *testing.T, p Posture, mailboxes int, opts Options) *Tenant {
	t.Helper()
	return New(opts).AddTenant(TenantSpec{Domain: strings.ToLower(p.String()) + ".onmicrosoft.com", Mailboxes: mailboxes, Posture: p})
}

func run(t *testing.T, tn *Tenant, cmdlet string, params map[string]any) *Result {
	t.Helper()
	return runOn(t, tn, Exchange, cmdlet, params)
}

func runOn(t *testing.T, tn *Tenant, svc Service, cmdlet string, params map[string]any) *Result {
	t.Helper()
	r, err := tn.Invoke(context.Background(), svc, cmdlet, params)
	if err != nil {
		t.Fatalf("%s %v: %v", cmdlet, params, err)
	}
	return r
}

func runErr(t *testing.T, tn *Tenant, cmdlet string, params map[string]any) *Error {
	t.Helper()
	r, err := tn.Invoke(context.Background(), Exchange, cmdlet, params)
	if err == nil {
		t.Fatalf("%s %v: want an error, got %d objects", cmdlet, params, r.Len)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: error %T is not *Error: %v", cmdlet, err, err)
	}
	return e
}

func objects(r *Result) []Object {
	out := make([]Object, r.Len)
	for i := range out {
		out[i] = r.Object(i)
	}
	return out
}

func ht(kv ...any) map[string]any {
	m := map[string]any{"@odata.type": "#Exchange.GenericHashTable"}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func val(t *testing.T, o Object, prop string) any {
	t.Helper()
	v, ok := o.Get(prop)
	if !ok {
		t.Fatalf("object has no %s", prop)
	}
	return v
}
