package results

import _ "embed"

// SchemaJSON is the JSON Schema (2020-12) of results.json.
//
//go:embed results.schema.json
var SchemaJSON []byte
