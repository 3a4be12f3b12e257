package exchange

import (
	"fmt"
	"net"
	"net/http"
	"strings"
)

// Strictness holds the knobs of the behaviours a client can get wrong. The
// zero value is strict: the service as the public evidence shows it
// (BEHAVIOURS.md, one row per behaviour id named below). Each field either
// relaxes one behaviour, for a client or a test that needs the old
// leniency, or picks one of the forms the service is known to answer in.
type Strictness struct {
	// BatchItemAuthOptional accepts $batch items that carry no
	// Authorization header of their own (exo.batch.item-auth).
	BatchItemAuthOptional bool `json:"batch_item_auth_optional,omitempty" yaml:"batch_item_auth_optional,omitempty"`
	// BatchJSONForAnyAccept answers a $batch with JSON whenever Accept names
	// JSON, not only for application/json;odata.metadata=minimal
	// (exo.batch.multipart).
	BatchJSONForAnyAccept bool `json:"batch_json_for_any_accept,omitempty" yaml:"batch_json_for_any_accept,omitempty"`
	// NextLinkPort446 writes @odata.nextLink with the backend port 446, as
	// go-exoscc saw (exo.nextlink.port446). Requests that then arrive for
	// port 446 are refused either way (exo.port446.closed).
	NextLinkPort446 bool `json:"next_link_port_446,omitempty" yaml:"next_link_port_446,omitempty"`
	// DoorToRegional makes the compliance front door redirect straight to
	// the regional REST host instead of the admin.protection backend
	// (exo.ipps.door-backend).
	DoorToRegional bool `json:"door_to_regional,omitempty" yaml:"door_to_regional,omitempty"`
	// GzipAnswers compresses answers for a client whose Accept-Encoding
	// names gzip (exo.answer.gzip: the module, CIPP and go-exoscc ask for
	// it and decompress; that the service compresses is an assumption, so
	// it is off by default).
	GzipAnswers bool `json:"gzip_answers,omitempty" yaml:"gzip_answers,omitempty"`
	// Port446Open serves requests addressed to port 446 instead of closing
	// the connection (exo.port446.closed).
	Port446Open bool `json:"port_446_open,omitempty" yaml:"port_446_open,omitempty"`
	// ComplianceAnyAnchor accepts any X-AnchorMailbox on Security &
	// Compliance calls instead of requiring a UPN: anchor of the tenant
	// (exo.ipps.anchor).
	ComplianceAnyAnchor bool `json:"compliance_any_anchor,omitempty" yaml:"compliance_any_anchor,omitempty"`
	// ErrorDetail is the form of a cmdlet error's details[].message
	// (exo.error.detail-form): ErrorDetailByStatus (""), ErrorDetailPipe,
	// ErrorDetailJSON or ErrorDetailLocalized.
	ErrorDetail string `json:"error_detail,omitempty" yaml:"error_detail,omitempty"`
	// ConcurrencyBody is the form of the per-tenant concurrency refusal
	// (exo.throttle.concurrency-text): ConcurrencyJSON ("") or
	// ConcurrencyText; ConcurrencyStatus its status (0 = 429).
	ConcurrencyBody   string `json:"concurrency_body,omitempty" yaml:"concurrency_body,omitempty"`
	ConcurrencyStatus int    `json:"concurrency_status,omitempty" yaml:"concurrency_status,omitempty"`
}

// Forms of Strictness.ErrorDetail.
const (
	// ErrorDetailByStatus: "Ex..|Type|text" for 404 (the 2023 and 2026
	// captures) and for "Invalid Operation" binding errors (graph2otel's
	// live 400s), the JSON {"Message","TypeName",...} form with code
	// "Context" for other cmdlet errors (go-exoscc's real 400 bodies).
	ErrorDetailByStatus  = ""
	ErrorDetailPipe      = "pipe"
	ErrorDetailJSON      = "json"
	ErrorDetailLocalized = "localized"
)

// Forms of Strictness.ConcurrencyBody.
const (
	ConcurrencyJSON = ""
	ConcurrencyText = "text"
)

