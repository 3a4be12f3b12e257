package auth

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"

	"github.com/exoplay/exoplay/internal/category"
	"github.com/exoplay/exoplay/internal/wait"
)

// Codes of errors found by exoplay itself rather than by Entra ID.
const (
	CodeTenantMismatch  = "tenant_mismatch"
	CodeNeedsTerminal   = "interaction_required"
	CodeInvalidConfig   = "invalid_credential"
	CodeCertificate     = "certificate"
	CodeTokenExpired    = "token_expired"
	CodeNetwork         = "authority_unreachable"
	CodeThrottled       = "throttled"
	CodeBadTokenReply   = "bad_token_response"
	CodeAccessTokenRead = "access_token_unreadable"
	// CodeCredentialRefused: not tried, because Entra ID already refused
	// this credential for another tenant of the run (credGate).
	CodeCredentialRefused = "credential_refused"
)

// Error is a sign-in failure for one tenant. Its message says what happened
// and what to fix; it never contains a secret.
type Error struct {
	Tenant        string // as given to Manager.Source
	Credential    string // the credential's label
	Category      string // category.Auth or category.Permission (internal/category)
	Code          string // e.g. "AADSTS7000215", or one of the Code* constants
	Message       string // what happened
	Hint          string // what to fix; may be empty
	CorrelationID string // Entra's correlation id, for a support case
	RetryAfter    time.Duration
	cause         error // only context errors, for errors.Is
	// credentialLevel: Entra ID refused the credential itself, not this
	// tenant (credentialCodes).
	credentialLevel bool
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Tenant != "" {
		fmt.Fprintf(&b, "tenant %s: ", e.Tenant)
	}
	if e.Credential != "" {
		fmt.Fprintf(&b, "%s: ", e.Credential)
	}
	b.WriteString("sign-in failed")
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	b.WriteString(": ")
	b.WriteString(e.Message)
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	if e.CorrelationID != "" {
		fmt.Fprintf(&b, " [correlation id %s]", e.CorrelationID)
	}
	return b.String()
}

// ErrorCategory is "auth" or "permission" (consent and role problems).
func (e *Error) ErrorCategory() string { return e.Category }

// ErrorCode is the AADSTS code or exoplay's own code.
func (e *Error) ErrorCode() string { return e.Code }

// Unwrap exposes context cancellation only, never an MSAL error (whose
// verbose form would print the request).
func (e *Error) Unwrap() error { return e.cause }

// aadsts says what an Entra error code means and what to do about it.
type aadsts struct {
	category string
	what     string
	fix      string
}

// detailCodes keep Entra's own first sentence after what: it names the
// value presented (an assertion's issuer, audience or subject), which is
// what the fix has to be compared with.
var detailCodes = map[int]bool{700211: true, 700212: true, 700213: true, 70021: true}

// credentialCodes are the refusals about the credential itself (its secret,
// certificate or app registration), not about one tenant: every tenant
// signing in with it gets the same answer (see credGate).
var credentialCodes = map[int]bool{7000215: true, 7000222: true, 700027: true, 7000218: true,
	700211: true, 700212: true, 700213: true}

