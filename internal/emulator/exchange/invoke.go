package exchange

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

const (
	maxBodyBytes    = 8 << 20
	concurrencyText = "You have reached the maximum number of concurrent requests per tenant. Please wait and try again"
	rateText        = "The request was throttled because the tenant exceeded its request budget. Please wait and try again"
	stormText       = "The request was throttled. Please retry after some time."
)

// endpoint is one listener: Exchange, or the compliance regional host.
type endpoint struct {
	s        *Server
	svc      Service
	origin   string
	audience string
}

type header struct{ k, v string }

// reply is an answer before it is written: to the wire, or into a $batch.
type reply struct {
	status int
	body   []byte
	json   bool // OData JSON: Content-Type and OData-Version headers
	hdr    []header
	fault  FaultKind // transport-level fault applied when writing
	gzip   bool      // compress the body (Strictness.GzipAnswers and the client accepts it)
	buf    *[]byte   // pooled storage of body, released once written
}

// bufPool recycles page buffers: encoding is most of a call's garbage.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

const maxPooledBuf = 8 << 20

// release returns the reply's buffer to the pool; body is invalid after.
func (r *reply) release() {
	if r.buf != nil && cap(r.body) <= maxPooledBuf {
		*r.buf = r.body[:0]
		bufPool.Put(r.buf)
	}
	r.buf, r.body = nil, nil
}

// call is one InvokeCommand request, standalone or a $batch item.
type call struct {
	method    string
	tenantSeg string
	path      string
	sel       string
	skiptoken string
	hasSkip   bool
	authz     string
	anchor    string
	prefer    string
	warnAct   string
	routed    string // parameter-based-routing header
	body      []byte
	inBatch   bool // admission and auth of the tenant were done by the batch
}

type cmdletInput struct {
	CmdletInput *struct {
		CmdletName string         `json:"CmdletName"`
		Parameters map[string]any `json:"Parameters"`
	} `json:"CmdletInput"`
}

// behaviour exo.invoke.path (internal/emulator/BEHAVIOURS.md)
// behaviour exo.request-id (internal/emulator/BEHAVIOURS.md)
func (e *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := e.s
	s.stats.requests.Add(1)
	if refuse446(w, r, s.knobs.Load()) {
		return
	}
	w.Header()["request-id"] = []string{s.requestID()}
	gz := s.knobs.Load().strict.GzipAnswers && acceptsGzip(r.Header.Get("Accept-Encoding"))
	write := func(w http.ResponseWriter, rep *reply) {
		rep.gzip = gz
		e.write(w, rep)
	}
	version, tenant, op, ok := SplitPath(r.URL.Path)
	if !ok {
		write(w, &reply{status: http.StatusNotFound, json: true, body: simpleError("NotFound", "No resource at "+r.URL.Path+"; InvokeCommand is POST /adminapi/beta/{tenant}/InvokeCommand.")})
		return
	}
	opl := strings.ToLower(op)
	switch {
	case opl == "invokecommand":
		if version != "beta" {
			write(w, &reply{status: http.StatusMethodNotAllowed, json: true,
				body: simpleError("MethodNotAllowed", "The requested resource does not support http method '"+r.Method+"'. InvokeCommand answers under /adminapi/beta/ only.")})
			return
		}
		c, rep := e.newCall(r, tenant)
		if rep == nil {
			rep = e.invoke(r.Context(), c)
		}
		write(w, rep)
	case opl == "$batch" && version == "beta":
		write(w, e.batch(r, tenant))
	case opl == "exomodulefile":
		write(w, e.moduleFile(r, version, tenant))
	case strings.HasPrefix(opl, "exobanner"):
		write(w, e.banner(r, version, tenant))
	default:
		write(w, &reply{status: http.StatusNotFound, json: true, body: simpleError("NotFound", "Resource '"+op+"' not found under /adminapi/"+version+"/"+tenant+".")})
	}
}

func (e *endpoint) newCall(r *http.Request, tenant string) (*call, *reply) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBodyBytes))
	if err != nil {
		return nil, &reply{status: http.StatusBadRequest, json: true, body: simpleError("BadRequest", "The request body could not be read: "+err.Error())}
	}
	q := r.URL.Query()
	_, hasSkip := q["$skiptoken"]
	return &call{
		method: r.Method, tenantSeg: tenant, path: r.URL.Path,
		sel: q.Get("$select"), skiptoken: q.Get("$skiptoken"), hasSkip: hasSkip,
		authz: r.Header.Get("Authorization"), anchor: r.Header.Get("X-AnchorMailbox"),
		prefer: r.Header.Get("Prefer"), warnAct: r.Header.Get("WarningAction"),
		routed: r.Header.Get("parameter-based-routing"),
		body:   body,
	}, nil
}

