package entra

import (
	"crypto/rand"
	"fmt"
	"net/http"
)

// serveDeviceCode answers POST /{tenant}/oauth2/v2.0/devicecode. The code is approved, by the
// sign-in user, after Options.DeviceCodePolls polls answered authorization_pending.
// behaviour entra.devicecode.endpoint (internal/emulator/BEHAVIOURS.md)
func (a *Authority) serveDeviceCode(w http.ResponseWriter, r *http.Request, seg string) {
	if r.Method != http.MethodPost {
		a.writeError(w, r, newErr(http.StatusMethodNotAllowed, "invalid_request", 900561,
			"The endpoint only accepts POST requests. Received a %s request.", r.Method))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	_ = r.ParseForm()
	ref, found := a.lookupTenant(seg)
	if !found {
		a.writeError(w, r, errTenantNotFound(seg))
		return
	}
	q := &tokenRequest{r: r, form: r.PostForm, ref: ref, base: a.base(r)}
	app, e := a.authenticateClient(q, false)
	if e != nil {
		a.writeError(w, r, e)
		return
	}
	if _, e := a.parseScope(q.form.Get("scope"), ref.segment, q.base); e != nil {
		a.writeError(w, r, e)
		return
	}
	u, ok := a.pickSignInUser(ref, "")
	if !ok {
		a.writeError(w, r, errNoSuchUser(ref.segment))
		return
	}
	a.mu.RLock()
	polls := a.devicePolls
	a.mu.RUnlock()
	now := a.now()
	code := a.grants.putDevice(&deviceCode{
		clientID: app.ClientID, scope: q.form.Get("scope"), upn: u.UPN, ref: ref,
		pollsLeft: max(polls, 0), expires: now.Add(deviceCodeLifetime),
	}, now)
	a.counters.update(func(c *Counters) { c.DeviceCodes++ })
	userCode := userCode()
	verify := q.base + "/devicelogin"
	writeJSON(w, http.StatusOK, map[string]any{
		"user_code":        userCode,
		"device_code":      code,
		"verification_uri": verify,
		"expires_in":       int(deviceCodeLifetime.Seconds()),
		"interval":         5,
		"message": fmt.Sprintf("To sign in, use a web browser to open the page %s and enter the code %s to authenticate.",
			verify, userCode),
	})
}

// userCode is a nine-character code like Entra's, without look-alike characters.
func userCode() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// serveDeviceLogin is the page a user would open; here every code is approved automatically.
func serveDeviceLogin(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = fmt.Fprint(w, "<!doctype html><title>Device sign-in</title><p>This emulated authority approves device codes automatically. You can close this window.</p>")
}
