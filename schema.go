package exoplay

import _ "embed"

// SchemaJSON is the JSON Schema (2020-12) of playbook files.
//
//go:embed schema.json
var SchemaJSON []byte
