package connect

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/exoplay/exoplay/auth"
	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/runner"
)

// ProbeCmdlets are the harmless reads preflight sends to each service a
// playbook uses: they change nothing and every admin role that can run a
// playbook of that service may call them (assumption: the smallest reads
// of each endpoint; Get-AcceptedDomain is what Connect-ExchangeOnline's
// users run first).
var ProbeCmdlets = map[string]string{
	"exchange":   "Get-AcceptedDomain",
	"compliance": "Get-DlpCompliancePolicy",
}

// Readiness is what preflight found for one tenant. No secret.
type Readiness struct {
	Tenant        string     `json:"tenant"`
	TenantID      string     `json:"tenant_id,omitempty"` // the token's tid
	AuthMethod    string     `json:"auth_method,omitempty"`
	AppID         string     `json:"app_id,omitempty"`
	User          string     `json:"user,omitempty"`
	Roles         []string   `json:"roles,omitempty"`  // app token
	Scopes        []string   `json:"scopes,omitempty"` // user token
	TokenExpires  *time.Time `json:"token_expires,omitempty"`
	CertExpires   *time.Time `json:"certificate_expires,omitempty"`
	CertDaysLeft  *int       `json:"certificate_days_left,omitempty"`
	Reads         []Probe    `json:"reads"`
	Warnings      []string   `json:"warnings,omitempty"`
	Blocked       bool       `json:"-"`
	Status        string     `json:"status"` // ready | blocked
	BlockedReason string     `json:"reason,omitempty"`
}

// Probe is one harmless read.
type Probe struct {
	Service string `json:"service"`
	Cmdlet  string `json:"cmdlet"`
	OK      bool   `json:"ok"`
	Error   string `json:"error,omitempty"`
}

// CertWarnDays: a certificate that expires sooner is a warning.
const CertWarnDays = 30

// Preflight signs in to t as a run would (Connect), reads what the token
// says, and sends one harmless read per service. now is the clock for the
// certificate's days left.
func (c *Connector) Preflight(ctx context.Context, t *playbook.Tenant, services []string, now time.Time) *Readiness {
	r := &Readiness{Tenant: t.Name, Reads: []Probe{}}
	block := func(format string, a ...any) *Readiness {
		r.Blocked, r.Status = true, "blocked"
		r.BlockedReason = fmt.Sprintf(format, a...)
		return r
	}
	tg, err := c.Resolve(t)
	if err != nil {
		return block("%v", err)
	}
	r.AuthMethod = tg.Credential.Method
	if tg.Credential.Method == auth.MethodCertificate {
		na, err := auth.CertificateNotAfter(tg.Credential)
		if err != nil {
			return block("certificate: %v", err)
		}
		days := int(na.Sub(now).Hours() / 24)
		r.CertExpires, r.CertDaysLeft = &na, &days
		switch {
		case !now.Before(na):
			return block("the certificate expired on %s", na.UTC().Format(time.DateOnly))
		case days < CertWarnDays:
			r.Warnings = append(r.Warnings, fmt.Sprintf("the certificate expires in %d days (%s)", days, na.UTC().Format(time.DateOnly)))
		}
	}
	sess, err := c.Connect(ctx, t)
	if err != nil {
		return block("sign-in: %v", err)
	}
	r.TenantID = sess.TenantID()
	if src, err := tg.source(c.opts.Auth); err == nil {
		id := src.Identity()
		r.AppID, r.User, r.Roles, r.Scopes = id.AppID, id.UPN, id.Roles, id.Scopes
		if !id.ExpiresOn.IsZero() {
			exp := id.ExpiresOn.UTC()
			r.TokenExpires = &exp
		}
		if len(id.Roles) == 0 && len(id.Scopes) == 0 {
			r.Warnings = append(r.Warnings, "the token carries no app role and no scope")
		}
	}
	var failed []string
	for _, svc := range services {
		name := ProbeCmdlets[svc]
		p := Probe{Service: svc, Cmdlet: name}
		_, err := sess.Invoke(ctx, runner.Call{Service: svc, Cmdlet: name, Parameters: map[string]any{}}, oneRequest{}, func(json.RawMessage) error { return nil })
		if err != nil {
			p.Error = err.Error()
			failed = append(failed, fmt.Sprintf("%s (%s): %v", name, svc, err))
		} else {
			p.OK = true
		}
		r.Reads = append(r.Reads, p)
	}
	if len(failed) > 0 {
		return block("read %s", failed[0])
	}
	r.Status = "ready"
	return r
}

// oneRequest is the limiter of preflight's reads: one request per tenant
// and service, sent one after the other, so nothing to cap.
type oneRequest struct{}

func (oneRequest) Acquire(ctx context.Context) error { return ctx.Err() }
func (oneRequest) Release()                          {}
func (oneRequest) Throttled(time.Duration)           {}
