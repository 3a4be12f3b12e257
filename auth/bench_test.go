package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/internal/atomicfile"
)

// BenchmarkTokenCached is the cost of Token on the hot path (a valid token
// in the source), which every InvokeCommand call pays.
func BenchmarkTokenCached(b *testing.B) {
	f := newFixture(b, fixtureOptions{})
	m := NewManager(Options{HTTPClient: f.client, CacheDir: b.TempDir()})
	defer m.Close()
	s, err := m.Source(secretCred(), authority, contosoID, exchange)
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
	m := NewManager(Options{HTTPClient: f.client, CacheDir: b.TempDir(), Now: f.clock.Now})
	defer m.Close()
	s, err := m.Source(secretCred(), authority, contosoID, exchange)
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

// BenchmarkTenantStatus is `exoplay auth status --playbook` for one tenant
// (by id, so no request) of a 500-tenant delegated cache.
func BenchmarkTenantStatus(b *testing.B) {
	dir := b.TempDir()
	var tenants []string
	for i := range 500 {
		tenants = append(tenants, fmt.Sprintf("%08d-0000-4000-8000-000000000000", i))
	}
	writeDelegatedCache(b, dir, tenants...)
	m := NewManager(Options{CacheDir: dir})
	defer m.Close()
	cred := &Credential{Method: MethodDeviceCode}
	b.ReportAllocs()
	for b.Loop() {
		st, err := m.TenantStatus(context.Background(), cred, statusAuthority, tenants[len(tenants)-1], exchange)
		if err != nil || !st.Usable {
			b.Fatal(st, err)
		}
	}
}

const statusAuthority = "https://login.microsoftonline.com"

// writeDelegatedCache writes the delegated cache of the Exchange PowerShell
// client as MSAL does: one user with a refresh token, and an account entry
// and an access token (with its ~2 KB secret) per tenant.
func writeDelegatedCache(tb testing.TB, dir string, tenants ...string) {
	tb.Helper()
	doc := map[string]map[string]any{"Account": {}, "AccessToken": {}, "RefreshToken": {
		"rt": map[string]string{"home_account_id": "home", "client_id": ExchangePowerShellClientID, "secret": strings.Repeat("r", 1500)},
	}}
	for _, tid := range tenants {
		doc["Account"]["a"+tid] = map[string]string{"home_account_id": "home", "environment": "login.microsoftonline.com", "realm": tid, "username": "admin@partner.example"}
		doc["AccessToken"]["t"+tid] = map[string]string{"home_account_id": "home", "environment": "login.microsoftonline.com", "realm": tid,
			"client_id": ExchangePowerShellClientID, "target": exchange + "/.default", "expires_on": "4000000000", "secret": strings.Repeat("x", 2000)}
	}
	data, _ := json.Marshal(doc)
	if err := atomicfile.WriteFile(delegatedCachePath(dir, statusAuthority, ExchangePowerShellClientID), data, 0o600); err != nil {
		tb.Fatal(err)
	}
}
