package transport

import (
	"net/http"
	"strings"
	"testing"
)

// The decoders face whatever the network hands them: they must never
// panic, and never echo a token.

func FuzzDecodeError(f *testing.F) {
	for _, s := range []string{notFoundBody, badParamBody, internalOnlyBody, adTransientBody, proxyBody, ippsForbidden, rbacBody,
		pagingBody, concurrencyText1, oauthBody, htmlBody, "", "\x00\x00", `{"error":`, `{"error":{"details":[{"message":"a|b|c"}]}}`} {
		f.Add(403, s)
		f.Add(500, s)
	}
	f.Fuzz(func(t *testing.T, status int, body string) {
		e := decodeError(status, http.Header{"Content-Type": {"text/html"}}, []byte(body), "Get-X")
		if e == nil || e.Category == "" {
			t.Fatal("no error decoded")
		}
		_ = e.Error()
		if strings.Contains(e.Message, "eyJhbGciOiJSUzI1NiJ9.eyJ0aWQiOiJ4In0.c2lnbmF0dXJl") {
			t.Fatalf("token kept: %q", e.Message)
		}
	})
}
