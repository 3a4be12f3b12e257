package transport

import (
	"net/http"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/internal/category"
)

// Bodies as recorded in the protocol notes (§5.1, §5.2).
const (
	notFoundBody = `{"error":{"code":"NotFound","message":"Error executing cmdlet","details":[{"code":"Client","target":"nobody@contoso.com",` +
		`"message":"Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'nobody@contoso.com' couldn't be found on 'AM6PR01A001DC01.EURPR01A001.prod.outlook.com'."}],` +
		`"innererror":{"message":"Error executing cmdlet","type":"Microsoft.Exchange.Admin.OData.Core.ODataServiceException","stacktrace":"   at ...",` +
		`"internalexception":{"message":"The operation couldn't be performed because object 'nobody@contoso.com' couldn't be found.","type":"Microsoft.Exchange.Management.PSDirectInvoke.DirectInvokeCmdletExecutionException","stacktrace":"..."}}},` +
		`"adminapi.warnings@odata.type":"#Collection(String)","@adminapi.warnings":[]}`
	badParamBody = `{"error":{"code":"BadRequest","message":"Invalid Operation","details":[{"code":"Client","target":"",` +
		`"message":"|Microsoft.Exchange.Management.Tasks.ValidationException|Cannot process argument transformation on parameter 'RecipientTypeDetails'. Valid values are: UserMailbox, SharedMailbox."}],` +
		`"innererror":{"message":"Invalid Operation","type":"Microsoft.Exchange.Admin.OData.Core.ODataServiceException"}}}`
	internalOnlyBody = `{"error":{"code":"BadRequest","message":"Invalid Operation","innererror":{"message":"Invalid Operation","type":"Microsoft.Exchange.Admin.OData.Core.ODataServiceException",` +
		`"internalexception":{"message":"A parameter cannot be found that matches parameter name 'Bogus'.","type":"System.Management.Automation.ParameterBindingException"}}}}`
	ambiguousBody    = `{"error":{"code":"BadRequest","message":"Error executing cmdlet","details":[{"code":"Client","message":"Ex9E65A2|Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException|The operation couldn't be performed because 'john' matches multiple entries."}]}}`
	adTransientBody  = `{"error":{"code":"InternalServerError","message":"Error executing cmdlet","innererror":{"message":"Active Directory operation failed on DC01. This error is not retriable.","type":"Microsoft.Exchange.Data.Directory.ADTransientException"}}}`
	proxyBody        = `{"error":{"code":"BadRequest","message":"Error executing cmdlet","details":[{"code":"Client","message":"|Microsoft.Exchange.Configuration.CmdletProxyException|Failed to proxy the cmdlet: CmdletProxyNotAvailableFailure."}]}}`
	ippsForbidden    = `{"error":{"code":"Forbidden","message":"The term 'Get-Nope' is not recognized as a cmdlet on this endpoint."}}`
	rbacBody         = `{"error":{"code":"Unauthorized","message":"User is not allowed to call Get-RecipientPermission."}}`
	pagingBody       = `{"error":{"code":"BadRequest","message":"Expired or Invalid pagination request. Default Expiry time is 00:30:00"}}`
	concurrencyText1 = "You have reached the maximum number of concurrent requests per tenant. Please wait and try again"
	oauthBody        = `{"error":"invalid_token","error_description":"The access token is expired. Token eyJhbGciOiJSUzI1NiJ9.eyJ0aWQiOiJ4In0.c2lnbmF0dXJl was rejected"}`
	htmlBody         = "<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1><p>The service is busy.</p></body></html>"
)

