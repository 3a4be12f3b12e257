package exchange

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// MaxBatchItems is the most requests one $batch may carry.
const MaxBatchItems = 10

type batchRequest struct {
	Requests []batchItem `json:"requests"`
}

type batchItem struct {
	ID      string          `json:"id"`
	Method  string          `json:"method"`
	URL     string          `json:"url"`
	Headers itemHeaders     `json:"headers"`
	Body    json.RawMessage `json:"body"`
	// DependsOn and AtomicityGroup are OData JSON batch properties the
	// emulator reads only to refuse them (not emulated).
	DependsOn      json.RawMessage `json:"dependsOn"`
	AtomicityGroup json.RawMessage `json:"atomicityGroup"`
}

// itemProperties are the properties of a JSON batch request, upper-cased
// as OData's reader compares them (OData/odata.net
// ODataJsonBatchPayloadItemPropertiesCache: any other, or one named twice,
// fails the batch).
var itemProperties = map[string]bool{"ID": true, "ATOMICITYGROUP": true, "DEPENDSON": true, "METHOD": true, "URL": true, "HEADERS": true, "BODY": true}

// UnmarshalJSON reads a request of a $batch, refusing a property OData's
// reader does not know or one named twice (behaviour exo.batch.json).
func (it *batchItem) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("a request is not a JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		name := strings.ToUpper(t.(string))
		switch {
		case !itemProperties[name]:
			return fmt.Errorf("a request has the property %q, which a $batch request does not have", t)
		case seen[name]:
			return fmt.Errorf("a request names %q twice", t)
		}
		seen[name] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
	}
	type plain batchItem // without this method
	return json.Unmarshal(b, (*plain)(it))
}

// itemHeaders are an item's headers. A value is any JSON primitive: CIPP
// sends "parameter-based-routing": true, a JSON boolean, in production
// (behaviour exo.batch.header-values). OData's JSON batch reader
// (OData/odata.net ODataJsonBatchPayloadItemPropertiesCache) reads each
// value with ReadPrimitiveValue and refuses a header named twice, so an
// object or a list as a value, or a repeated name, fails the whole batch;
// numbers and booleans are read as their JSON text, null as "".
// behaviour exo.batch.header-values (internal/emulator/BEHAVIOURS.md)
type itemHeaders map[string]string

func (h *itemHeaders) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("headers is not a JSON object")
	}
	out := itemHeaders{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		k := t.(string) // an object's keys are strings
		if _, dup := out[k]; dup {
			return fmt.Errorf("header %q is named twice", k)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
		switch s := ""; {
		case v[0] == '{' || v[0] == '[':
			return fmt.Errorf("header %q has a value that is not a string, number, boolean or null", k)
		case json.Unmarshal(v, &s) == nil:
			out[k] = s
		case string(v) == "null":
			out[k] = ""
		default:
			out[k] = string(v) // true, false, a number
		}
	}
	*h = out
	return nil
}

// readBody replaces the item's body by the bytes it carries
// (BatchItemBody).
func (it *batchItem) readBody() error {
	ct := ""
	for k, v := range it.Headers {
		if strings.EqualFold(k, "Content-Type") {
			ct = v
		}
	}
	b, err := BatchItemBody(it.Body, ct)
	if err == nil {
		it.Body = b
	}
	return err
}

// BatchItemBody is the body a $batch request item carries, as OData's JSON
// batch reader takes it (OData/odata.net ODataJsonBatchBodyContentReaderStream):
// an object is the JSON body as written; a string is the quoted string
// itself under a text/* Content-Type (contentType, "" when the item has
// none) and otherwise base64url-encoded bytes, so a JSON body sent as a
// string of JSON text is not a body the service can read: the batch fails.
// Package replay reads recorded items with it.
// behaviour exo.batch.item-body (internal/emulator/BEHAVIOURS.md)
func BatchItemBody(body json.RawMessage, contentType string) ([]byte, error) {
	b := bytes.TrimSpace(body)
	if len(b) == 0 || b[0] != '"' || strings.HasPrefix(strings.ToLower(strings.TrimSpace(contentType)), "text/") {
		return body, nil // JSON, or textual: the body is the quoted string
	}
	var text string
	if err := json.Unmarshal(b, &text); err != nil {
		return nil, err
	}
	raw, err := base64.StdEncoding.DecodeString(strings.NewReplacer("-", "+", "_", "/").Replace(text))
	if err != nil {
		return nil, fmt.Errorf("its body is a string, which the service reads as base64url bytes, and it is not base64url (send a JSON body as an object)")
	}
	return raw, nil
}

