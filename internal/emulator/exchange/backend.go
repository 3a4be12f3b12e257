package exchange

import (
	"context"
	"fmt"
	"time"
)

// Service says which front end a handler plays; its value is its name.
type Service string

const (
	// Exchange is outlook.office365.com.
	Exchange Service = "exchange"
	// Compliance is the Security & Compliance (IPPS) regional host.
	Compliance Service = "compliance"
)

// Backend runs cmdlets against tenants' objects.
type Backend interface {
	// Resolve maps the tenant segment of a URL (GUID or domain, any case)
	// to the tenant's GUID and initial domain.
	Resolve(key string) (id, domain string, ok bool)
	// Known reports whether svc serves the cmdlet (case-insensitive).
	Known(svc Service, cmdlet string) bool
	// Invoke runs one cmdlet. A *CmdletError is answered with the service's
	// error envelope; any other error is a 500.
	Invoke(ctx context.Context, tenantID string, svc Service, cmdlet string, params map[string]any) (*Result, error)
}

// CmdletLister is optionally implemented by a Backend to feed EXOModuleFile
// and to give counters canonical cmdlet names.
type CmdletLister interface {
	Cmdlets(svc Service) []string
}

// Result is a cmdlet's output. Objects are built on demand so that paging
// over a large tenant never materialises the whole list.
type Result struct {
	Len      int
	Object   func(i int) Object
	Warnings []string
	Write    *Write // non-nil only when state changed
}

// Object is one output object, properties in the order the service emits them.
type Object []Prop

// Prop is one property with its OData annotations ("" = none).
type Prop struct {
	Name      string
	Value     any
	ODataType string // "#Collection(String)", "#Guid", ...
	DataType  string // "System.Guid", "System.DateTime", ...
}

// Write is a state change a cmdlet applied.
type Write struct {
	Cmdlet string
	Params map[string]any
}

// CmdletError is an error the service reports in its JSON error envelope.
type CmdletError struct {
	Status        int    // HTTP status, e.g. 404
	Code          string // NotFound, BadRequest, ...
	Message       string // outer message: "Error executing cmdlet" | "Invalid Operation"
	ErrorID       string // Ex6F9304, or ""
	ExceptionType string // Microsoft.Exchange....ManagementObjectNotFoundException
	Detail        string // the human text
	Target        string // identity the error is about, or ""
}

func (e *CmdletError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Detail)
}

// Claims are what the front end needs from a verified access token.
type Claims struct {
	TenantID, Audience, AppID, UPN string
	Roles, Scopes                  []string
	Acrs                           []string // authentication contexts the token carries
	IssuedAt, ExpiresAt            time.Time
}

// Verifier checks a token's signature (and exp/nbf) and returns its claims.
// Audience and tenant policy are applied by this package.
type Verifier interface {
	Verify(token string) (*Claims, error)
}

// VerifierFunc adapts a function to Verifier.
type VerifierFunc func(token string) (*Claims, error)

// Verify calls f.
func (f VerifierFunc) Verify(token string) (*Claims, error) { return f(token) }
