package directory

import "strings"

// Security & Compliance cmdlets (served on the compliance endpoint only).

func complianceCmdlets() []*cmdlet {
	compliance := []Service{Compliance}
	return []*cmdlet{
		{name: "Get-DlpCompliancePolicy", services: compliance, params: []param{pID(), pStr("DisplayName"), pSw("DistributionDetail"), pSw("Summary"),
			{name: "ForceValidate", typ: pBool}, {name: "IncludeExtendedProperties", typ: pBool}, {name: "IncludeRulesMetadata", typ: pBool},
			{name: "IncludeSimulationResults", typ: pBool}, pSw("IRMUserRiskConfiguredAnyRule")}, run: getDlpPolicy},
		{name: "Get-RetentionCompliancePolicy", services: compliance, params: []param{pID(), pSw("DistributionDetail"), pSw("ErrorPolicyOnly"),
			pSw("ExcludeTeamsPolicy"), pSw("IncludeTestModeResults"), pSw("PriorityCleanup"), pSw("RetentionRuleTypes"), pSw("TeamsPolicyOnly")},
			run: func(cl *call) (*Result, *Error) { return cl.getColl(cl.t.colls["retention"]) }},
	}
}

func getDlpPolicy(cl *call) (*Result, *Error) {
	c := cl.t.colls["dlp"]
	if dn := cl.a.str("DisplayName"); dn != "" {
		c = c.where(func(o Object) bool { return strings.EqualFold(o.str("DisplayName"), dn) })
	}
	return cl.getColl(c)
}
