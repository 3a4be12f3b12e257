package directory

import (
	"fmt"
	"strings"
)

// Outer messages of the error envelope.
const (
	msgExec    = "Error executing cmdlet"
	msgInvalid = "Invalid Operation"
)

// Exception types the service names in details[0].message.
const (
	excNotFound      = "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException"
	excAmbiguous     = "Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException"
	excBinding       = "System.Management.Automation.ParameterBindingException"
	excValidation    = "Microsoft.Exchange.Management.Tasks.ValidationException"
	excMemberExists  = "Microsoft.Exchange.Management.Tasks.MemberAlreadyExistsException"
	excMemberMissing = "Microsoft.Exchange.Management.Tasks.MemberNotFoundException"
	excForbidden     = "Microsoft.Exchange.Admin.OData.Core.ODataServiceException"
)

// errNotFound is the 404 of an identity that matches nothing.
// behaviour dir.error.not-found (internal/emulator/BEHAVIOURS.md)
func (t *Tenant) errNotFound(id string) *Error {
	return &Error{
		Status: 404, Code: "NotFound", Message: msgExec,
		ErrorID: "Ex6F9304", ExceptionType: excNotFound,
		Detail: fmt.Sprintf("The operation couldn't be performed because object '%s' couldn't be found on '%s'.", id, t.dc),
		Target: id,
	}
}

// errAmbiguous is the error of an identity that matches several objects.
// behaviour dir.error.ambiguous (internal/emulator/BEHAVIOURS.md)
func errAmbiguous(id string) *Error {
	return &Error{
		Status: 400, Code: "BadRequest", Message: msgExec,
		ErrorID: "Ex9E65A2", ExceptionType: excAmbiguous,
		Detail: fmt.Sprintf("The operation couldn't be performed because '%s' matches multiple entries.", id),
		Target: id,
	}
}

// errBadRequest is a 400 "Invalid Operation" with the given exception type.
func errBadRequest(exc, format string, args ...any) *Error {
	return &Error{Status: 400, Code: "BadRequest", Message: msgInvalid, ExceptionType: exc, Detail: fmt.Sprintf(format, args...)}
}

// errExec is a 400 raised while the cmdlet ran (not while binding).
func errExec(exc, target, format string, args ...any) *Error {
	return &Error{Status: 400, Code: "BadRequest", Message: msgExec, ExceptionType: exc, Detail: fmt.Sprintf(format, args...), Target: target}
}

// behaviour dir.param.binding (internal/emulator/BEHAVIOURS.md)
func errUnknownParam(name string) *Error {
	return errBadRequest(excBinding, "A parameter cannot be found that matches parameter name '%s'.", name)
}

func errMissing(names []string) *Error {
	return errBadRequest(excBinding, "Cannot process command because of one or more missing mandatory parameters: %s.", strings.Join(names, " "))
}

// errConvert is the binding error of a value that does not convert to the
// parameter's type.
func errConvert(param string, value any, typ, why string) *Error {
	msg := fmt.Sprintf("Cannot process argument transformation on parameter '%s'. Cannot convert value \"%v\" to type \"%s\".", param, value, typ)
	if why != "" {
		msg += " Error: \"" + why + "\""
	}
	return errBadRequest(excBinding, "%s", msg)
}

// behaviour dir.param.enum (internal/emulator/BEHAVIOURS.md)
func errEnum(param string, value any, e *enumType) *Error {
	return errBadRequest(excBinding,
		"Cannot process argument transformation on parameter '%s'. Cannot convert value \"%v\" to type \"%s\". Error: \"Unable to match the identifier name %v to a valid enumerator name. Specify one of the following enumerator names and try again:\r\n%s\"",
		param, value, e.typ, value, strings.Join(e.names, ", "))
}

// errHashtable is the binding failure of a JSON object sent without the
// #Exchange.GenericHashTable tag: the server sees a JObject.
// behaviour dir.param.hashtable (internal/emulator/BEHAVIOURS.md)
func errHashtable(param, typ string) *Error {
	return errBadRequest(excBinding,
		"Cannot process argument transformation on parameter '%s'. Cannot convert the \"Newtonsoft.Json.Linq.JObject\" value of type \"Newtonsoft.Json.Linq.JObject\" to type \"%s\".",
		param, typ)
}

// behaviour dir.cmdlet.unknown (internal/emulator/BEHAVIOURS.md)
func errForbidden(cmdlet string) *Error {
	return &Error{Status: 403, Code: "Forbidden", Message: fmt.Sprintf("The term '%s' is not recognized as a cmdlet available on this endpoint.", cmdlet), ExceptionType: excForbidden,
		Detail: fmt.Sprintf("The term '%s' is not recognized as the name of a cmdlet, function, script file, or operable program.", cmdlet)}
}

// errParameterSet is PowerShell's answer to parameters of different sets.
func errParameterSet() *Error {
	return errBadRequest(excBinding, "Parameter set cannot be resolved using the specified named parameters. One or more parameters issued cannot be used together or an insufficient number of parameters were provided.")
}
