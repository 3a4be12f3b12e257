// Package results is the outcome of an exoplay run and its run directory
// (DESIGN.md §4): the results model written as results.json, the events.jsonl
// journal that is also the resume log, the per-step data files under data/,
// the status and exit-code rules, and the text and JSON printers for stdout.
//
// It imports nothing else of the module but the leaves (cloud, cmdlet, internal/inputfile): the runner fills the model, the CLI
// prints it.
package results
