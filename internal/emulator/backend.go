package emulator

import (
	"context"
	"errors"
	"unsafe"

	"github.com/exoplay/exoplay/internal/emulator/directory"
	"github.com/exoplay/exoplay/internal/emulator/entra"
	"github.com/exoplay/exoplay/internal/emulator/exchange"
)

// dirBackend lets the Exchange front end run cmdlets on the directory.
type dirBackend struct{ store *directory.Store }

var _ exchange.CmdletLister = dirBackend{}

func dirService(svc exchange.Service) directory.Service {
	if svc == exchange.Compliance {
		return directory.Compliance
	}
	return directory.Exchange
}

func (b dirBackend) Resolve(key string) (string, string, bool) {
	t, ok := b.store.Tenant(key)
	if !ok {
		return "", "", false
	}
	return t.ID(), t.Domain(), true
}

func (b dirBackend) Known(svc exchange.Service, cmdlet string) bool {
	return directory.Known(dirService(svc), cmdlet)
}

func (b dirBackend) Cmdlets(svc exchange.Service) []string { return directory.Cmdlets(dirService(svc)) }

func (b dirBackend) Invoke(ctx context.Context, tenantID string, svc exchange.Service, cmdlet string, params map[string]any) (*exchange.Result, error) {
	t, ok := b.store.Tenant(tenantID)
	if !ok {
		return nil, &exchange.CmdletError{Status: 404, Code: "NotFound", Message: "Error executing cmdlet",
			ExceptionType: "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
			Detail:        "The organization '" + tenantID + "' couldn't be found."}
	}
	r, err := t.Invoke(ctx, dirService(svc), cmdlet, params)
	if err != nil {
		var de *directory.Error
		if errors.As(err, &de) {
			return nil, &exchange.CmdletError{Status: de.Status, Code: de.Code, Message: de.Message, ErrorID: de.ErrorID,
				ExceptionType: de.ExceptionType, Detail: de.Detail, Target: de.Target}
		}
		return nil, err
	}
	out := &exchange.Result{Len: r.Len, Warnings: r.Warnings}
	if r.Write != nil {
		out.Write = &exchange.Write{Cmdlet: r.Write.Cmdlet, Params: r.Write.Params}
	}
	if r.Len > 0 {
		obj := r.Object
		out.Object = func(i int) exchange.Object { return asExchangeObject(obj(i)) }
	}
	return out, nil
}

// The two Prop types must stay identical (same field names and types, in
// order): this conversion only compiles while they are, which is what makes
// the zero-copy view below sound. Pages of 1000 objects are encoded per call,
// so copying every object would be a large share of a call's cost.
var _ = exchange.Prop(directory.Prop{})

func asExchangeObject(o directory.Object) exchange.Object {
	if len(o) == 0 {
		return nil
	}
	return unsafe.Slice((*exchange.Prop)(unsafe.Pointer(unsafe.SliceData(o))), len(o))
}

// verifier adapts the authority's token check to the front end's claims.
func verifier(a *entra.Authority) exchange.Verifier {
	return exchange.VerifierFunc(func(tok string) (*exchange.Claims, error) {
		c, err := a.Verify(tok)
		if err != nil {
			return nil, err
		}
		// App-only tokens carry neither upn nor scp, which is how the front end tells them apart.
		return &exchange.Claims{TenantID: c.TenantID, Audience: c.Audience, AppID: c.AppID, UPN: c.UPN,
			Roles: c.Roles, Scopes: c.Scopes, Acrs: c.Acrs, IssuedAt: c.IssuedAt, ExpiresAt: c.ExpiresAt}, nil
	})
}