// invoke runs the whole pipeline of one call: tenant, token, body,
// continuation checks, throttling, faults, latency, the cmdlet, the page.
// behaviour exo.body.cmdletinput (internal/emulator/BEHAVIOURS.md)
// behaviour exo.cmdlet.case-insensitive (internal/emulator/BEHAVIOURS.md)
func (e *endpoint) invoke(ctx context.Context, c *call) *reply {
	s := e.s
	k := s.knobs.Load()
	id, domain, rep := e.caller(c.tenantSeg, c.authz)
	if rep != nil {
		return rep
	}
	ts := s.stats.tenant(id, domain)
	if c.method != http.MethodPost {
		if c.hasSkip {
			s.violate(id, c, "continuation by "+c.method+": @odata.nextLink must be followed by POSTing the original body")
			return expiredReply()
		}
		return methodNotAllowed(http.MethodPost, "InvokeCommand")
	}
	var in cmdletInput
	if err := json.Unmarshal(c.body, &in); err != nil || in.CmdletInput == nil || strings.TrimSpace(in.CmdletInput.CmdletName) == "" {
		reason := "request body is not {\"CmdletInput\":{\"CmdletName\":...,\"Parameters\":{...}}}"
		if err != nil {
			reason += ": " + err.Error()
		}
		s.violate(id, c, reason)
		return badRequest("The request body is not valid: expected {\"CmdletInput\":{\"CmdletName\":\"Verb-Noun\",\"Parameters\":{...}}}.")
	}
	params := in.CmdletInput.Parameters
	if params == nil {
		params = map[string]any{}
	}
	cmdlet := s.canonicalName(in.CmdletInput.CmdletName)
	ts.count(cmdlet)
	if reason := s.checkAnchor(c.anchor, id); reason != "" {
		s.violate(id, c, reason)
		return badRequest("The X-AnchorMailbox header cannot be routed: " + reason + ".")
	}
	if e.svc == Compliance && !k.strict.ComplianceAnyAnchor {
		if reason := s.complianceAnchor(c.anchor, id, domain); reason != "" {
			s.violate(id, c, reason)
			return badRequest("The X-AnchorMailbox header cannot route this call: " + reason + ".")
		}
	}
	s.observe(id, c, params)
	if s.replay != nil {
		return e.replayed(c, cmdlet, params)
	}

	var cur *cursor
	offset := 0
	if c.hasSkip {
		if cur, offset, rep = e.continuation(c, id, cmdlet, params, k); rep != nil {
			return rep
		}
	}

	if !c.inBatch {
		if rep := s.admit(ts, k); rep != nil {
			return rep
		}
		defer ts.leave()
	}

	var after FaultKind
	extra := time.Duration(0)
	if rule := k.faults.pick(s.rng, id, domain, cmdlet, c.hasSkip, !c.inBatch); rule != nil {
		s.stats.faults.Add(1)
		switch rule.Kind {
		case FaultEmpty, FaultTruncated:
			after = rule.Kind
		case FaultSlow:
			extra = rule.Delay
			if extra <= 0 {
				extra = 2 * time.Second
			}
		default:
			return s.faultReply(ts, k, rule)
		}
	}
	if err := s.sleep(ctx, k.latency.draw(s.rng)+extra); err != nil {
		return &reply{status: http.StatusServiceUnavailable, json: true, body: simpleError("ServiceUnavailable", "The request was cancelled.")}
	}

	if cur != nil {
		rep = e.pageReply(c, cur, offset, nil, k)
	} else {
		rep = e.run(ctx, c, ts, id, cmdlet, params, k)
	}
	if after != "" {
		rep.fault = after
	}
	return rep
}

// run executes the cmdlet and encodes its first page.
func (e *endpoint) run(ctx context.Context, c *call, ts *tenantState, id, cmdlet string, params map[string]any, k *knobs) *reply {
	s := e.s
	if !s.backend.Known(e.svc, cmdlet) {
		return e.unknownCmdlet(cmdlet)
	}
	if wantsConfirmation(cmdlet, params) {
		p := page{context: e.origin + "/adminapi/beta/" + c.tenantSeg + "/" + collectionCtx, res: &Result{}, confirm: confirmationText(cmdlet, params)}
		return &reply{status: http.StatusOK, json: true, body: appendPage(nil, &p)}
	}
	res, err := s.backend.Invoke(ctx, id, e.svc, cmdlet, params)
	if err != nil {
		var ce *CmdletError
		if errors.As(err, &ce) {
			return cmdletErrorReplyForm(ce, k.strict.ErrorDetail)
		}
		return cmdletErrorReply(&CmdletError{Status: 500, Code: "InternalServerError", Message: "Error executing cmdlet",
			ExceptionType: "System.InvalidOperationException", Detail: err.Error()})
	}
	if res == nil {
		res = &Result{}
	}
	if res.Write != nil {
		ts.mu.Lock()
		ts.writes = append(ts.writes, WriteRecord{Seq: len(ts.writes) + 1, Service: e.svc, Cmdlet: s.canonicalName(res.Write.Cmdlet),
			Params: res.Write.Params, At: s.now()})
		ts.mu.Unlock()
	}
	var warnings []string
	if !silentWarnings(c.warnAct) {
		warnings = res.Warnings
	}
	ps := preferPageSize(c.prefer)
	if ps == 0 {
		ps = k.pageSize
	}
	cur := &cursor{tenantID: id, svc: e.svc, cmdlet: cmdlet, anchor: c.anchor, sel: parseSelect(c.sel), res: res, pageSize: ps}
	if res.Len > ps {
		cur.canon = canonBody(cmdlet, params)
		s.cursors.add(cur, s.now(), k.ttl)
	}
	return e.pageReply(c, cur, 0, warnings, k)
}

