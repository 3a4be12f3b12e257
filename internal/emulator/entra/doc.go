// Package entra is the emulator's Microsoft Entra ID authority: an independent, in-memory
// implementation of the v2.0 endpoints that MSAL for Go (and the Exchange Online module) talk to,
// for tests, `exoplay emulator` and the quickstart.
//
// Per tenant (addressed by GUID or by its onmicrosoft domain, case-insensitively) it serves the
// openid-configuration, the signing keys, the token endpoint (client secret, certificate and
// federated client assertions: its own managed identities' tokens, and tokens of external issuers
// such as a Kubernetes cluster's service account tokens, whose keys it is given; device code, authorization code with PKCE, refresh token across
// tenants for partner (GDAP) users, ROPC), an auto-approving authorize endpoint, the userrealm
// lookup of MSAL's username/password flow, and an App Service-style managed identity endpoint.
// Access tokens are RS256 JWTs signed with a key generated once per Authority; Verify checks
// them for the emulated Exchange service. Errors have Entra's shape and AADSTS codes, so clients
// are tested against what they will meet in production.
//
// It imports nothing of the product: it is a second implementation of the protocol that can
// catch the client's mistakes.
package entra