// batch serves POST /adminapi/beta/{tenant}/$batch (OData JSON batch). The
// batch takes one slot of the tenant's concurrency cap; its items run in
// order, each with its own latency, faults and counters, and each item's
// failure is reported in its own response without failing the batch.
// behaviour exo.batch.json (internal/emulator/BEHAVIOURS.md)
// behaviour exo.batch.max10 (internal/emulator/BEHAVIOURS.md)
// behaviour exo.batch.multipart (internal/emulator/BEHAVIOURS.md)
func (e *endpoint) batch(r *http.Request, tenant string) *reply {
	s := e.s
	k := s.knobs.Load()
	if r.Method != http.MethodPost {
		return methodNotAllowed(http.MethodPost, "$batch")
	}
	id, domain, rep := e.caller(tenant, r.Header.Get("Authorization"))
	if rep != nil {
		return rep
	}
	outer := &call{method: r.Method, tenantSeg: tenant, path: r.URL.Path}
	raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBodyBytes))
	if err != nil {
		return badRequest("The request body could not be read: " + err.Error())
	}
	var in batchRequest
	if err := json.Unmarshal(raw, &in); err != nil || in.Requests == nil {
		s.violate(id, outer, "$batch body is not {\"requests\":[...]}")
		why := ""
		if err != nil {
			why = " (" + err.Error() + ")"
		}
		return badRequest("The $batch body must be a JSON object {\"requests\":[{\"id\",\"method\",\"url\",\"headers\",\"body\"}, ...]}" + why + ".")
	}
	// OData's JSON batch reader requires each request's method and url
	// (ValidateRequiredProperty in OData/odata.net's ODataJsonBatchReader):
	// an item without one fails the whole batch.
	for i := range in.Requests {
		it := &in.Requests[i]
		if it.Method == "" || it.URL == "" {
			s.violate(id, outer, "$batch item '"+it.ID+"' has no method or no url")
			return badRequest("The $batch item '" + it.ID + "' has no \"method\" or no \"url\"; every request of a $batch needs both.")
		}
		// behaviour exo.batch.not-emulated (internal/emulator/BEHAVIOURS.md)
		if len(it.DependsOn) > 0 || len(it.AtomicityGroup) > 0 {
			return &reply{status: http.StatusNotImplemented, json: true, body: simpleError("NotImplemented",
				"The $batch item '"+it.ID+"' uses dependsOn or atomicityGroup, which the emulator does not emulate; send the requests without them.")}
		}
		if err := it.readBody(); err != nil {
			s.violate(id, outer, "$batch item '"+it.ID+"': "+err.Error())
			return badRequest("The $batch item '" + it.ID + "': " + err.Error() + ".")
		}
	}
	if len(in.Requests) > MaxBatchItems {
		s.violate(id, outer, "$batch with "+strconv.Itoa(len(in.Requests))+" requests (the maximum is 10)")
		return badRequest("The $batch carries " + strconv.Itoa(len(in.Requests)) + " requests; the maximum is 10.")
	}
	ts := s.stats.tenant(id, domain)
	if rep := s.admit(ts, k); rep != nil {
		return rep
	}
	defer ts.leave()

	items := make([]batchAnswer, len(in.Requests))
	for i := range in.Requests {
		items[i] = batchAnswer{id: in.Requests[i].ID, rep: e.batchItem(r, tenant, id, &in.Requests[i], k), requestID: s.requestID()}
	}
	if acceptsJSON(r.Header.Get("Accept"), k.strict.BatchJSONForAnyAccept) {
		return &reply{status: http.StatusOK, json: true, body: jsonBatch(items)}
	}
	boundary := "batchresponse_" + s.requestID()
	return &reply{status: http.StatusOK, body: multipartBatch(items, boundary),
		hdr: []header{{"Content-Type", "multipart/mixed; boundary=" + boundary}, {"OData-Version", "4.0"}}}
}

type batchAnswer struct {
	id, requestID string
	rep           *reply
}

// acceptsJSON: the service answers a JSON batch only to a client that asks
// for application/json with odata.metadata=minimal, multipart/mixed to any
// other (behaviour exo.batch.multipart: CIPP parsed multipart until it sent
// exactly that Accept, commit 8392e324b). anyJSON relaxes it to any Accept
// naming JSON (or none).
func acceptsJSON(accept string, anyJSON bool) bool {
	a := strings.ToLower(accept)
	if anyJSON {
		return a == "" || strings.Contains(a, "application/json") || strings.Contains(a, "*/*")
	}
	for _, part := range strings.Split(a, ",") {
		typ, params, _ := strings.Cut(part, ";")
		if strings.TrimSpace(typ) != "application/json" {
			continue
		}
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(p, "=")
			if strings.TrimSpace(k) == "odata.metadata" && strings.TrimSpace(v) == "minimal" {
				return true
			}
		}
	}
	return false
}

// BatchAnswer is the JSON answer of a $batch as a client reads it: what
// jsonBatch writes, and what package replay reads from a recording.
type BatchAnswer struct {
	Responses []BatchItemAnswer `json:"responses"`
}

