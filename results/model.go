package results

import (
	"encoding/json"
	"time"
)

// SchemaVersion is the version of the results.json document. Field names are
// a stable API: add fields, never rename them.
const SchemaVersion = 1

// Status of a step, an item or a tenant.
type Status string

const (
	StatusOK         Status = "ok"
	StatusChanged    Status = "changed"
	StatusFailed     Status = "failed"
	StatusSkipped    Status = "skipped"
	StatusIncomplete Status = "incomplete"
)

// Results is the whole run: results.json.
type Results struct {
	SchemaVersion int       `json:"schema_version"`
	Run           Run       `json:"run"`
	Summary       Summary   `json:"summary"`
	Tenants       []*Tenant `json:"tenants"`
	// Waivers reports every waiver the run knew and how often it applied.
	Waivers []WaiverUse `json:"waivers,omitempty"`
}

// Run describes the invocation.
type Run struct {
	ID          string    `json:"id"`
	Dir         string    `json:"dir,omitempty"`
	Playbook    Playbook  `json:"playbook"`
	ToolVersion string    `json:"tool_version"`
	Started     time.Time `json:"started"`
	Finished    time.Time `json:"finished"`
	Mode        string    `json:"mode"` // run | check
	Argv        []string  `json:"argv"` // secrets redacted
	// Resumes counts the --resume invocations this run directory has seen.
	Resumes int `json:"resumes,omitempty"`
	// Shard is the part of the organizations the run covered (I/N);
	// empty when it covered them all.
	Shard string `json:"shard,omitempty"`
	// Merged says which shard runs `exoplay merge` combined into this one.
	Merged *Merged `json:"merged,omitempty"`
	// FailOn is the lowest severity whose fail sets exit code 3 ("" = any).
	FailOn string `json:"fail_on,omitempty"`
}

// Playbook identifies the playbook file that ran.
type Playbook struct {
	Name   string `json:"name"`
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// Summary holds the counts a reader checks first.
type Summary struct {
	Tenants         Counts          `json:"tenants"`
	Steps           Counts          `json:"steps"`
	Assertions      AssertionCounts `json:"assertions"`
	Calls           int             `json:"calls"`
	ThrottledWaits  int             `json:"throttled_waits"`
	DurationSeconds float64         `json:"duration_seconds"`
	Interrupted     bool            `json:"interrupted"`
	ExitCode        int             `json:"exit_code"`
	// Writes counts the write calls by outcome (writes.jsonl has each);
	// absent when the run sent none.
	Writes *WriteCounts `json:"writes,omitempty"`
}

// Counts of things by status.
type Counts struct {
	Total      int `json:"total"`
	OK         int `json:"ok"`
	Changed    int `json:"changed"`
	Failed     int `json:"failed"`
	Skipped    int `json:"skipped"`
	Incomplete int `json:"incomplete"`
}

// Add counts one more thing of status s.
func (c *Counts) Add(s Status) {
	c.Total++
	switch s {
	case StatusOK:
		c.OK++
	case StatusChanged:
		c.Changed++
	case StatusFailed:
		c.Failed++
	case StatusSkipped:
		c.Skipped++
	case StatusIncomplete:
		c.Incomplete++
	}
}

// AssertionCounts counts assertion outcomes over every tenant.
type AssertionCounts struct {
	Passed int `json:"passed"`
	Failed int `json:"failed"`
	ResultCounts
}

// Tenant is one organization's outcome.
type Tenant struct {
	Name         string     `json:"name"`
	Organization string     `json:"organization"`
	TenantID     string     `json:"tenant_id,omitempty"` // verified from the token's tid
	AuthMethod   string     `json:"auth_method,omitempty"`
	Groups       []string   `json:"groups,omitempty"` // from the playbook or inventory, for reports' filters
	Status       Status     `json:"status"`
	Error        *Error     `json:"error,omitempty"` // sign-in failure
	Started      *time.Time `json:"started,omitempty"`
	Finished     *time.Time `json:"finished,omitempty"`
	Steps        []*Step    `json:"steps"`
}

// Step is one step's outcome in one tenant.
type Step struct {
	ID      string `json:"id"`
	Name    string `json:"name,omitempty"`
	Cmdlet  string `json:"cmdlet"`
	Service string `json:"service"`
	Write   bool   `json:"write"`
	Status  Status `json:"status"`
	// Reason says why a step was skipped or is incomplete.
	Reason     string      `json:"reason,omitempty"`
	Attempts   Attempts    `json:"attempts"`
	Items      *Counts     `json:"items,omitempty"` // foreach steps only
	Output     *Output     `json:"output,omitempty"`
	Error      *Error      `json:"error,omitempty"`
	ItemErrors []ItemError `json:"item_errors,omitempty"`
	Assertions []Assertion `json:"assertions,omitempty"`
	WouldRun   []WouldRun  `json:"would_run,omitempty"` // check mode: the writes not sent
	Diffs      []Diff      `json:"diffs,omitempty"`     // ensure: steps: the objects that differ (diff.go)
	Warnings   []string    `json:"warnings,omitempty"`
	Duration   float64     `json:"duration_seconds"`
}

// Attempts aggregates the transport's statistics over a step's calls.
type Attempts struct {
	Calls            int     `json:"calls"`    // cmdlet invocations
	Attempts         int     `json:"attempts"` // including retries
	Requests         int     `json:"requests"` // HTTP requests, pages included
	Pages            int     `json:"pages"`
	ThrottledWaits   int     `json:"throttled_waits"`
	ThrottledSeconds float64 `json:"throttled_seconds"`
}

// Add accumulates o into a.
func (a *Attempts) Add(o Attempts) {
	a.Calls += o.Calls
	a.Attempts += o.Attempts
	a.Requests += o.Requests
	a.Pages += o.Pages
	a.ThrottledWaits += o.ThrottledWaits
	a.ThrottledSeconds += o.ThrottledSeconds
}

// Output is what a step returned, after select: the data file (relative to
// the run directory) and, when small, the objects themselves.
type Output struct {
	Objects int               `json:"objects"`
	Path    string            `json:"path,omitempty"`
	Inline  []json.RawMessage `json:"inline,omitempty"`
}

// Error is a classified failure.
type Error struct {
	Category string `json:"category"` // auth|permission|not_found|validation|throttled|transient|timeout|unknown
	Code     string `json:"code,omitempty"`
	Message  string `json:"message"`
}

func (e *Error) Error() string { return e.Category + ": " + e.Message }

// ItemError is the failure of one foreach item.
type ItemError struct {
	Index int    `json:"index"`
	Error *Error `json:"error"`
}

// Assertion is the outcome of one assert entry. Passed is false exactly
// when Result is fail or error; the other fields are in verdict.go.
type Assertion struct {
	ID       string `json:"id"`
	Passed   bool   `json:"passed"`
	Message  string `json:"message,omitempty"`
	Severity string `json:"severity,omitempty"`
	Error    string `json:"error,omitempty"` // the expression could not be evaluated
	Verdict
}

// WouldRun is a write that check mode did not send.
type WouldRun struct {
	Item       *int           `json:"item,omitempty"`
	Parameters map[string]any `json:"parameters"`
}

// Final reports whether s is the outcome of a finished cell or step.
func (s Status) Final() bool {
	switch s {
	case StatusOK, StatusChanged, StatusFailed, StatusSkipped:
		return true
	}
	return false
}