// aadstsCodes are the codes a batch run meets (msal-go.md §7 and the common
// ones around them).
var aadstsCodes = map[int]aadsts{
	700016:  {category.Permission, "the app was not found in the tenant", "check client_id, and have an administrator of this tenant consent to the app (admin consent / GDAP onboarding)"},
	90002:   {category.Auth, "the tenant was not found", "check the tenant's organization (initial *.onmicrosoft.com domain or tenant id) and its environment (cloud)"},
	900023:  {category.Auth, "the tenant identifier is not valid", "use the initial *.onmicrosoft.com domain or the tenant id"},
	7000215: {category.Auth, "the client secret is wrong", "use the secret's Value (not its Secret ID) from the app registration, or create a new secret"},
	7000222: {category.Auth, "the client secret has expired", "create a new client secret for the app and update the playbook's secret source"},
	700027:  {category.Auth, "the certificate is not registered on the app or the signature is invalid", "upload the certificate's public key (.cer) to the app registration's Certificates & secrets"},
	700024:  {category.Auth, "the client assertion is outside its valid time range", "fix this machine's clock (enable NTP)"},
	// Federated credentials (workload_identity, managed_identity with
	// client_id): the presented token matches no federated identity
	// credential of the app. Every tenant gets the same answer.
	700211:  {category.Auth, "no federated credential of the app trusts the token's issuer", "on the app registration (Certificates & secrets > Federated credentials) set the issuer to the token's issuer exactly: for workload_identity the cluster's OIDC issuer URL, trailing slash included (az aks show --query oidcIssuerProfile.issuerUrl)"},
	700212:  {category.Auth, "no federated credential of the app accepts the token's audience", "set the federated credential's audience to api://AzureADTokenExchange, the audience of the Workload Identity webhook's service account token"},
	700213:  {category.Auth, "no federated credential of the app matches the token's subject", "set the federated credential's subject to what the token carries, exactly (case-sensitive): system:serviceaccount:<namespace>:<service account> of the pod for workload_identity, the identity's object id for managed_identity"},
	70021:   {category.Auth, "no federated credential of the app matches the presented token", "check the federated credential's issuer, subject and audience; a credential added minutes ago may not have reached every Entra node yet"},
	90061:   {category.Auth, "Entra ID could not fetch the token issuer's OIDC discovery document or keys", "the cluster's OIDC issuer URL must be reachable from the internet (on AKS: enable the OIDC issuer, az aks update --enable-oidc-issuer)"},
	65001:   {category.Permission, "the app or user has not been granted consent", "grant admin consent for Exchange.ManageAsApp (app-only) or Exchange.Manage (delegated) in this tenant"},
	500011:  {category.Permission, "the resource (Exchange Online) is not available in the tenant", "check that the tenant has Exchange Online and that the environment (cloud) is right"},
	53003:   {category.Permission, "access was blocked by Conditional Access", "exclude the app or account from the policy, or sign in from an allowed location or device"},
	50076:   {category.Auth, "the account needs multi-factor authentication", "use method device_code or interactive, which support MFA"},
	50079:   {category.Auth, "the account must register for multi-factor authentication", "complete MFA registration, then use method device_code or interactive"},
	700082:  {category.Auth, "the refresh token has expired after inactivity", "sign in again (exoplay auth login, or a new partner refresh token)"},
	50173:   {category.Auth, "the refresh token was revoked (password change or revocation)", "sign in again (exoplay auth login, or a new partner refresh token)"},
	70043:   {category.Auth, "the refresh token expired under a Conditional Access sign-in frequency policy", "sign in again (exoplay auth login)"},
	70008:   {category.Auth, "the refresh token or authorization code has expired", "sign in again (exoplay auth login)"},
	1002012: {category.Auth, "the requested scope is not valid for this grant", "app-only tokens take only <resource>/.default"},
	50126:   {category.Auth, "the username or password is wrong", "check username and password (federated accounts cannot use username_password)"},
	50034:   {category.Auth, "the user account does not exist in this tenant", "check the username"},
	50053:   {category.Auth, "the account is locked after too many failed sign-ins", "wait, or have an administrator unlock it"},
	50057:   {category.Auth, "the user account is disabled", "enable the account or use another one"},
	50020:   {category.Permission, "the user does not exist in this tenant (no guest or GDAP access)", "give the account access to this tenant (GDAP relationship or guest invitation)"},
	7000218: {category.Auth, "the app requires a client secret or certificate (public client flows are off)", "enable 'Allow public client flows' on the app registration, or use a confidential method"},
	7000112: {category.Permission, "the application is disabled in the tenant", "re-enable the enterprise application in this tenant"},
	70020:   {category.Auth, "the device code expired before sign-in completed", "run again and complete the sign-in within the time shown"},
	50158:   {category.Auth, "an external security challenge was not satisfied", "sign in interactively (method interactive or device_code)"},
	700003:  {category.Auth, "the device or account is no longer valid for this sign-in", "sign in again (exoplay auth login)"},
}

// methodFixes replace a code's fix for one method, where its cause differs.
var methodFixes = map[string]map[int]string{
	MethodWorkloadIdentity: {700024: "the service account token in token_file has expired, or this machine's clock is wrong: the kubelet rewrites the projected file before the token expires, so check that the pod mounts it (label azure.workload.identity/use) and that NTP runs"},
}

// entraReply is the error body of the token endpoint.
type entraReply struct {
	Error         string `json:"error"`
	Description   string `json:"error_description"`
	Codes         []int  `json:"error_codes"`
	CorrelationID string `json:"correlation_id"`
}

// httpFailure is what a failed token request left: its status, the
// Retry-After it asked for and the parsed body.
type httpFailure struct {
	status     int
	retryAfter time.Duration
	hasRetry   bool
	reply      entraReply
}

// asHTTPFailure finds an HTTP-level failure in err (MSAL's CallErr).
func asHTTPFailure(err error, now time.Time) (httpFailure, bool) {
	var ce msalerrors.CallErr
	if !errors.As(err, &ce) || ce.Resp == nil {
		return httpFailure{}, false
	}
	f := httpFailure{status: ce.Resp.StatusCode}
	f.retryAfter, f.hasRetry = wait.RetryAfter(ce.Resp.Header.Get("Retry-After"), now)
	if ce.Resp.Body != nil {
		body, _ := io.ReadAll(io.LimitReader(ce.Resp.Body, 1<<20))
		ce.Resp.Body = io.NopCloser(bytes.NewReader(body)) // readable again by the next look
		_ = json.Unmarshal(body, &f.reply)
	}
	return f, true
}

