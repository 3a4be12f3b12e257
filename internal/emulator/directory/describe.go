package directory

// ParamInfo describes one parameter as the emulator binds it. It exists for
// a test outside the emulator that lists where the emulator's tables and
// Microsoft's published cmdlet reference disagree.
type ParamInfo struct {
	Name     string
	Kind     string // String, Boolean, NullableBoolean, SwitchParameter, Int32, Enum, EnumList, MultiValuedProperty, TimeSpan, Size, UnlimitedInt, ResultSize, Filter, SmtpAddress, DateTime, Any
	Required bool
	Values   []string // enum member names, when the kind is an enum (or a multi-valued enum)
}

var kindNames = map[ptype]string{
	pString: "String", pBool: "Boolean", pNBool: "NullableBoolean", pSwitch: "SwitchParameter", pInt: "Int32",
	pEnum: "Enum", pEnumList: "EnumList", pMulti: "MultiValuedProperty", pTimeSpan: "TimeSpan", pSize: "Size",
	pUnlimitedInt: "UnlimitedInt", pResultSize: "ResultSize", pFilter: "Filter", pSmtp: "SmtpAddress", pDate: "DateTime", pAny: "Any",
}

// Parameters lists the parameters the service's cmdlet binds, in table
// order; false when the service has no such cmdlet.
func Parameters(svc Service, cmdlet string) ([]ParamInfo, bool) {
	c, ok := lookupCmdlet(svc, cmdlet)
	if !ok {
		return nil, false
	}
	out := make([]ParamInfo, 0, len(c.params))
	for _, p := range c.params {
		pi := ParamInfo{Name: p.name, Kind: kindNames[p.typ], Required: p.required}
		if p.enum != nil {
			pi.Values = append([]string(nil), p.enum.names...)
		}
		out = append(out, pi)
	}
	return out, true
}