func TestDecodeErrorShapes(t *testing.T) {
	html := http.Header{"Content-Type": {"text/html"}}
	cases := []struct {
		name           string
		status         int
		h              http.Header
		body           string
		cat            string
		code, typ, msg string
		notInMessage   string
	}{
		{"not found envelope", 404, nil, notFoundBody, category.NotFound, "Ex6F9304", "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
			"object 'nobody@contoso.com' couldn't be found on", "Error executing cmdlet"},
		{"not found as 400", 400, nil, notFoundBody, category.NotFound, "Ex6F9304", "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException", "couldn't be found", ""},
		{"bad parameter, empty error id", 400, nil, badParamBody, category.Validation, "BadRequest", "Microsoft.Exchange.Management.Tasks.ValidationException",
			"Valid values are: UserMailbox", "Invalid Operation"},
		{"internal exception only", 400, nil, internalOnlyBody, category.Validation, "BadRequest", "System.Management.Automation.ParameterBindingException",
			"cannot be found that matches parameter name 'Bogus'", ""},
		{"ambiguous", 400, nil, ambiguousBody, category.Validation, "Ex9E65A2", "Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException", "matches multiple entries", ""},
		{"AD transient 500", 500, nil, adTransientBody, category.Transient, "InternalServerError", "Microsoft.Exchange.Data.Directory.ADTransientException", "Active Directory operation failed", ""},
		{"transient wrapped in 400", 400, nil, proxyBody, category.Transient, "BadRequest", "Microsoft.Exchange.Configuration.CmdletProxyException", "CmdletProxyNotAvailableFailure", ""},
		{"NUL-byte 403", 403, http.Header{"Content-Encoding": {"gzip"}}, "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", category.Permission, "", "", "refused Get-Thing without giving a reason", ""},
		{"NUL 403 with diagnostics", 403, http.Header{"X-Ms-Diagnostics": {"2000008;reason=\"role missing\""}}, "\x00\x00", category.Permission, "", "", "role missing", ""},
		{"IPPS JSON 403", 403, nil, ippsForbidden, category.Permission, "Forbidden", "", "Get-Nope' is not recognized", ""},
		{"RBAC as 401", 401, nil, rbacBody, category.Permission, "Unauthorized", "", "not allowed to call Get-RecipientPermission", ""},
		{"bare 401", 401, http.Header{"Www-Authenticate": {`Bearer error="invalid_token"`}}, "", category.Auth, "", "", "did not accept the access token", ""},
		{"oauth error, token redacted", 401, nil, oauthBody, category.Auth, "invalid_token", "", "access token is expired", "eyJhbGci"},
		{"expired next link", 400, nil, pagingBody, category.Transient, "BadRequest", "", "Expired or Invalid pagination request", ""},
		{"429 empty", 429, http.Header{"Retry-After": {"1.5"}}, "", category.Throttled, "", "", "429", ""},
		{"concurrency text", 400, http.Header{"Content-Type": {"text/plain"}}, concurrencyText1, category.Throttled, "", "", "maximum number of concurrent requests", ""},
		{"concurrency text in 503 envelope", 503, nil, `{"error":{"code":"ServiceUnavailable","message":"` + concurrencyText1 + `"}}`, category.Throttled, "ServiceUnavailable", "", "Please wait", ""},
		{"HTML 503", 503, html, htmlBody, category.Transient, "", "", "HTML error page: 503 Service Unavailable — Service Unavailable", "<p>"},
		{"HTML without content type", 502, nil, "<html><body>Bad gateway</body></html>", category.Transient, "", "", "HTML error page", "<body>"},
		{"empty 502", 502, nil, "", category.Transient, "", "", "502 Bad Gateway with an empty", ""},
		{"truncated JSON 500", 500, nil, notFoundBody[:120], category.Transient, "", "", "unreadable JSON body", "AM6PR01"},
		{"504", 504, nil, "", category.Timeout, "", "", "Gateway Timeout", ""},
		{"x-ExceptionType header", 500, http.Header{"X-Exceptiontype": {"Microsoft.Exchange.Data.Storage.ServerBusyException"}}, "", category.Transient, "", "Microsoft.Exchange.Data.Storage.ServerBusyException", "", ""},
		{"JSON that is no envelope", 400, nil, `{"foo":1}`, category.Validation, "", "", "not an error envelope", ""},
		{"teapot", 418, nil, "short and stout", category.Validation, "", "", "short and stout", ""},
		{"3xx oddity", 304, nil, "", category.Unknown, "", "", "304", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := decodeError(c.status, c.h, []byte(c.body), "Get-Thing")
			if e.Category != c.cat {
				t.Errorf("category %q, want %q (%v)", e.Category, c.cat, e)
			}
			if e.Code != c.code {
				t.Errorf("code %q, want %q", e.Code, c.code)
			}
			if e.ExceptionType != c.typ {
				t.Errorf("type %q, want %q", e.ExceptionType, c.typ)
			}
			if e.Status != c.status || e.Cmdlet != "Get-Thing" {
				t.Errorf("status/cmdlet %d %q", e.Status, e.Cmdlet)
			}
			if !strings.Contains(e.Message, c.msg) && !strings.Contains(e.Error(), c.msg) {
				t.Errorf("message %q lacks %q", e.Message, c.msg)
			}
			if c.notInMessage != "" && strings.Contains(e.Error(), c.notInMessage) {
				t.Errorf("message %q should not contain %q", e.Error(), c.notInMessage)
			}
			if strings.ContainsRune(e.Error(), 0) {
				t.Errorf("raw NUL bytes in %q", e.Error())
			}
			if e.ErrorCategory() != c.cat || e.ErrorCode() != c.code {
				t.Errorf("interface methods disagree")
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	e := decodeError(404, nil, []byte(notFoundBody), "Get-Mailbox")
	want := "Get-Mailbox: not_found (HTTP 404, Ex6F9304, ManagementObjectNotFoundException): The operation couldn't be performed because object 'nobody@contoso.com' couldn't be found on 'AM6PR01A001DC01.EURPR01A001.prod.outlook.com'."
	if e.Error() != want {
		t.Errorf("got  %s\nwant %s", e.Error(), want)
	}
}

func TestRedact(t *testing.T) {
	in := `Authorization: Bearer abc.def-ghi and token eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxIn0.sig_-x end`
	out := redact(in)
	for _, leak := range []string{"abc.def-ghi", "eyJ0eXAi", "sig_-x"} {
		if strings.Contains(out, leak) {
			t.Errorf("%q leaks %q", out, leak)
		}
	}
	if !strings.Contains(out, "end") || !strings.Contains(out, "Bearer [REDACTED]") {
		t.Errorf("over-redacted: %q", out)
	}
}

func TestLongMessagesAreClipped(t *testing.T) {
	long := strings.Repeat("é", 3000)
	e := decodeError(400, nil, []byte(`{"error":{"code":"BadRequest","message":"`+long+`"}}`), "Set-X")
	if len(e.Message) > maxMessage+4 || !strings.HasSuffix(e.Message, "…") {
		t.Errorf("not clipped: %d bytes", len(e.Message))
	}
}