// BatchItemAnswer is one item's answer in a BatchAnswer.
type BatchItemAnswer struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

func jsonBatch(items []batchAnswer) []byte {
	out := make([]byte, 0, 1024)
	out = append(out, `{"responses":[`...)
	for i, it := range items {
		if i > 0 {
			out = append(out, ',')
		}
		rep := it.rep
		out = append(out, `{"id":`...)
		out = appendString(out, it.id)
		out = append(out, `,"status":`...)
		out = strconv.AppendInt(out, int64(rep.status), 10)
		out = append(out, `,"headers":{"request-id":`...)
		out = appendString(out, it.requestID)
		if rep.json {
			out = append(out, `,"Content-Type":`...)
			out = appendString(out, contentTypeJSON)
			out = append(out, `,"OData-Version":"4.0"`...)
		}
		for _, h := range rep.hdr {
			out = append(out, ',')
			out = appendString(out, h.k)
			out = append(out, ':')
			out = appendString(out, h.v)
		}
		out = append(out, `},"body":`...)
		if rep.json && json.Valid(rep.body) {
			out = append(out, rep.body...)
		} else {
			out = appendString(out, string(rep.body))
		}
		out = append(out, '}')
		rep.release()
	}
	return append(out, `]}`...)
}

// multipartBatch renders the OData multipart/mixed batch answer: one
// application/http part per item, in order.
func multipartBatch(items []batchAnswer, boundary string) []byte {
	out := make([]byte, 0, 1024)
	for _, it := range items {
		rep := it.rep
		out = append(out, "--"+boundary+"\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: "+it.id+"\r\n\r\n"...)
		out = append(out, "HTTP/1.1 "+strconv.Itoa(rep.status)+" "+http.StatusText(rep.status)+"\r\nrequest-id: "+it.requestID+"\r\n"...)
		if rep.json {
			out = append(out, "Content-Type: "+contentTypeJSON+"\r\nOData-Version: 4.0\r\n"...)
		}
		for _, h := range rep.hdr {
			out = append(out, h.k+": "+h.v+"\r\n"...)
		}
		out = append(out, "\r\n"...)
		out = append(out, rep.body...)
		out = append(out, "\r\n"...)
		rep.release()
	}
	return append(out, "--"+boundary+"--\r\n"...)
}

// behaviour exo.batch.item-auth (internal/emulator/BEHAVIOURS.md)
// behaviour exo.batch.same-tenant (internal/emulator/BEHAVIOURS.md)
func (e *endpoint) batchItem(r *http.Request, tenantSeg, tenantID string, it *batchItem, k *knobs) *reply {
	own := func(name string) (string, bool) {
		for k, v := range it.Headers {
			if strings.EqualFold(k, name) {
				return v, true
			}
		}
		return "", false
	}
	hdr := func(name string) string {
		if v, ok := own(name); ok {
			return v
		}
		return r.Header.Get(name)
	}
	// Every public client puts the token in each item (behaviour
	// exo.batch.item-auth); the outer one stands in only when relaxed.
	authz, ok := own("Authorization")
	if !ok && !k.strict.BatchItemAuthOptional {
		e.s.violate(tenantID, &call{method: it.Method, path: r.URL.Path}, "$batch item '"+it.ID+"' carries no Authorization header of its own")
		return e.s.unauthorized("The $batch item '" + it.ID + "' carries no Authorization header; every item must carry its own bearer token.")
	}
	if !ok {
		authz = r.Header.Get("Authorization")
	}
	u, err := url.Parse(it.URL)
	if err != nil {
		return badRequest("Item '" + it.ID + "': url is not a URL.")
	}
	_, seg, op, ok := SplitPath(u.Path)
	if !ok || !strings.EqualFold(op, "InvokeCommand") {
		return badRequest("Item '" + it.ID + "': url must be /adminapi/beta/{tenant}/InvokeCommand.")
	}
	if itemID, _, ok := e.s.backend.Resolve(seg); !ok || itemID != tenantID {
		e.s.violate(tenantID, &call{method: it.Method, path: u.Path}, "$batch item for another tenant than the batch URL's")
		return badRequest("Item '" + it.ID + "': every item must address the batch's tenant '" + tenantSeg + "'.")
	}
	q := u.Query()
	_, hasSkip := q["$skiptoken"]
	method := strings.ToUpper(it.Method)
	body := []byte(it.Body)
	c := &call{
		method: method, tenantSeg: seg, path: u.Path,
		sel: q.Get("$select"), skiptoken: q.Get("$skiptoken"), hasSkip: hasSkip,
		authz: authz, anchor: hdr("X-AnchorMailbox"), prefer: hdr("Prefer"), warnAct: hdr("WarningAction"), routed: hdr("parameter-based-routing"),
		body: body, inBatch: true,
	}
	return e.invoke(r.Context(), c)
}
