// Package exoplay is the module root of exoplay, a declarative batch runner
// for Exchange Online administration. It holds the playbook JSON Schema
// (schema.json), embedded so that the loader, `exoplay schema` and editors
// share one copy.
//
// Layout (imports point down only):
//
//	cmd/exoplay -> internal/cli -> {runner, auth, transport, results, playbook, cloud, internal/emulator}
//	runner -> {playbook, results}
//	playbook -> exoplay (the schema)
//	auth, transport, results, cloud: leaves
package exoplay
