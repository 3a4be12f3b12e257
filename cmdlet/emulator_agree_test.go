package cmdlet

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/internal/emulator/directory"
)

// The emulator keeps its own parameter tables (it is the service's twin and
// imports nothing of the product). This test, which only a test may write,
// lists where they disagree with the catalog compiled from Microsoft's
// reference, so that each difference is either fixed in the emulator or
// explained here.
func TestEmulatorTablesAgreeWithTheCatalog(t *testing.T) {
	cat, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, es := range []struct {
		svc  directory.Service
		name string
		mine Service
	}{{directory.Exchange, "exchange", Exchange}, {directory.Compliance, "compliance", Compliance}} {
		for _, name := range directory.Cmdlets(es.svc) {
			params, _ := directory.Parameters(es.svc, name)
			found = append(found, disagreements(cat, es.name, es.mine, name, params)...)
		}
	}
	sort.Strings(found)
	for _, d := range found {
		if why, ok := explained[d]; ok {
			t.Logf("explained: %s — %s", d, why)
			continue
		}
		t.Errorf("emulator and catalog disagree: %s", d)
	}
	for d := range explained {
		if !slices.Contains(found, d) {
			t.Errorf("no longer a disagreement (remove it from explained): %s", d)
		}
	}
}

func disagreements(cat *Catalog, svcName string, svc Service, name string, params []directory.ParamInfo) []string {
	in, ok := cat.Lookup(name)
	if !ok {
		return []string{fmt.Sprintf("%s %s: not in the catalog", svcName, name)}
	}
	var out []string
	if in.Services&svc == 0 {
		out = append(out, fmt.Sprintf("%s %s: the catalog has it only in %s", svcName, name, in.Services))
	}
	known := map[string]bool{}
	for _, p := range params {
		known[strings.ToLower(p.Name)] = true
		if IsCommonParameter(p.Name) {
			continue
		}
		cp, ok := in.Param(p.Name)
		switch {
		case !ok && in.IsOnPremOnly(p.Name):
			out = append(out, fmt.Sprintf("%s %s -%s: on-premises only in the catalog", svcName, name, p.Name))
			continue
		case !ok:
			out = append(out, fmt.Sprintf("%s %s -%s: not in the catalog", svcName, name, p.Name))
			continue
		}
		if !kindsAgree(p.Kind, cp) {
			out = append(out, fmt.Sprintf("%s %s -%s: emulator %s, catalog %s", svcName, name, p.Name, p.Kind, cp.Type))
		}
		if cp.enforced() && len(p.Values) > 0 && !sameFold(cp.Values, p.Values) {
			out = append(out, fmt.Sprintf("%s %s -%s: values %v, catalog %v", svcName, name, p.Name, p.Values, cp.Values))
		}
		if req := requiredEverywhere(in, cp); p.Required != req && !(p.Name == "Identity" && !IsWrite(name)) {
			out = append(out, fmt.Sprintf("%s %s -%s: required %v, catalog %v", svcName, name, p.Name, p.Required, req))
		}
	}
	for _, cp := range in.Params {
		if requiredEverywhere(in, cp) && !known[strings.ToLower(cp.Name)] && !(cp.Name == "Identity" && !IsWrite(name)) {
			out = append(out, fmt.Sprintf("%s %s -%s: required by the catalog, unknown to the emulator", svcName, name, cp.Name))
		}
	}
	return out
}

// requiredEverywhere reports whether the catalog requires p in every set
// it belongs to (the emulator has no parameter sets).
func requiredEverywhere(in *Info, p *Param) bool {
	uses := p.Uses(in)
	for _, u := range uses {
		if !u.Required {
			return false
		}
	}
	return len(uses) > 0 && len(uses) == max(1, len(in.Sets))
}

func kindsAgree(emu string, p *Param) bool {
	k, elem, _, _ := typeKind(p.Type)
	switch emu {
	case "Boolean", "NullableBoolean":
		return k == kindBool
	case "SwitchParameter":
		return k == kindSwitch
	case "Int32":
		return k == kindInt
	case "MultiValuedProperty":
		return k == kindMulti
	case "EnumList":
		return k == kindMulti || k == kindAny && len(p.Values) > 0
	case "TimeSpan":
		return k == kindTimeSpan || k == kindUnlimited
	case "Size", "UnlimitedInt", "ResultSize":
		return k == kindUnlimited || k == kindSize
	case "DateTime":
		return k == kindDateTime
	case "Enum":
		return k == kindAny || k == kindText && len(p.Values) > 0
	case "String", "Filter", "SmtpAddress":
		return k == kindText || k == kindAny || k == kindGuid
	}
	_ = elem
	return true // Any
}

func sameFold(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.ContainsFunc(b, func(y string) bool { return strings.EqualFold(x, y) }) {
			return false
		}
	}
	return true
}

// explained lists the disagreements that are not the emulator's errors,
// each with why.
var explained = map[string]string{
	"compliance Get-Recipient -Capabilities: emulator String, catalog MultiValuedProperty":                     "the emulator binds one capability, stricter than the service; no playbook filters by several",
	"exchange Get-Recipient -Capabilities: emulator String, catalog MultiValuedProperty":                       "as above",
	"exchange Add-DistributionGroupMember -Member: required true, catalog false":                               "the reference marks -Member optional, but a call without it adds nothing; the emulator refuses it (assumption: stricter is safe)",
	"exchange Remove-DistributionGroupMember -Member: required true, catalog false":                            "as Add-DistributionGroupMember",
	"exchange Add-MailboxPermission -AccessRights: required true, catalog false":                               "the emulator models the AccessRights set only (the Owner set, where it is absent, is not emulated)",
	"exchange Add-MailboxPermission -User: required true, catalog false":                                       "the AccessRights set only, as above",
	"exchange Remove-MailboxPermission -AccessRights: required true, catalog false":                            "the AccessRights set only (Owner, ClearAutoMapping, ResetDefault are not emulated)",
	"exchange Remove-MailboxPermission -User: required true, catalog false":                                    "the AccessRights set only, as above",
	"exchange Remove-MailboxPermission -Identity: required true, catalog false":                                "only the Instance (pipeline) set lacks it, and a REST call has no pipeline",
	"exchange New-DkimSigningConfig -KeySize: emulator Enum, catalog UInt16":                                   "the reference types it UInt16 and names the valid values 1024 and 2048 in its text; the emulator binds exactly those",
	"exchange New-TransportRule -SetAuditSeverity: emulator Enum, catalog String":                              "typed String, with the values DoNotAudit, Low, Medium, High named in the reference's text; the emulator binds those",
	"exchange Set-TransportRule -SetAuditSeverity: emulator Enum, catalog String":                              "as New-TransportRule",
	"exchange New-TransportRule -SetSCL: emulator Int32, catalog SclValue":                                     "SclValue is an integer from -1 to 9; the emulator binds an Int32 in that range",
	"exchange Set-TransportRule -SetSCL: emulator Int32, catalog SclValue":                                     "as New-TransportRule",
	"exchange Set-AntiPhishPolicy -TargetedDomainProtectionAction: emulator Enum, catalog MultiValuedProperty": "the reference types it MultiValuedProperty but describes one action (NoAction, BccMessage, Delete, MoveToJmf, Quarantine, Redirect); the emulator binds one",
	"exchange Set-AntiPhishPolicy -TargetedUserProtectionAction: emulator Enum, catalog MultiValuedProperty":   "as TargetedDomainProtectionAction",
}
