package transport

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/exoplay/exoplay/internal/category"
)

const maxMessage = 2000

// transientMarkers are the Exchange exception names that mean "try again"
// (protocol notes §5.2, M365Permissions V2).
var transientMarkers = []string{
	"adtransientexception", "transientexception", "serverbusyexception",
	"cmdletproxynotavailablefailure", "backendcommunicationexception",
}

const (
	concurrencyText = "maximum number of concurrent requests"
	paginationText  = "expired or invalid pagination request"
)

// genericMessages carry no information of their own; a detail is preferred.
var genericMessages = map[string]bool{
	"error executing cmdlet": true, "invalid operation": true, "": true,
}

type errEnvelope struct {
	Error            json.RawMessage `json:"error"`
	ErrorDescription string          `json:"error_description"`
}

type errBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details []struct {
		Target  string `json:"target"`
		Message string `json:"message"`
	} `json:"details"`
	InnerError *struct {
		Message           string `json:"message"`
		Type              string `json:"type"`
		InternalException *struct {
			Message string `json:"message"`
			Type    string `json:"type"`
		} `json:"internalexception"`
	} `json:"innererror"`
}

// decodeError turns any non-success answer into an *Error. body is what
// could be read of the response body (possibly nothing, NUL bytes, HTML,
// truncated JSON); it never panics and never returns the raw blob.
func decodeError(status int, h http.Header, body []byte, cmdlet string) *Error {
	e := &Error{Status: status, Cmdlet: cmdlet, sent: true}
	e.ExceptionType = headerValue(h, "X-ExceptionType")
	trimmed := bytes.TrimSpace(body)
	var text string
	switch {
	case len(trimmed) == 0 || unreadable(trimmed):
		text = emptyBodyMessage(status, cmdlet, h)
	case trimmed[0] == '{':
		text = e.fromJSON(trimmed, status)
	case trimmed[0] == '<' || strings.Contains(strings.ToLower(headerValue(h, "Content-Type")), "html"):
		text = htmlMessage(trimmed, status)
	default:
		text = plainMessage(trimmed)
	}
	e.Message = clip(redact(text))
	e.Category = categorize(status, e.Code, e.ExceptionType, e.Message)
	if e.Category != category.Throttled && bytes.Contains(bytes.ToLower(trimmed), []byte(concurrencyText)) {
		// The refusal inside a page whose text was not kept (HTML), at
		// whatever status: the cmdlet did not run (§10.10).
		e.Category = category.Throttled
		e.Message = clip(e.Message + " (You have reached the " + concurrencyText + " per tenant)")
	}
	if status == http.StatusUnauthorized {
		e.claims = challengeClaims(headerValue(h, "WWW-Authenticate"))
	}
	if e.Category == category.Permission && status == http.StatusForbidden {
		if d := headerValue(h, "X-Ms-Diagnostics"); d != "" {
			e.Message = clip(e.Message + " (x-ms-diagnostics: " + redact(d) + ")")
		}
	}
	return e
}

func headerValue(h http.Header, k string) string {
	if h == nil {
		return ""
	}
	return strings.TrimSpace(h.Get(k))
}

