package exchange

import (
	"net/http"
)

// moduleFile answers GET /adminapi/v1.0/{tenant}/EXOModuleFile with the
// cmdlets the caller may run (value[].exportedCmdlets), as the module's
// bootstrap reads it.
// behaviour exo.modulefile (internal/emulator/BEHAVIOURS.md)
func (e *endpoint) moduleFile(r *http.Request, version, tenant string) *reply {
	if r.Method != http.MethodGet {
		return &reply{status: http.StatusMethodNotAllowed, json: true, hdr: []header{{"Allow", "GET"}}, body: simpleError("MethodNotAllowed", "EXOModuleFile accepts GET only.")}
	}
	if _, _, rep := e.caller(tenant, r.Header.Get("Authorization")); rep != nil {
		return rep
	}
	b := []byte(`{"@odata.context":`)
	b = appendString(b, e.origin+"/adminapi/"+version+"/"+tenant+"/$metadata#EXOModuleFile")
	b = append(b, `,"value":[{"Version":`...)
	b = appendString(b, r.URL.Query().Get("Version"))
	b = append(b, `,"exportedCmdlets":`...)
	b = appendString(b, e.s.exported[e.svc])
	b = append(b, `}]}`...)
	return &reply{status: http.StatusOK, json: true, body: b}
}

// banner answers GET .../EXOBanner('AutogenSession') on a regional host
// (the front door redirects it, which is all CIPP wants from it).
// behaviour exo.banner (internal/emulator/BEHAVIOURS.md)
func (e *endpoint) banner(r *http.Request, version, tenant string) *reply {
	if r.Method != http.MethodGet {
		return &reply{status: http.StatusMethodNotAllowed, json: true, hdr: []header{{"Allow", "GET"}}, body: simpleError("MethodNotAllowed", "EXOBanner accepts GET only.")}
	}
	if _, _, rep := e.caller(tenant, r.Header.Get("Authorization")); rep != nil {
		return rep
	}
	b := []byte(`{"@odata.context":`)
	b = appendString(b, e.origin+"/adminapi/"+version+"/"+tenant+"/$metadata#Edm.String")
	b = append(b, `,"value":"This is the exoplay emulator, not Microsoft Exchange Online."}`...)
	return &reply{status: http.StatusOK, json: true, body: b}
}
