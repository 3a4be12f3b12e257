package notify

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/exoplay/exoplay/results"
)

// maxFailing bounds the failing tenants listed in a notification; the rest
// are counted in more_failing.
const maxFailing = 25

// Summary is the generic JSON body (format json).
type Summary struct {
	Type            string                  `json:"type"` // exoplay.run.finished
	RunID           string                  `json:"run_id"`
	Playbook        string                  `json:"playbook"`
	Mode            string                  `json:"mode"`
	Shard           string                  `json:"shard,omitempty"`
	Status          string                  `json:"status"` // ok | failed | non_compliant | auth_failed | incomplete
	ExitCode        int                     `json:"exit_code"`
	Started         time.Time               `json:"started"`
	Finished        time.Time               `json:"finished"`
	DurationSeconds float64                 `json:"duration_seconds"`
	Tenants         results.Counts          `json:"tenants"`
	Steps           results.Counts          `json:"steps"`
	Assertions      results.AssertionCounts `json:"assertions"`
	FailingTenants  []Failing               `json:"failing_tenants"`
	MoreFailing     int                     `json:"more_failing,omitempty"`
	Results         string                  `json:"results"` // path of results.json
}

// Failing is a tenant that did not end ok: its status and, as ids only,
// what went wrong.
type Failing struct {
	Name   string   `json:"name"`
	Status string   `json:"status"`
	Errors []string `json:"errors,omitempty"`     // "step-id: category[/code]"
	Failed []string `json:"assertions,omitempty"` // ids of failed assertions
}

// Summarize builds the summary of a finished run whose directory is dir.
func Summarize(res *results.Results, dir string) *Summary {
	s := &Summary{
		Type: "exoplay.run.finished", RunID: res.Run.ID, Playbook: res.Run.Playbook.Name, Mode: res.Run.Mode,
		Shard: res.Run.Shard, Status: statusOf(res.Summary.ExitCode), ExitCode: res.Summary.ExitCode,
		Started: res.Run.Started, Finished: res.Run.Finished, DurationSeconds: res.Summary.DurationSeconds,
		Tenants: res.Summary.Tenants, Steps: res.Summary.Steps, Assertions: res.Summary.Assertions,
		FailingTenants: []Failing{},
		Results:        filepath.Join(dir, results.ResultsFile),
	}
	for _, t := range res.Tenants {
		f := failing(t)
		if f == nil {
			continue
		}
		if len(s.FailingTenants) == maxFailing {
			s.MoreFailing++
			continue
		}
		s.FailingTenants = append(s.FailingTenants, *f)
	}
	return s
}

func failing(t *results.Tenant) *Failing {
	f := &Failing{Name: t.Name, Status: string(t.Status)}
	if t.Error != nil {
		f.Errors = append(f.Errors, "sign-in: "+errID(t.Error))
	}
	for _, st := range t.Steps {
		if st.Error != nil {
			f.Errors = append(f.Errors, st.ID+": "+errID(st.Error))
		}
		for _, a := range st.Assertions {
			if !a.Passed {
				f.Failed = append(f.Failed, a.ID)
			}
		}
	}
	if t.Status != results.StatusFailed && t.Status != results.StatusIncomplete && len(f.Failed) == 0 {
		return nil
	}
	return f
}

// errID names an error by category and code, never by its message.
func errID(e *results.Error) string {
	if e.Code != "" {
		return e.Category + "/" + e.Code
	}
	return e.Category
}

func statusOf(code int) string {
	switch code {
	case results.ExitOK:
		return "ok"
	case results.ExitNonCompliant:
		return "non_compliant"
	case results.ExitAuthFailed:
		return "auth_failed"
	case results.ExitInterrupted:
		return "incomplete"
	default:
		return "failed"
	}
}

// Body renders the summary in a format: json, teams or slack.
func Body(format string, s *Summary) ([]byte, error) {
	switch format {
	case "", "json":
		return json.Marshal(s)
	case "teams":
		return json.Marshal(teams(s))
	case "slack":
		return json.Marshal(slack(s))
	}
	return nil, fmt.Errorf("notify format %q is not json, teams or slack", format)
}

func (s *Summary) title() string {
	shard := ""
	if s.Shard != "" {
		shard = " (shard " + s.Shard + ")"
	}
	return fmt.Sprintf("exoplay %s%s: %s (exit %d)", s.Playbook, shard, strings.ReplaceAll(s.Status, "_", "-"), s.ExitCode)
}

func (s *Summary) facts() [][2]string {
	c := func(n results.Counts) string {
		return fmt.Sprintf("%d: %d ok, %d changed, %d failed, %d skipped, %d incomplete", n.Total, n.OK, n.Changed, n.Failed, n.Skipped, n.Incomplete)
	}
	return [][2]string{
		{"Run", s.RunID},
		{"Tenants", c(s.Tenants)},
		{"Steps", c(s.Steps)},
		{"Assertions", fmt.Sprintf("%d passed, %d failed", s.Assertions.Passed, s.Assertions.Failed)},
		{"Duration", (time.Duration(s.DurationSeconds * float64(time.Second))).Round(time.Second).String()},
		{"Results", s.Results},
	}
}

func (s *Summary) failingLines() []string {
	var out []string
	for _, f := range s.FailingTenants {
		what := append(append([]string(nil), f.Errors...), f.Failed...)
		sort.Strings(what)
		out = append(out, fmt.Sprintf("%s (%s): %s", f.Name, f.Status, strings.Join(what, ", ")))
	}
	if s.MoreFailing > 0 {
		out = append(out, fmt.Sprintf("… and %d more", s.MoreFailing))
	}
	return out
}

// teams is a message with an Adaptive Card, as Teams workflow webhooks
// ("Post to a channel when a webhook request is received") take it.
func teams(s *Summary) any {
	var facts []map[string]string
	for _, f := range s.facts() {
		facts = append(facts, map[string]string{"title": f[0], "value": f[1]})
	}
	body := []any{
		map[string]any{"type": "TextBlock", "text": s.title(), "weight": "Bolder", "size": "Medium", "wrap": true},
		map[string]any{"type": "FactSet", "facts": facts},
	}
	if lines := s.failingLines(); len(lines) > 0 {
		body = append(body, map[string]any{"type": "TextBlock", "text": "Failing tenants:\n\n- " + strings.Join(lines, "\n- "), "wrap": true})
	}
	return map[string]any{
		"type": "message",
		"attachments": []any{map[string]any{
			"contentType": "application/vnd.microsoft.card.adaptive",
			"content": map[string]any{
				"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
				"type":    "AdaptiveCard",
				"version": "1.4",
				"body":    body,
			},
		}},
	}
}

// slack is a message with a text fallback and blocks, as Slack incoming
// webhooks take it.
func slack(s *Summary) any {
	var b strings.Builder
	for _, f := range s.facts() {
		fmt.Fprintf(&b, "*%s*: %s\n", f[0], f[1])
	}
	blocks := []any{
		map[string]any{"type": "header", "text": map[string]any{"type": "plain_text", "text": s.title()}},
		map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": strings.TrimSpace(b.String())}},
	}
	if lines := s.failingLines(); len(lines) > 0 {
		blocks = append(blocks, map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": "*Failing tenants*\n• " + strings.Join(lines, "\n• ")}})
	}
	return map[string]any{"text": s.title(), "blocks": blocks}
}
