package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"

	"github.com/exoplay/exoplay/internal/category"
)

func callErr(status int, retryAfter, body string) error {
	resp := &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
	if retryAfter != "" {
		resp.Header.Set("Retry-After", retryAfter)
	}
	return msalerrors.CallErr{Resp: resp, Err: fmt.Errorf("http call failed: %d %s", status, body)}
}

func TestClassify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	cred := &Credential{Name: "msp", Method: MethodClientSecret, ClientID: "c", ClientSecret: "TopSecretValue"}
	cases := []struct {
		err      error
		code     string
		category string
		contains string
	}{
		{callErr(401, "", `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Trace ID: x","error_codes":[7000215],"correlation_id":"corr-1"}`), "AADSTS7000215", category.Auth, "corr-1"},
		{callErr(400, "", `{"error":"invalid_client","error_description":"AADSTS7000222: expired"}`), "AADSTS7000222", category.Auth, "create a new client secret"},
		{callErr(400, "", `{"error":"invalid_grant","error_codes":[65001]}`), "AADSTS65001", category.Permission, "Exchange.ManageAsApp"},
		{callErr(400, "", `{"error":"invalid_grant","error_codes":[53003]}`), "AADSTS53003", category.Permission, "Conditional Access"},
		{callErr(400, "", `{"error":"invalid_grant","error_codes":[700082]}`), "AADSTS700082", category.Auth, "exoplay auth login"},
		{callErr(400, "", `{"error":"invalid_request","error_description":"AADSTS123456: Something new happened.\r\nTrace ID: abc"}`), "AADSTS123456", category.Auth, "Something new happened."},
		{callErr(429, "7", `{}`), CodeThrottled, category.Auth, "throttled"},
		{callErr(502, "", `<html>bad gateway</html>`), "http_502", category.Auth, "HTTP 502"},
		{callErr(400, "", `{"error":"weird_error","error_description":"secret was TopSecretValue"}`), "weird_error", category.Auth, "[REDACTED]"},
		{&netErr{}, CodeNetwork, category.Auth, "could not be reached"},
		{errors.New("no token found"), "msal", category.Auth, "no token found"},
		{context.DeadlineExceeded, "canceled", category.Auth, "did not finish in time"},
	}
	for _, tc := range cases {
		e := classify(tc.err, cred, "contoso.onmicrosoft.com", now)
		if e.Code != tc.code || e.Category != tc.category || !strings.Contains(e.Error(), tc.contains) {
			t.Errorf("%v:\n got %s/%s %q", tc.err, e.Code, e.Category, e.Error())
		}
		if strings.Contains(e.Error(), "TopSecretValue") || strings.Contains(e.Error(), "Trace ID") {
			t.Errorf("%q leaks", e.Error())
		}
		if !strings.Contains(e.Error(), "contoso.onmicrosoft.com") || !strings.Contains(e.Error(), `auth "msp"`) {
			t.Errorf("%q does not name tenant and credential", e.Error())
		}
	}
	if e := classify(context.Canceled, cred, "t", now); !errors.Is(e, context.Canceled) {
		t.Error("cancellation is not visible to errors.Is")
	}
	if e := classify(callErr(429, "7", `{}`), cred, "t", now); e.RetryAfter != 7*time.Second {
		t.Errorf("RetryAfter %v", e.RetryAfter)
	}
}

type netErr struct{}

func (*netErr) Error() string   { return "dial tcp: connection refused" }
func (*netErr) Timeout() bool   { return false }
func (*netErr) Temporary() bool { return false }

func TestRetryDelay(t *testing.T) {
	m := NewManager(Options{Now: func() time.Time { return time.Unix(1_800_000_000, 0) }})
	cases := []struct {
		err     error
		attempt int
		wait    time.Duration
		retry   bool
	}{
		{callErr(429, "2.5", "{}"), 1, 2500 * time.Millisecond, true},
		{callErr(503, "Sat, 16 Jan 2027 08:00:10 GMT", "{}"), 1, maxRetryWait, true}, // far-future date capped
		{callErr(429, "", "{}"), 3, 4 * time.Second, true},
		{callErr(429, "1", "{}"), maxThrottledAttempts, 0, false},
		{callErr(500, "", "{}"), 1, serverErrorWait, true},
		{callErr(500, "", "{}"), 2, serverErrorWait, false},
		{callErr(400, "", "{}"), 1, 0, false},
		{&netErr{}, 1, serverErrorWait, true},
		{context.Canceled, 1, 0, false},
	}
	for _, tc := range cases {
		d, ok := m.retryDelay(tc.err, tc.attempt)
		if ok != tc.retry || (ok && d != tc.wait) {
			t.Errorf("%v attempt %d: got %v %v, want %v %v", tc.err, tc.attempt, d, ok, tc.wait, tc.retry)
		}
	}
}
