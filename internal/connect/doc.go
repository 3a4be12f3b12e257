// Package connect turns a playbook tenant into a signed-in session, for
// every command that talks to the service (run, auth login|status):
//
//   - Network: trust (--ca-file, EXOPLAY_CA_FILE) and dialling
//     (--connect-to, EXOPLAY_CONNECT_TO, curl's syntax) in the one
//     *http.Client that auth (MSAL) and transport share;
//   - Resolve: the tenant's cloud endpoints (cloud, overrides applied) and
//     its credential (secrets read from the environment or files now,
//     never earlier);
//   - Connect: the first token, whose tid auth checks, and the session's
//     anchors (the system mailbox at the initial domain for app-only
//     compliance calls); the session sends cmdlets through transport.
//
// It always uses the production cloud table: the emulator is reached by
// dialling, and nothing here knows whether it talks to Microsoft or to the
// emulator. Errors are plain errors; internal/cli alone maps them to exit
// codes. It is the only place where auth and transport meet, so neither
// imports the other and the runner sees neither.
package connect
