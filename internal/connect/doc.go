// Package connect turns a playbook tenant into a signed-in runner.Session: it
// resolves the tenant's cloud endpoints (cloud), builds its credential from
// the playbook's auth section (secrets resolved from the environment or
// files at this point, never earlier), gets and checks the first token
// (auth), and sends cmdlets through the REST client (transport).
//
// It is the only place where auth and transport meet, so that neither has
// to import the other and the runner sees neither.
package connect
