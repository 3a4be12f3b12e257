package exchange

import (
	"encoding/json"
	"net/http"
	"strings"
)

// ReplayFunc answers a call from a recording (`exoplay emulator --replay`,
// package internal/emulator/replay): the recorded status, Content-Type and
// body, or ok = false when nothing was recorded for the call.
type ReplayFunc func(tenant, cmdlet string, params map[string]any, skiptoken string) (status int, contentType string, body []byte, ok bool)

// replayed answers c from the recording. The token, tenant, body and anchor
// checks have run: a replay is still strict about what the client sends.
// A miss is 501 naming the call, so a user sees which call to record.
func (e *endpoint) replayed(c *call, cmdlet string, params map[string]any) *reply {
	status, ct, body, ok := e.s.replay(c.tenantSeg, cmdlet, params, c.skiptoken)
	if !ok {
		p, _ := json.Marshal(params)
		what := cmdlet + " " + string(p)
		if c.hasSkip {
			what += " (continuation page $skiptoken=" + c.skiptoken + ")"
		}
		return &reply{status: http.StatusNotImplemented, json: true,
			body: simpleError("NotImplemented", "Replay: no cassette answers "+what+" for tenant '"+c.tenantSeg+"'. Record it with `exoplay run --record DIR` against a tenant that has it.")}
	}
	rep := &reply{status: status, body: body}
	if ct != "" {
		rep.hdr = append(rep.hdr, header{"Content-Type", ct})
		if strings.Contains(ct, "json") {
			rep.hdr = append(rep.hdr, header{"OData-Version", "4.0"})
		}
	}
	return rep
}