// aadstsCode returns the first AADSTS code of a reply, from error_codes or
// the description's "AADSTSnnn:" prefix.
func (r entraReply) aadstsCode() int {
	if len(r.Codes) > 0 {
		return r.Codes[0]
	}
	d := r.Description
	if i := strings.Index(d, "AADSTS"); i >= 0 {
		j := i + len("AADSTS")
		k := j
		for k < len(d) && d[k] >= '0' && d[k] <= '9' {
			k++
		}
		if n, err := strconv.Atoi(d[j:k]); err == nil {
			return n
		}
	}
	return 0
}

// firstLine keeps the sentence Entra leads with, dropping its Trace ID,
// Correlation ID and Timestamp lines.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, " Trace ID:"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// firstSentence keeps s up to its first full stop that ends a sentence.
func firstSentence(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	return s
}

// classify turns any acquisition error into an *Error for tenant.
func classify(err error, cred *Credential, tenant string, now time.Time) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		out := *ae
		if out.Tenant == "" {
			out.Tenant = tenant
		}
		if out.Credential == "" {
			out.Credential = cred.label()
		}
		return redactError(&out, cred)
	}
	e := &Error{Tenant: tenant, Credential: cred.label(), Category: category.Auth}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		e.Code, e.Message, e.cause = "canceled", "the sign-in did not finish in time", context.DeadlineExceeded
		return e
	case errors.Is(err, context.Canceled):
		e.Code, e.Message, e.cause = "canceled", "the sign-in was interrupted: "+err.Error(), context.Canceled
		return e
	}
	if f, ok := asHTTPFailure(err, now); ok {
		e.CorrelationID = f.reply.CorrelationID
		if f.hasRetry {
			e.RetryAfter = f.retryAfter
		}
		if n := f.reply.aadstsCode(); n != 0 {
			e.Code = fmt.Sprintf("AADSTS%d", n)
			e.credentialLevel = credentialCodes[n]
			if m, ok := aadstsCodes[n]; ok {
				e.Category, e.Message, e.Hint = m.category, m.what, cmp.Or(methodFixes[cred.Method][n], m.fix)
				if d := firstSentence(strings.TrimPrefix(firstLine(f.reply.Description), e.Code+":")); detailCodes[n] && d != "" {
					e.Message += " (Entra ID: " + d + ")"
				}
			} else {
				e.Message = strings.TrimSpace(strings.TrimPrefix(firstLine(f.reply.Description), e.Code+":"))
			}
		}
		switch {
		case e.Message != "":
		case f.status == http.StatusTooManyRequests || f.status == http.StatusServiceUnavailable:
			e.Code = CodeThrottled
			e.Message = fmt.Sprintf("Entra ID throttled the token request (HTTP %d) and retries ran out", f.status)
			e.Hint = "run fewer tenants in parallel or try again later"
		case f.reply.Error != "":
			e.Code = f.reply.Error
			e.Message = firstLine(f.reply.Description)
			if e.Message == "" {
				e.Message = f.reply.Error
			}
		default:
			e.Code = fmt.Sprintf("http_%d", f.status)
			e.Message = fmt.Sprintf("the token endpoint answered HTTP %d", f.status)
		}
		return redactError(e, cred)
	}
	e.Code = CodeNetwork
	if isNetworkError(err) {
		e.Message = "the authority could not be reached: " + err.Error()
		e.Hint = "check the network, proxy and the tenant's environment or authority_uri"
	} else {
		// MSAL's own errors (no HTTP reply) are short sentences without
		// request details; keep them.
		e.Code = "msal"
		e.Message = err.Error()
	}
	return redactError(e, cred)
}

// redactError removes the credential's secrets from every text field.
func redactError(e *Error, cred *Credential) *Error {
	for _, f := range []*string{&e.Message, &e.Hint, &e.Tenant, &e.Code} {
		*f = redact(*f, cred.secrets()...)
	}
	return e
}

// redact replaces each secret in s. Very short values are skipped: they
// would blank out ordinary words and are not credentials anyway.
func redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 && strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, "[REDACTED]")
		}
	}
	return s
}

// configError is an error of the credential itself, found before any request.
func configError(cred *Credential, tenant, code, msg, hint string) *Error {
	return redactError(&Error{Tenant: tenant, Credential: cred.label(), Category: category.Auth, Code: code, Message: msg, Hint: hint}, cred)
}
