package entra

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// aadError is an Entra error answer: an OAuth error, an AADSTS code and a description.
// Descriptions never carry secrets (client secrets, passwords, tokens).
type aadError struct {
	status     int
	err        string // OAuth error: invalid_client, invalid_grant, ...
	code       int    // AADSTS code
	suberror   string
	desc       string
	retryAfter time.Duration // 429 only
}

func newErr(status int, oauthErr string, code int, format string, args ...any) *aadError {
	return &aadError{status: status, err: oauthErr, code: code, desc: fmt.Sprintf(format, args...)}
}

func (e *aadError) withSuberror(s string) *aadError { e.suberror = s; return e }

func (e *aadError) Error() string { return fmt.Sprintf("AADSTS%d: %s", e.code, e.desc) }

// Common errors, named after what the client did wrong.
func errTenantNotFound(seg string) *aadError {
	return newErr(http.StatusBadRequest, "invalid_request", 90002,
		"Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", seg)
}

func errMissingParam(name string) *aadError {
	return newErr(http.StatusBadRequest, "invalid_request", 900144,
		"The request body must contain the following parameter: '%s'.", name)
}

func errUnknownApp(clientID, tenant string) *aadError {
	return newErr(http.StatusBadRequest, "unauthorized_client", 700016,
		"Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.", clientID, tenant)
}

func errConsent(clientID, tenant string) *aadError {
	return newErr(http.StatusBadRequest, "invalid_grant", 65001,
		"The user or administrator has not consented to use the application with ID '%s' in tenant '%s'. Send an interactive authorization request for this user and resource.", clientID, tenant).withSuberror("consent_required")
}

func errUserNotInTenant(upn, tenant string) *aadError {
	return newErr(http.StatusBadRequest, "invalid_grant", 50020,
		"User account '%s' from identity provider does not exist in tenant '%s' and cannot access the application in that tenant.", upn, tenant)
}

// writeError answers an Entra-shaped JSON error and counts it.
// behaviour entra.errors.aadsts (internal/emulator/BEHAVIOURS.md)
func (a *Authority) writeError(w http.ResponseWriter, r *http.Request, e *aadError) {
	a.counters.failure(e.code)
	now := a.now().UTC()
	trace := randomHex(16)
	corr := r.Header.Get("client-request-id")
	if corr == "" {
		corr = randomHex(16)
	}
	body := map[string]any{
		"error": e.err,
		"error_description": fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s",
			e.code, e.desc, trace, corr, now.Format("2006-01-02 15:04:05Z")),
		"error_codes":    []int{e.code},
		"timestamp":      now.Format("2006-01-02 15:04:05Z"),
		"trace_id":       trace,
		"correlation_id": corr,
		"error_uri":      a.base(r) + "/error?code=" + strconv.Itoa(e.code),
	}
	if e.suberror != "" {
		body["suberror"] = e.suberror
	}
	if e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer error="`+e.err+`"`)
	}
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((e.retryAfter+time.Second-1)/time.Second)))
	}
	writeJSON(w, e.status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// guidFromHex formats 32 hex digits as a GUID.
func guidFromHex(h string) string {
	h = strings.ToLower(h)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
