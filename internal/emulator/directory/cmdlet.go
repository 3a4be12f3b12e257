package directory

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"
)

// cmdlet is one row of the cmdlet table.
type cmdlet struct {
	name     string
	services []Service // nil means Exchange only
	params   []param
	write    bool   // Set/New/Add/Remove: runs under the tenant's write lock
	license  string // "" = every tenant has it; else the licence it needs (licences.go)
	run      func(c *call) (*Result, *Error)

	byName map[string]int // lower-cased parameter name -> index in params
}

func (c *cmdlet) on(svc Service) bool {
	if c.services == nil {
		return svc == Exchange
	}
	for _, s := range c.services {
		if s == svc {
			return true
		}
	}
	return false
}

func (c *cmdlet) param(name string) (param, bool) {
	i, ok := c.byName[strings.ToLower(name)]
	if !ok {
		return param{}, false
	}
	return c.params[i], true
}

// call is one invocation: the tenant, the bound arguments and the clock.
type call struct {
	t   *Tenant
	c   *cmdlet
	a   args
	raw map[string]any
	now time.Time
}

// wrote is the Write of a call that changed state.
func (cl *call) wrote() *Write {
	p := make(map[string]any, len(cl.raw))
	for k, v := range cl.raw {
		p[k] = v
	}
	return &Write{Tenant: cl.t.id, Cmdlet: cl.c.name, Params: p}
}

var registry = sync.OnceValue(func() []*cmdlet {
	var all []*cmdlet
	for _, group := range [][]*cmdlet{configCmdlets(), policyCmdlets(), mailboxCmdlets(), userCmdlets(), ruleCmdlets(), groupCmdlets(), complianceCmdlets(), protectionRuleCmdlets(), rbacCmdlets()} {
		all = append(all, group...)
	}
	for _, c := range all {
		c.byName = make(map[string]int, len(c.params))
		for i, p := range c.params {
			c.byName[strings.ToLower(p.name)] = i
		}
		c.write = !strings.HasPrefix(strings.ToLower(c.name), "get-")
	}
	return all
})

var cmdletIndex = sync.OnceValue(func() map[string]*cmdlet {
	m := map[string]*cmdlet{}
	for _, c := range registry() {
		m[strings.ToLower(c.name)] = c
	}
	return m
})

func lookupCmdlet(svc Service, name string) (*cmdlet, bool) {
	c, ok := cmdletIndex()[strings.ToLower(strings.TrimSpace(name))]
	if !ok || !c.on(svc) {
		return nil, false
	}
	return c, true
}

// Invoke runs a cmdlet on the tenant. params is the decoded JSON Parameters
// object. A failure of the cmdlet is an *Error; ctx cancellation is returned
// as ctx.Err(). Invoke is safe for concurrent use.
func (t *Tenant) Invoke(ctx context.Context, svc Service, name string, params map[string]any) (*Result, error) {
	c, ok := lookupCmdlet(svc, name)
	if !ok {
		return nil, errForbidden(name)
	}
	if c.license != "" && !t.licensed(c.license) { // behaviour dir.license.defender-cmdlets
		return nil, errUnlicensed(c.name)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	raw, _ := normJSON(params).(map[string]any)
	if raw == nil {
		raw = map[string]any{}
	}
	a, e := bind(c, raw)
	if e != nil {
		return nil, e
	}
	if c.write && isWhatIf(raw) {
		// -WhatIf describes the change instead of making it.
		return &Result{Object: func(int) Object { return nil }, Warnings: []string{whatIfText(c.name, a)}}, nil
	}
	cl := &call{t: t, c: c, a: a, raw: raw, now: t.opts.Now()}
	if c.write {
		t.mu.Lock()
		defer t.mu.Unlock()
	} else {
		t.mu.RLock()
		defer t.mu.RUnlock()
	}
	res, e := c.run(cl)
	if e != nil {
		return nil, e
	}
	if res.Object == nil {
		res.Object = func(int) Object { return nil }
	}
	if res.Warnings == nil {
		res.Warnings = []string{}
	}
	return res, nil
}

// normJSON turns json.Number into float64 so binding sees one numeric type.
func normJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return f
		}
		return x.String()
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normJSON(e)
		}
		return out
	}
	return v
}

// listResult returns objs as a Result.
func listResult(objs []Object) *Result {
	return &Result{Len: len(objs), Object: func(i int) Object { return objs[i] }}
}

// emptyResult is the result of a write that returns nothing.
func emptyResult(w *Write, warnings ...string) *Result {
	return &Result{Write: w, Warnings: warnings}
}

// Warning texts of the service.
const (
	warnDefaultSize   = "By default, only the first 1000 items are returned. Use the ResultSize parameter to specify the number of items returned. To return all items, specify \"-ResultSize Unlimited\". Be aware that, depending upon the actual number of items, returning all items can take a long time and consume a large amount of memory. Also, we don't recommend storing the results in a variable. Instead, pipe the results to another task or script to perform batch changes."
	warnMoreResults   = "There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter."
	defaultResultSize = 1000
)

// behaviour dir.write.no-op-warning (internal/emulator/BEHAVIOURS.md)
func warnNoChange(id string) string {
	return "The command completed successfully but no settings of '" + id + "' have been modified."
}

// limit applies ResultSize to a count of matching objects: the number to
// return and the warning to add, if any. Cmdlets without the parameter
// return everything.
// behaviour dir.resultsize (internal/emulator/BEHAVIOURS.md)
func (cl *call) limit(total int) (int, []string) {
	if _, has := cl.c.param("ResultSize"); !has {
		return total, nil
	}
	rs, given := cl.a["ResultSize"].(int)
	switch {
	case !given:
		if total > defaultResultSize {
			return defaultResultSize, []string{warnDefaultSize}
		}
	case rs < 0:
	case total > rs:
		return rs, []string{warnMoreResults}
	}
	return total, nil
}

// limitedList is objs cut to ResultSize, with the service's warning.
func (cl *call) limitedList(objs []Object) *Result {
	n, warn := cl.limit(len(objs))
	r := listResult(objs[:n])
	r.Warnings = warn
	return r
}

// scanLimit is how many matches a Get that scans every mailbox needs before
// it may stop: one beyond the limit, enough for limit to add the warning;
// -1 (scan everything) for Unlimited or a cmdlet without ResultSize.
func (cl *call) scanLimit() int {
	if _, has := cl.c.param("ResultSize"); !has {
		return -1
	}
	rs, given := cl.a["ResultSize"].(int)
	switch {
	case !given:
		return defaultResultSize + 1
	case rs > 0:
		return rs + 1
	}
	return -1
}

// resultSizeParam is the ResultSize parameter of list cmdlets.
func resultSizeParam() param { return param{name: "ResultSize", typ: pResultSize} }

func filterParam() param { return param{name: "Filter", typ: pFilter} }

// behaviour dir.whatif (internal/emulator/BEHAVIOURS.md)
func isWhatIf(raw map[string]any) bool {
	for k, v := range raw {
		if strings.EqualFold(k, "WhatIf") {
			b, _ := toBool(v)
			return b
		}
	}
	return false
}

func whatIfText(cmdlet string, a args) string {
	target := a.str("Identity")
	if target == "" {
		target = a.str("Name")
	}
	return "What if: Performing the operation \"" + cmdlet + "\" on target \"" + target + "\"."
}
