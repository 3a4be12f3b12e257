// Package auth turns exoplay credentials into Microsoft Entra ID access
// tokens for Exchange Online, one token source per (authority, credential,
// tenant, resource).
//
// Every sign-in method of a playbook is here: certificate and client secret
// (app-only, MSAL confidential client), device code, interactive and
// username/password (delegated, MSAL public client with an on-disk cache),
// managed identity (directly, or as the federated credential of a
// multi-tenant app), Azure Workload Identity (a Kubernetes service account
// token, read afresh for every token request, as the federated credential of
// a multi-tenant app), a ready-made access token, and a partner (GDAP)
// refresh token redeemed per customer tenant.
//
// A Manager owns one MSAL client per (authority origin, credential). A Source
// keeps the current token of one tenant and resource: concurrent callers share
// one acquisition (singleflight), the token is renewed before it expires
// (whatever MSAL's own cache would do with short-lived tokens), Token(ctx,
// true) bypasses every cache after a 401, and the token's tid is checked
// against the tenant before it is first handed out.
//
// Errors are *Error values: they name the tenant and credential, say what to
// fix (AADSTS codes are translated), carry ErrorCategory ("auth" or
// "permission") and ErrorCode, and never contain a secret.
package auth
