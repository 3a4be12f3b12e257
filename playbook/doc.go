// Package playbook loads exoplay playbooks: YAML (through yaml.v3 nodes, so
// every value keeps its file:line:col) into the typed model of model.go,
// checked against the embedded JSON Schema and by semantic rules, with every
// ${{ }} expression compiled for the scope it will have at run time. All
// problems are reported at once as Diagnostics.
package playbook
