// Package cloud maps a Microsoft 365 environment name (O365Default,
// O365USGovGCCHigh, …) to the hosts exoplay talks to: the Exchange Online REST
// base, the Security & Compliance front door, the Entra ID authority and the
// token resources. It is a leaf: auth and transport both need these URLs and
// must not import each other.
package cloud
