package entra

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestConcurrentUse issues tokens from many goroutines while the directory and knobs change.
// Run with -race.
func TestConcurrentUse(t *testing.T) {
	a, srv := newServer(t, testOptions(t))
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			tenant := []string{contosoID, fabrikamID}[g%2]
			for i := 0; i < 4; i++ {
				st, _, body := postForm(t, srv, "/"+tenant+"/oauth2/v2.0/token", secretForm(exoScope))
				if st != 200 {
					errs <- fmt.Errorf("goroutine %d: %d %v", g, st, body)
					return
				}
				if _, err := a.Verify(body["access_token"].(string)); err != nil {
					errs <- err
					return
				}
			}
		}(g)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 20; i++ {
			a.AddApp(App{ClientID: fmt.Sprintf("app-%d", i), Secret: "x"})
			a.AddUser(User{UPN: fmt.Sprintf("u%d@contoso.onmicrosoft.com", i), TenantID: contosoID})
			a.AddTenant(Tenant{ID: fmt.Sprintf("t-%d", i), Domain: fmt.Sprintf("t%d.onmicrosoft.com", i)})
			a.SetTokenLifetime(time.Hour)
			a.SetEarlyExpiry(0)
			_ = a.Counters()
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := a.Counters().Issued("", "client_credentials"); got != 64 {
		t.Fatalf("issued = %d, want 64", got)
	}
}

// BenchmarkClientCredentials measures one client-secret token request through the handler
// (form parsing, client authentication and an RS256 signature).
func BenchmarkClientCredentials(b *testing.B) {
	a, err := New(testOptions(b))
	if err != nil {
		b.Fatal(err)
	}
	h := a.Handler()
	body := secretForm(exoScope).Encode()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := httptest.NewRequest(http.MethodPost, "https://127.0.0.1/"+contosoID+"/oauth2/v2.0/token", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != 200 {
				b.Errorf("status %d: %s", w.Code, w.Body) // Fatal is not allowed off the benchmark goroutine
				return
			}
		}
	})
}

// BenchmarkVerify measures checking one access token, as the emulated service does per call.
func BenchmarkVerify(b *testing.B) {
	a, err := New(testOptions(b))
	if err != nil {
		b.Fatal(err)
	}
	tok, _, err := a.issueAccessToken("https://127.0.0.1", tokenSpec{tenantID: contosoID, audience: exoResource, appID: secretAppID, objectID: "x", roles: defaultAppRoles})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
}