// fromJSON reads the §5.1 envelope (and the OAuth {"error":"x"} form); it
// falls back to a readable note when the JSON is cut short.
func (e *Error) fromJSON(b []byte, status int) string {
	var env errEnvelope
	if err := json.Unmarshal(b, &env); err != nil {
		if bytes.Contains(b, []byte(concurrencyText)) {
			return "You have reached the " + concurrencyText + " per tenant"
		}
		return fmt.Sprintf("HTTP %d %s with an unreadable JSON body (%d bytes, cut short or malformed)",
			status, http.StatusText(status), len(b))
	}
	raw := bytes.TrimSpace(env.Error)
	if len(raw) > 0 && raw[0] == '"' {
		var code string
		_ = json.Unmarshal(raw, &code)
		if e.Code == "" {
			e.Code = code
		}
		if env.ErrorDescription != "" {
			return env.ErrorDescription
		}
		return code
	}
	var eb errBody
	if len(raw) == 0 || json.Unmarshal(raw, &eb) != nil {
		return fmt.Sprintf("HTTP %d %s with a JSON body that is not an error envelope", status, http.StatusText(status))
	}
	var detailText, detailType, detailID string
	for _, d := range eb.Details {
		if d.Message == "" {
			continue
		}
		detailID, detailType, detailText = splitDetail(d.Message)
		break
	}
	if detailID != "" {
		e.Code = detailID
	} else if e.Code == "" {
		e.Code = eb.Code
	}
	var internalMsg, internalType, innerMsg, innerType string
	if ie := eb.InnerError; ie != nil {
		innerMsg, innerType = ie.Message, ie.Type
		if ix := ie.InternalException; ix != nil {
			internalMsg, internalType = ix.Message, ix.Type
		}
	}
	switch {
	case detailType != "":
		e.ExceptionType = detailType
	case e.ExceptionType != "":
	case internalType != "":
		e.ExceptionType = internalType
	case innerType != "" && !strings.HasSuffix(innerType, "ODataServiceException"):
		e.ExceptionType = innerType
	}
	// CIPP's field order: details, then the internal exception, then the
	// outer message, skipping the generic "Error executing cmdlet".
	for _, m := range []string{detailText, internalMsg, eb.Message, innerMsg} {
		if !genericMessages[strings.ToLower(strings.TrimSpace(m))] {
			return strings.TrimSpace(m)
		}
	}
	if eb.Message != "" {
		return eb.Message
	}
	return fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
}

// splitDetail reads the three shapes of details[].message (§10.7):
// "<ErrorId>|<ExceptionType>|<text>", the JSON string
// {"Message","TypeName",...} (go-exoscc's real 400 bodies) and the JSON
// string {"localizedString":{"stringId"},"ClassName","Message"} (the
// module's GetExceptionObject). A message of another shape is all text.
func splitDetail(m string) (id, typ, text string) {
	if t := strings.TrimSpace(m); strings.HasPrefix(t, "{") {
		if id, typ, text, ok := jsonDetail(t); ok {
			return id, typ, text
		}
	}
	parts := strings.SplitN(m, "|", 3)
	if len(parts) == 3 && (parts[0] == "" || isErrorID(parts[0])) && !strings.ContainsAny(parts[1], " \t") {
		return parts[0], parts[1], strings.TrimSpace(parts[2])
	}
	return "", "", strings.TrimSpace(m)
}

var errorIDRE = regexp.MustCompile(`^[A-Za-z]{1,4}[0-9A-Fa-f]{4,10}$`)

func isErrorID(s string) bool { return errorIDRE.MatchString(s) }

// unreadable reports bodies that are not text: the NUL-byte "gzip" 403, or
// binary garbage.
func unreadable(b []byte) bool {
	if !utf8.Valid(b) {
		return true
	}
	ctl := 0
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			ctl++
		}
	}
	return ctl*4 > len(b)
}

func emptyBodyMessage(status int, cmdlet string, h http.Header) string {
	switch status {
	case http.StatusForbidden:
		name := cmdlet
		if name == "" {
			name = "the call"
		}
		return fmt.Sprintf("the service refused %s without giving a reason: the cmdlet does not exist on this service, "+
			"or the signed-in app or user is not allowed to run it (check the cmdlet name and the Exchange role assignment)", name)
	case http.StatusUnauthorized:
		msg := "the service did not accept the access token"
		if w := headerValue(h, "WWW-Authenticate"); w != "" {
			msg += " (" + w + ")"
		}
		return msg
	case http.StatusOK:
		return "the service answered 200 with an empty or unreadable body"
	}
	if t := http.StatusText(status); t != "" {
		return fmt.Sprintf("HTTP %d %s with an empty or unreadable body", status, t)
	}
	return fmt.Sprintf("HTTP %d with an empty or unreadable body", status)
}

var (
	titleRE = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	h1RE    = regexp.MustCompile(`(?is)<h[12][^>]*>(.*?)</h[12]>`)
	tagRE   = regexp.MustCompile(`(?s)<[^>]*>`)
	wsRE    = regexp.MustCompile(`\s+`)
)

