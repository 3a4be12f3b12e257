package exchange

import (
	"net/http"
)

// moduleFile answers GET /adminapi/v1.0/{tenant}/EXOModuleFile with the
// cmdlets the caller may run (value[].exportedCmdlets), as the module's
// bootstrap reads it.
// behaviour exo.modulefile (internal/emulator/BEHAVIOURS.md)
func (e *endpoint) moduleFile(r *http.Request, version, tenant string) *reply {
	if rep := e.signedInGet(r, tenant, "EXOModuleFile"); rep != nil {
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
	if rep := e.signedInGet(r, tenant, "EXOBanner"); rep != nil {
		return rep
	}
	b := []byte(`{"@odata.context":`)
	b = appendString(b, e.origin+"/adminapi/"+version+"/"+tenant+"/$metadata#Edm.String")
	b = append(b, `,"value":"This is the exoplay emulator, not Microsoft Exchange Online."}`...)
	return &reply{status: http.StatusOK, json: true, body: b}
}

// signedInGet refuses a request that is not a GET, or not by a caller
// signed in to the tenant; nil lets it through.
func (e *endpoint) signedInGet(r *http.Request, tenant, resource string) *reply {
	if r.Method != http.MethodGet {
		return methodNotAllowed(http.MethodGet, resource)
	}
	_, _, rep := e.caller(tenant, r.Header.Get("Authorization"))
	return rep
}
