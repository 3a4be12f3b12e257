package runner

import (
	"context"
	"encoding/json"
	"time"

	"github.com/exoplay/exoplay/cmdlet"
	"github.com/exoplay/exoplay/playbook"
)

// Call is one cmdlet invocation.
type Call struct {
	Service    string // "exchange" | "compliance"
	Cmdlet     string
	Parameters map[string]any
	// Select is sent to the service as $select. The runner fills it only when
	// the step's select has no wildcard; it always projects the objects
	// itself as well, so a service that ignores $select changes nothing.
	Select  []string
	Anchor  string // X-AnchorMailbox override, "" = the session's rules
	Retries *int   // retries after the first attempt (transient errors only)
	// Timeout bounds the whole call, retries included; 0 = none. The
	// Session enforces it (the transport's Request.Timeout), and reports
	// it as an error of category timeout.
	Timeout time.Duration
	Write   bool
}

// CallStats is what the transport reports about one call (cmdlet.Stats).
type CallStats = cmdlet.Stats

// Limiter gates every HTTP attempt (cmdlet.Limiter); orgLimiter is it.
type Limiter = cmdlet.Limiter

// Session is a signed-in connection to one organization.
type Session interface {
	TenantID() string // verified from the token's tid
	AuthMethod() string
	Invoke(ctx context.Context, call Call, lim Limiter, emit func(obj json.RawMessage) error) (CallStats, error)
	InvokeBatch(ctx context.Context, calls []Call, lim Limiter, emit func(i int, obj json.RawMessage) error) ([]CallStats, []error)
}

// Connector signs in to one tenant (gets and checks its first token). An
// error here is an auth failure of that tenant: it is reported with the
// Connector's message and the other tenants go on.
type Connector interface {
	Connect(ctx context.Context, t *playbook.Tenant) (Session, error)
}
