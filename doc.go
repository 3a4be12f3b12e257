// Package exoplay is the module root of exoplay, a declarative batch runner
// for Exchange Online administration. It holds the playbook JSON Schema
// (schema.json, 2020-12) embedded as SchemaJSON, so that the loader
// (package playbook, which validates every file against it), `exoplay
// schema` and editors (through `# yaml-language-server: $schema=...`) share
// one copy. The playbook format is described in docs/playbook.md.
//
// Layout (imports point down only; DESIGN.md §1, enforced by
// TestImportsFollowDesignLayers in layering_test.go):
//
//	cmd/exoplay -> internal/cli -> {internal/connect, runner, report, notify, results, playbook, baseline, internal/cassette, exoplay, internal/emulator}
//	internal/connect -> {auth, transport, runner, playbook, internal/cassette}
//	runner -> {playbook, results}
//	report, notify -> results
//	playbook -> exoplay (the schema)
//	results, auth, transport, exoplay, baseline, internal/cassette: nothing of the module but the leaves
//	leaves, importable by every layer, importing nothing: cloud, cmdlet, internal/inputfile,
//	internal/wait, internal/atomicfile, internal/category
//	internal/emulator: nothing of the product, not even the leaves
//	bench, examples, deploy: tools and tests, never imported by the product
package exoplay