// Validate checks the named forms.
func (st Strictness) Validate() error {
	switch st.ErrorDetail {
	case ErrorDetailByStatus, ErrorDetailPipe, ErrorDetailJSON, ErrorDetailLocalized:
	default:
		return fmt.Errorf("error detail form %q: want pipe, json or localized (empty: by status)", st.ErrorDetail)
	}
	switch st.ConcurrencyBody {
	case ConcurrencyJSON, ConcurrencyText:
	default:
		return fmt.Errorf("concurrency body form %q: want text (empty: the JSON envelope)", st.ConcurrencyBody)
	}
	if st.ConcurrencyStatus != 0 && (st.ConcurrencyStatus < 200 || st.ConcurrencyStatus > 599) {
		return fmt.Errorf("concurrency status %d is not an HTTP status", st.ConcurrencyStatus)
	}
	return nil
}

// SetStrictness replaces the strictness knobs.
func (s *Server) SetStrictness(st Strictness) error {
	if err := st.Validate(); err != nil {
		return err
	}
	s.update(func(k *knobs) { k.strict = st })
	return nil
}

// backendPort is the port Exchange's backends answer on behind the front
// end; it shows in redirects and next links, but is not reachable from
// outside (exo-rest-protocol.md §10.2).
const backendPort = "446"

// port446 reports whether a request was addressed to the backend port.
func port446(host string) bool {
	_, p, err := net.SplitHostPort(host)
	return err == nil && p == backendPort
}

// withPort446 rewrites the port of an absolute URL's origin to 446.
func withPort446(link string) string {
	scheme, rest, ok := strings.Cut(link, "://")
	if !ok {
		return link
	}
	host, path, _ := strings.Cut(rest, "/")
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return scheme + "://" + net.JoinHostPort(host, backendPort) + "/" + path
}

// refuse446 closes the connection of a request addressed to the backend
// port, as the unreachable port does for a client outside the service
// (behaviour exo.port446.closed); it reports whether it did.
// behaviour exo.port446.closed (internal/emulator/BEHAVIOURS.md)
func refuse446(w http.ResponseWriter, r *http.Request, k *knobs) bool {
	if k.strict.Port446Open || !port446(r.Host) {
		return false
	}
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		conn.Close()
		return true
	}
	panic(http.ErrAbortHandler) // HTTP/2: abort the stream instead
}

// complianceAnchor returns why anchor cannot route a Security & Compliance
// call of tenant (id, domain), or "" (behaviour exo.ipps.anchor). Working
// clients anchor compliance calls on a UPN: of the tenant's initial domain:
// CIPP had to move off APP:SystemMailbox{…}@<GUID> (commit db2436b01),
// ScubaGear sends UPN:SystemMailbox{…}@<domain>, go-exoscc UPN:OAuthUser@<org>
// (§10.6). APP: anchors are refused on that evidence; a missing anchor or
// another prefix is refused too, an assumption (no public client sends
// one to compliance), as is the domain check.
// behaviour exo.ipps.anchor (internal/emulator/BEHAVIOURS.md)
func (s *Server) complianceAnchor(anchor, id, domain string) string {
	anchor = strings.TrimSpace(anchor)
	prefix, value, _ := strings.Cut(anchor, ":")
	if anchor == "" || !strings.EqualFold(prefix, "UPN") {
		return "a Security & Compliance call needs X-AnchorMailbox UPN:" + SystemMailbox + "@" + domain +
			" (or another UPN: of the tenant), not '" + anchor + "'"
	}
	at := strings.LastIndexByte(value, '@')
	if at <= 0 {
		return "X-AnchorMailbox '" + anchor + "' names no domain; a Security & Compliance call needs UPN:<name>@" + domain
	}
	org := value[at+1:]
	if strings.EqualFold(org, id) {
		return "X-AnchorMailbox '" + anchor + "' names the tenant by GUID; a Security & Compliance call needs its domain, UPN:<name>@" + domain
	}
	return ""
}
