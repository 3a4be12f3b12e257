// Package exoplay is the module root of exoplay, a declarative batch runner
// for Exchange Online administration. It holds the playbook JSON Schema
// (schema.json, 2020-12) embedded as SchemaJSON, so that the loader
// (package playbook, which validates every file against it), `exoplay
// schema` and editors (through `# yaml-language-server: $schema=...`) share
// one copy. The playbook format is described in docs/playbook.md.
//
// Layout (imports point down only):
//
//	cmd/exoplay -> internal/cli -> {runner, auth, transport, results, playbook, cloud, internal/emulator}
//	runner -> {playbook, results}
//	playbook -> exoplay (the schema)
//	auth, transport, results, cloud: leaves
package exoplay