// pageReply encodes the page of cur starting at offset.
// behaviour exo.paging.prefer (internal/emulator/BEHAVIOURS.md)
// behaviour exo.paging.nextlink (internal/emulator/BEHAVIOURS.md)
// behaviour exo.nextlink.port446 (internal/emulator/BEHAVIOURS.md)
func (e *endpoint) pageReply(c *call, cur *cursor, offset int, warnings []string, k *knobs) *reply {
	ps := preferPageSize(c.prefer)
	if ps == 0 {
		ps = cur.pageSize
	}
	p := page{
		context: e.origin + "/adminapi/beta/" + c.tenantSeg + "/" + collectionCtx,
		res:     cur.res, from: offset, to: min(offset+ps, cur.res.Len), sel: cur.sel,
		warnings: warnings,
	}
	if p.to < cur.res.Len {
		link := e.origin + "/adminapi/beta/" + c.tenantSeg + "/InvokeCommand?"
		if c.sel != "" {
			link += "$select=" + url.QueryEscape(c.sel) + "&"
		}
		p.nextLink = link + "$skiptoken=" + e.s.cursors.token(cur, p.to, e.s.now())
		if k.strict.NextLinkPort446 {
			p.nextLink = withPort446(p.nextLink)
		}
		if !silentWarnings(c.warnAct) {
			p.warnings = append(p.warnings[:len(p.warnings):len(p.warnings)], pagingWarning)
		}
	}
	buf := bufPool.Get().(*[]byte)
	return &reply{status: http.StatusOK, json: true, body: appendPage((*buf)[:0], &p), buf: buf}
}

// continuation checks a call that carries a $skiptoken against the first
// page's request: same tenant, service, body and anchor, link not expired.
// behaviour exo.paging.post-continuation (internal/emulator/BEHAVIOURS.md)
// behaviour exo.paging.ttl (internal/emulator/BEHAVIOURS.md)
// behaviour exo.paging.anchor-affinity (internal/emulator/BEHAVIOURS.md)
func (e *endpoint) continuation(c *call, id, cmdlet string, params map[string]any, k *knobs) (*cursor, int, *reply) {
	s := e.s
	cid, off, issued, ok := s.cursors.parse(c.skiptoken)
	if !ok {
		s.violate(id, c, "unknown or altered $skiptoken")
		return nil, 0, expiredReply()
	}
	if s.now().Sub(issued) > k.ttl {
		return nil, 0, expiredReply()
	}
	cur := s.cursors.get(cid)
	if cur == nil {
		return nil, 0, expiredReply()
	}
	switch {
	case cur.tenantID != id:
		s.violate(id, c, "continuation sent to another tenant than the first page's")
	case cur.svc != e.svc:
		s.violate(id, c, "continuation sent to another service than the first page's")
	case canonBody(cmdlet, params) != cur.canon:
		s.violate(id, c, "continuation body differs from the first page's (cmdlet or parameters changed)")
	case !strings.EqualFold(strings.TrimSpace(c.anchor), strings.TrimSpace(cur.anchor)):
		s.violate(id, c, "X-AnchorMailbox changed between pages (first page '"+cur.anchor+"', continuation '"+c.anchor+"')")
	case off > cur.res.Len:
		s.violate(id, c, "$skiptoken offset beyond the result")
	default:
		return cur, off, nil
	}
	return nil, 0, expiredReply()
}

func (s *Server) violate(tenant string, c *call, reason string) {
	s.stats.violation(Violation{Tenant: tenant, Method: c.method, Path: c.path, Reason: reason, At: s.now()})
}

func (s *Server) canonicalName(name string) string {
	name = strings.TrimSpace(name)
	if c, ok := s.canonical[strings.ToLower(name)]; ok {
		return c
	}
	return name
}

// canonBody is the request as the continuation check compares it: cmdlet
// name case-insensitive, parameters by value (key order ignored).
func canonBody(cmdlet string, params map[string]any) string {
	b, _ := json.Marshal(struct {
		N string
		P map[string]any
	}{strings.ToLower(cmdlet), params})
	return string(b)
}

// behaviour exo.warnings.action (internal/emulator/BEHAVIOURS.md)
func silentWarnings(h string) bool {
	return strings.EqualFold(h, "SilentlyContinue") || strings.EqualFold(h, "Ignore")
}