// htmlMessage keeps the title (or first heading) of an HTML error page.
func htmlMessage(b []byte, status int) string {
	var parts []string
	for _, re := range []*regexp.Regexp{titleRE, h1RE} {
		if m := re.FindSubmatch(b); m != nil {
			t := cleanHTML(m[1])
			if t != "" && (len(parts) == 0 || parts[0] != t) {
				parts = append(parts, t)
			}
		}
	}
	page := "an HTML error page"
	if len(parts) > 0 {
		page += ": " + strings.Join(parts, " — ")
	}
	return fmt.Sprintf("HTTP %d %s answered with %s", status, http.StatusText(status), page)
}

func cleanHTML(b []byte) string {
	s := tagRE.ReplaceAllString(string(b), " ")
	s = html.UnescapeString(s)
	return strings.TrimSpace(wsRE.ReplaceAllString(s, " "))
}

func plainMessage(b []byte) string {
	return strings.TrimSpace(wsRE.ReplaceAllString(string(b), " "))
}

func clip(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	cut := maxMessage
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// categorize decides the category from the status and what the body said.
func categorize(status int, code, exType, text string) string {
	lt := strings.ToLower(text + " " + exType + " " + code)
	switch {
	case status == http.StatusTooManyRequests || strings.Contains(lt, concurrencyText):
		return category.Throttled
	case hasTransientMarker(lt) || strings.Contains(lt, paginationText):
		return category.Transient
	case strings.Contains(lt, "is not allowed to call") || strings.Contains(lt, "accessdenied"):
		return category.Permission
	case status == http.StatusUnauthorized:
		return category.Auth
	case status == http.StatusForbidden:
		return category.Permission
	case status == http.StatusNotFound || strings.Contains(lt, "managementobjectnotfoundexception"):
		return category.NotFound
	case status == http.StatusRequestTimeout || status == http.StatusGatewayTimeout:
		return category.Timeout
	case status >= 500:
		return category.Transient
	case status >= 400:
		return category.Validation
	case status == http.StatusOK:
		return category.Transient // a 200 we could not read
	}
	return category.Unknown
}

func hasTransientMarker(lt string) bool {
	return slices.ContainsFunc(transientMarkers, func(m string) bool { return strings.Contains(lt, m) })
}

// detailJSON is either JSON shape of a detail message.
type detailJSON struct {
	Message         *string `json:"Message"`
	TypeName        string  `json:"TypeName"`
	ClassName       string  `json:"ClassName"`
	LocalizedString *struct {
		StringID string `json:"stringId"`
	} `json:"localizedString"`
}

// jsonDetail reads a detail message in one of its JSON shapes; ok is
// false for any other JSON (which stays text).
func jsonDetail(m string) (id, typ, text string, ok bool) {
	var d detailJSON
	if json.Unmarshal([]byte(m), &d) != nil || d.Message == nil {
		return "", "", "", false
	}
	typ = d.TypeName
	if typ == "" {
		typ = d.ClassName
	}
	if typ == "" && d.LocalizedString == nil {
		return "", "", "", false
	}
	if d.LocalizedString != nil && isErrorID(d.LocalizedString.StringID) {
		id = d.LocalizedString.StringID
	}
	if strings.ContainsAny(typ, " \t") {
		typ = ""
	}
	return id, typ, strings.TrimSpace(*d.Message), true
}

// challengeClaims reads the claims parameter of a Bearer challenge
// (error="insufficient_claims", claims="<base64 JSON>"), decoded to the
// JSON a token request carries; "" when there is none or it is not JSON.
func challengeClaims(www string) string {
	i := strings.Index(strings.ToLower(www), "claims=\"")
	if i < 0 {
		return ""
	}
	v := www[i+len(`claims="`):]
	end := strings.IndexByte(v, '"')
	if end < 0 {
		return ""
	}
	v = strings.TrimSpace(v[:end])
	if strings.HasPrefix(v, "{") {
		if json.Valid([]byte(v)) {
			return v
		}
		return ""
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(v); err == nil && json.Valid(b) {
			return string(b)
		}
	}
	return ""
}
