package exchange

import (
	"net/http"
)

// behaviour exo.fault.throttle (internal/emulator/BEHAVIOURS.md)
// behaviour exo.fault.transient (internal/emulator/BEHAVIOURS.md)
// behaviour exo.fault.proxy (internal/emulator/BEHAVIOURS.md)
// behaviour exo.fault.connection (internal/emulator/BEHAVIOURS.md)
// behaviour exo.fault.spoiled (internal/emulator/BEHAVIOURS.md)
// behaviour exo.fault.slow (internal/emulator/BEHAVIOURS.md)
// behaviour exo.fault.expired (internal/emulator/BEHAVIOURS.md)
func (s *Server) faultReply(ts *tenantState, k *knobs, rule *FaultRule) *reply {
	switch rule.Kind {
	case FaultClaims:
		return s.claimsChallenge(ts)
	case FaultConcurrency:
		return s.concurrencyRefusal(ts, k, retryAfterValue(k.retryAfter))
	case Fault429, Fault429Fractional, Fault429Bare:
		ra := rule.RetryAfter
		switch {
		case rule.Kind == Fault429Bare:
			ra = ""
		case ra == "" && rule.Kind == Fault429Fractional:
			ra = "0.5"
		case ra == "":
			ra = "1"
		}
		return s.throttle(ts, ra, stormText)
	case Fault500:
		return cmdletErrorReply(&CmdletError{Status: 500, Code: "InternalServerError", Message: "Error executing cmdlet",
			ExceptionType: "Microsoft.Exchange.Data.Directory.ADTransientException",
			Detail:        "Active Directory operation failed on a domain controller. This error is not retriable in this call; please try again later."})
	case FaultProxy:
		return cmdletErrorReply(&CmdletError{Status: 400, Code: "BadRequest", Message: "Error executing cmdlet",
			ExceptionType: "Microsoft.Exchange.Configuration.CmdletProxyException",
			Detail:        "CmdletProxyNotAvailableFailure: The cmdlet proxy is not available for the moment. Please retry the operation."})
	case FaultBusy:
		return cmdletErrorReply(&CmdletError{Status: 400, Code: "BadRequest", Message: "Error executing cmdlet",
			ExceptionType: "Microsoft.Exchange.Data.Storage.ServerBusyException",
			Detail:        "ServerBusyException: The server is busy. Please try again later."})
	case FaultExpired:
		return expiredReply()
	case FaultReset:
		return &reply{fault: FaultReset}
	case FaultHTML:
		return &reply{fault: FaultHTML}
	}
	return &reply{status: 500, json: true, body: simpleError("InternalServerError", "unhandled fault "+string(rule.Kind))}
}

// methodNotAllowed is the 405 of a resource that takes only the allowed method.
func methodNotAllowed(allowed, resource string) *reply {
	return &reply{status: http.StatusMethodNotAllowed, json: true, hdr: []header{{"Allow", allowed}},
		body: simpleError("MethodNotAllowed", resource+" accepts "+allowed+" only.")}
}

// behaviour exo.cmdlet.unknown (internal/emulator/BEHAVIOURS.md)
func (e *endpoint) unknownCmdlet(cmdlet string) *reply {
	if e.svc == Compliance {
		return &reply{status: http.StatusForbidden, json: true,
			body: simpleError("Forbidden", "The term '"+cmdlet+"' is not recognized as a cmdlet available to this session on the Security & Compliance service.")}
	}
	// The service's 403 for an unknown cmdlet: NUL bytes labelled gzip (§5.2).
	return &reply{status: http.StatusForbidden, body: make([]byte, 32), hdr: []header{{"Content-Encoding", "gzip"}}}
}

func cmdletErrorReply(ce *CmdletError) *reply { return cmdletErrorReplyForm(ce, ErrorDetailPipe) }

// cmdletErrorReplyForm is a cmdlet's error with its detail in form.
func cmdletErrorReplyForm(ce *CmdletError, form string) *reply {
	if ce.Status == 0 {
		cp := *ce
		cp.Status = http.StatusBadRequest
		ce = &cp
	}
	return &reply{status: ce.Status, json: true, body: errorBodyForm(ce, form), hdr: []header{{"x-ExceptionType", ce.ExceptionType}}}
}

func badRequest(msg string) *reply {
	return &reply{status: http.StatusBadRequest, json: true, body: simpleError("BadRequest", msg)}
}

func expiredReply() *reply {
	return cmdletErrorReply(&CmdletError{Status: 400, Code: "BadRequest", Message: expiredText,
		ExceptionType: "Microsoft.Exchange.Admin.OData.Core.ODataServiceException", Detail: expiredText})
}
