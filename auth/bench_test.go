package auth

import (
	"context"
	"testing"
)

// BenchmarkTokenCached is the cost of Token on the hot path (a valid token
// in the source), which every InvokeCommand call pays.
func BenchmarkTokenCached(b *testing.B) {
	f := newFixture(b, fixtureOptions{})
	m := NewManager(Options{HTTPClient: f.srv.Client(), CacheDir: b.TempDir()})
	defer m.Close()
	s, err := m.Source(secretCred(), f.srv.URL, contosoID, exchange)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.Token(ctx, false); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Token(ctx, false); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkTokenAcquire is one forced acquisition through MSAL from the
// emulated authority over TLS (client credentials), client and server in
// this process.
func BenchmarkTokenAcquire(b *testing.B) {
	f := newFixture(b, fixtureOptions{})
	m := NewManager(Options{HTTPClient: f.srv.Client(), CacheDir: b.TempDir(), Now: f.clock.Now})
	defer m.Close()
	s, err := m.Source(secretCred(), f.srv.URL, contosoID, exchange)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Token(ctx, true); err != nil {
			b.Fatal(err)
		}
		f.clock.Add(forceWindow) // out of the window that shares forced refreshes
	}
}
