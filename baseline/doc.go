// Package baseline holds the compliance baselines shipped in the exoplay
// binary, as playbooks embedded with go:embed: exo.yaml is the Exchange
// Online baseline (40 controls of exchange-audit-controls.md, plus SPF and
// DMARC as manual controls).
//
// Layering (DESIGN.md §1): a data leaf beside the module root's embedded
// schema. It imports nothing of the module; internal/cli reads it for
// `exoplay baseline`, `exoplay audit` and the "baseline:NAME" names of
// include:, and hands the bytes to playbook.Load through
// LoadOptions.Include, so the playbook package needs no knowledge of it.
package baseline
