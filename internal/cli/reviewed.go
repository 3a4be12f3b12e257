package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/exoplay/exoplay/results"
	"github.com/exoplay/exoplay/runner"
)

// reviewedFormat names the file `plan --out` writes.
const reviewedFormat = "exoplay-plan/1"

// reviewedPlan is what `exoplay plan --out FILE` writes for review and
// `run --plan FILE` enforces: the playbook's hash, every inventory file's
// hash, the resolved tenants and the selection (results.Inputs, the record
// a resume checks too). No parameter values: nothing secret.
type reviewedPlan struct {
	Format   string          `json:"format"`
	Playbook planPlaybook    `json:"playbook"`
	Inputs   *results.Inputs `json:"inputs"`
	Summary  planSummary     `json:"summary"`
	Rollout  *planRollout    `json:"rollout,omitempty"`
	// Writes, with --check-reads (WritesChecked), are the only writes
	// run --plan sends (planwrites.go).
	WritesChecked bool           `json:"writes_checked,omitempty"`
	Writes        []plannedWrite `json:"writes,omitempty"`

	digest string // sha256 of the file as read, journaled by run --plan
}

func writeReviewedPlan(path string, p *runner.Plan, doc *planDoc, writes []plannedWrite) error {
	rp := reviewedPlan{Format: reviewedFormat, Playbook: doc.Playbook, Inputs: p.Inputs(), Summary: doc.Summary, Rollout: doc.Rollout,
		WritesChecked: writes != nil, Writes: writes}
	b, err := json.MarshalIndent(rp, "", "  ")
	if err != nil {
		return exitf(ExitStepFailed, "--out: %v", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return exitf(ExitStepFailed, "--out: %v", err)
	}
	return nil
}

func readReviewedPlan(path string) (*reviewedPlan, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, exitf(ExitInvalid, "--plan: %v", err)
	}
	var rp reviewedPlan
	if err := json.Unmarshal(b, &rp); err != nil || rp.Format != reviewedFormat || rp.Inputs == nil {
		return nil, exitf(ExitInvalid, "--plan %s is not a plan written by `exoplay plan --out` (format %s)", path, reviewedFormat)
	}
	sum := sha256.Sum256(b)
	rp.digest = hex.EncodeToString(sum[:])
	return &rp, nil
}

// loadReviewed plans the run of a reviewed plan: each selection flag not
// given comes from the plan, and the run is refused (exit 2) when the
// playbook, an inventory file, the tenants or the selection differ from
// what was reviewed.
func loadReviewed(ios *streams, opts *runOptions) (*runner.Plan, error) {
	rp, err := readReviewedPlan(opts.planFile)
	if err != nil {
		return nil, err
	}
	sel, err := opts.sel.selection()
	if err != nil {
		return nil, err
	}
	if sel, err = runner.ResumeSelection(rp.Inputs.Selection, sel, opts.sel.given); err != nil {
		return nil, exitf(ExitInvalid, "--plan %s: %v", opts.planFile, err)
	}
	plan, err := opts.sel.audit.loadPlan(opts.playbook, sel)
	if err != nil {
		return nil, reportLoadError(ios, err)
	}
	var diffs []string
	if pb := plan.Playbook; pb.SHA256 != rp.Playbook.SHA256 {
		diffs = append(diffs, fmt.Sprintf("playbook %s changed (sha256 %.12s…, now %.12s…)", pb.Path, rp.Playbook.SHA256, pb.SHA256))
	}
	diffs = append(diffs, runner.DiffInputs(rp.Inputs, plan.Inputs())...)
	if len(diffs) > 0 {
		return nil, exitf(ExitInvalid, "the run differs from the reviewed plan %s:\n  %s\nreview a new plan (exoplay plan --out) or run as reviewed", opts.planFile, strings.Join(diffs, "\n  "))
	}
	if rp.WritesChecked {
		opts.gate = newWriteGate(rp.Writes) // planwrites.go
	}
	plan.Reviewed = &results.FileDigest{Path: opts.planFile, SHA256: rp.digest}
	return plan, nil
}

// requirePlan refuses a run that writes to more than
// settings.require_plan_over tenants without --plan.
func requirePlan(opts *runOptions, plan *runner.Plan) error {
	n := plan.Playbook.Settings.RequirePlanOver
	if n <= 0 || opts.planFile != "" || opts.check || len(plan.Tenants) <= n {
		return nil
	}
	for _, ps := range plan.Steps {
		if ps.Selected && ps.Write {
			return exitf(ExitInvalid, "this run writes to %d tenants, more than require_plan_over %d: review a plan first (exoplay plan %s --out plan.json) and run it with --plan plan.json", len(plan.Tenants), n, opts.playbook)
		}
	}
	return nil
}
