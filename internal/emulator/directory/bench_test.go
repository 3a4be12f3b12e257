package directory

import (
	"context"
	"runtime"
	"testing"
)

const bigTenant = 200_000

// BenchmarkGetMailboxUnlimited200k measures a full Get-Mailbox
// -ResultSize Unlimited over a 200,000-mailbox tenant, materialising every
// object as the protocol layer would when paging.
func BenchmarkGetMailboxUnlimited200k(b *testing.B) {
	s := New(Options{Seed: 7})
	tn := s.AddTenant(TenantSpec{Domain: "big.onmicrosoft.com", Mailboxes: bigTenant})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		r, err := tn.Invoke(ctx, Exchange, "Get-Mailbox", map[string]any{"ResultSize": "Unlimited"})
		if err != nil {
			b.Fatal(err)
		}
		if r.Len != bigTenant {
			b.Fatalf("Len = %d", r.Len)
		}
		for i := 0; i < r.Len; i++ {
			if o := r.Object(i); len(o) == 0 {
				b.Fatal("empty object")
			}
		}
	}
}

// BenchmarkFilterCASMailbox200k measures a filtered Get-CASMailbox over
// 200,000 mailboxes (filter evaluated on every mailbox, objects not built).
func BenchmarkFilterCASMailbox200k(b *testing.B) {
	s := New(Options{Seed: 7})
	tn := s.AddTenant(TenantSpec{Domain: "big.onmicrosoft.com", Mailboxes: bigTenant})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tn.Invoke(ctx, Exchange, "Get-CASMailbox", map[string]any{"ResultSize": "Unlimited", "Filter": "PopEnabled -eq $true -and RecipientTypeDetails -eq 'UserMailbox'"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTenant200kMemory reports the heap a 200,000-mailbox tenant holds
// once its identity index is built (bytes/mailbox), and the build time.
func BenchmarkTenant200kMemory(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		s := New(Options{Seed: 7})
		tn := s.AddTenant(TenantSpec{Domain: "big.onmicrosoft.com", Mailboxes: bigTenant})
		if _, err := tn.Invoke(ctx, Exchange, "Get-Mailbox", map[string]any{"Identity": "adele.vance@big.com"}); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/bigTenant, "heapB/mailbox")
		runtime.KeepAlive(s)
	}
}

// BenchmarkGetMailboxInvoke200k measures only the call (the Result's row
// list), not materialising objects: the cost of the first page of a
// Get-Mailbox -ResultSize Unlimited before any object is encoded.
func BenchmarkGetMailboxInvoke200k(b *testing.B) {
	s := New(Options{Seed: 7})
	tn := s.AddTenant(TenantSpec{Domain: "big.onmicrosoft.com", Mailboxes: bigTenant})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tn.Invoke(ctx, Exchange, "Get-Mailbox", map[string]any{"ResultSize": "Unlimited"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSetCASMailbox200k measures a write resolved by identity on a
// 200,000-mailbox tenant once its index exists.
func BenchmarkSetCASMailbox200k(b *testing.B) {
	s := New(Options{Seed: 7})
	tn := s.AddTenant(TenantSpec{Domain: "big.onmicrosoft.com", Mailboxes: bigTenant})
	ctx := context.Background()
	m := tn.gen(150_000)
	upn := m.upn()
	b.ReportAllocs()
	on := false
	for b.Loop() {
		on = !on
		if _, err := tn.Invoke(ctx, Exchange, "Set-CASMailbox", map[string]any{"Identity": upn, "PopEnabled": on}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSetCASMailboxMany200k writes a different mailbox each time, so
// overrides accumulate: resolution must not slow down with them.
func BenchmarkSetCASMailboxMany200k(b *testing.B) {
	s := New(Options{Seed: 7})
	tn := s.AddTenant(TenantSpec{Domain: "big.onmicrosoft.com", Mailboxes: bigTenant})
	ctx := context.Background()
	b.ReportAllocs()
	i := int32(0)
	for b.Loop() {
		m := tn.gen(i % bigTenant)
		i++
		if _, err := tn.Invoke(ctx, Exchange, "Set-CASMailbox", map[string]any{"Identity": m.upn(), "PopEnabled": i%2 == 0, "ImapEnabled": i%3 == 0}); err != nil {
			b.Fatal(err)
		}
	}
}
