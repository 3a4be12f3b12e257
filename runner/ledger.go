package runner

import (
	"fmt"
	"regexp"

	"github.com/exoplay/exoplay/cmdlet"
	"github.com/exoplay/exoplay/results"
)

// noOpRE matches the service's answer to a Set- that changed nothing
// ("The command completed successfully but no settings of '<id>' have been
// modified."): such a write is unchanged, not changed.
var noOpRE = regexp.MustCompile(`(?i)no settings of '.*' have been modified`)

func noOp(warnings []string) bool {
	for _, w := range warnings {
		if noOpRE.MatchString(w) {
			return true
		}
	}
	return false
}

// ledger records a write cell's outcome in writes.jsonl: every write that
// was sent, and every one whose earlier send a resume could not confirm.
// A ledger that cannot be written stops the run like the journal: a write
// would otherwise leave no record.
func (s *stepRun) ledger(c *cell, outcome string) {
	tr := s.tr
	rec := results.WriteRecord{
		Time: tr.r.clock.now().UTC(), Started: c.x().started, Tenant: tr.t.Name, Step: s.st.ID, Cmdlet: s.st.Cmdlet,
		Item: c.itemPtr(), Identity: identity(c), Parameters: redactParams(c.x().call.Parameters),
		Outcome: outcome, Error: c.err, Warnings: c.warnings, Attempts: c.attempts.Attempts - c.x().readAtt,
	}
	if c.diff != nil {
		rec.Diff = c.diff.Properties
	}
	if tr.sess != nil {
		rec.TenantID = tr.sess.TenantID()
	}
	if err := tr.r.opts.Dir.Ledger().Record(rec); err != nil {
		tr.r.journalFailed(fmt.Errorf("the write ledger %s cannot be written: %w", results.WritesFile, err))
	}
}

// outcome is a finished write cell's ledger outcome.
func outcome(c *cell) string {
	switch {
	case c.status == results.StatusChanged:
		return results.WriteConfirmed
	case c.status == results.StatusOK:
		return results.WriteUnchanged
	case c.err != nil && c.err.Code == "outcome_unknown":
		return results.WriteUnknown
	case c.err != nil && c.err.Code == results.CodeNotInPlan:
		return results.WriteBlocked
	}
	return results.WriteFailed
}

// identity names the object a write was about: its Identity (or Name)
// parameter, or the foreach item's Identity or Name, each found in any case
// as PowerShell binds them (cmdlet.Property).
func identity(c *cell) string {
	item, _ := c.item.(map[string]any)
	for _, m := range []map[string]any{c.x().call.Parameters, item} {
		for _, k := range []string{"Identity", "Name"} {
			if v, ok := cmdlet.Property(m, k); ok && v != nil {
				return fmt.Sprint(v)
			}
		}
	}
	return ""
}
