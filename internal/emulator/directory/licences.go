package directory

import "slices"

// Licence facts. What a tenant may do depends on the licences it bought,
// and the service shows that in two ways the emulator reproduces:
//
//   - Defender for Office 365 cmdlets (Get-AtpPolicyForO365,
//     Get-ATPProtectionPolicyRule, Get-SafeLinksPolicy,
//     Get-SafeAttachmentPolicy) do not exist for a tenant without Plan 1 or
//     Plan 2: the call fails with "The term '<cmdlet>' is not recognized".
//     Evidence: cisagov/ScubaGear ExportDefenderProvider.psm1 probes
//     Get-AtpPolicyForO365 with Get-Command for exactly this reason, and
//     ORCA (Get-ORCACollection) does the same.
//   - Features bought as add-ons (Customer Lockbox, Audit Premium's long
//     retention, Plan 2's URL-click alert) are data, not cmdlets: a tenant
//     without Plan 2 has no "A potentially malicious URL click was
//     detected" alert (ScubaGear and Maester check that alert only when the
//     tenant has it; exchange-audit-controls.md row 39).
//
// Licences() lists them so a test, or an operator, can state them as the
// tenant's facts (the audit reads them from the tenant var "licenses",
// because no Exchange cmdlet lists a tenant's subscriptions: that is
// Graph's subscribedSkus).

// Licence names, as the baseline's tenant var "licenses" spells them.
const (
	LicenseDefenderP1      = "defender_p1"
	LicenseDefenderP2      = "defender_p2"
	LicenseCustomerLockbox = "customer_lockbox"
	LicenseAuditPremium    = "audit_premium"
)

// defaultLicenses derives a tenant's licences from its posture (assumption:
// a hardened MSP customer tends to hold E5, a risky one E3 with the E5
// Compliance add-on and Defender Plan 1, a fresh one Business Standard with
// EOP only).
func defaultLicenses(p Posture) []string { // behaviour dir.license.posture
	switch p {
	case Hardened:
		return []string{LicenseDefenderP1, LicenseDefenderP2, LicenseCustomerLockbox, LicenseAuditPremium}
	case Risky:
		return []string{LicenseDefenderP1, LicenseCustomerLockbox, LicenseAuditPremium}
	}
	return []string{}
}

// Licenses lists the tenant's licences (a copy).
func (t *Tenant) Licenses() []string { return slices.Clone(t.licenses) }

func (t *Tenant) licensed(l string) bool { return slices.Contains(t.licenses, l) }

// errUnlicensed is the answer to a cmdlet the tenant's licences do not
// include: the same "not recognized" as a cmdlet that does not exist.
func errUnlicensed(cmdlet string) *Error { return errForbidden(cmdlet) }
