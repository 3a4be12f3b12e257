package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/exoplay/exoplay/playbook"
	"github.com/spf13/cobra"
)

type planOptions struct {
	playbook string
	format   string
	sel      selectionFlags
}

func newPlanCmd(s *streams) *cobra.Command {
	opts := &planOptions{}
	cmd := &cobra.Command{
		Use:   "plan PLAYBOOK",
		Short: "Show the tenants x steps a run would do, without any network",
		Long: `plan loads the playbook, applies --limit, --shard, --tags, --skip-tags and
--var exactly as run does, and lists for every selected tenant the steps that
would run, writes marked as writes, with parameters resolved where they do
not depend on results of earlier steps (those show the expression). No
token is requested and no call is made.`,
		Example: `  exoplay plan examples/quickstart.yaml
  exoplay plan playbook.yaml --limit 'eu,!contoso' --tags remediate
  exoplay plan playbook.yaml --shard 2/4 --format json | jq '.summary'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.playbook = args[0]
			return runPlan(s, opts)
		},
	}
	opts.sel.addTo(cmd.Flags())
	cmd.Flags().StringVar(&opts.format, "format", "text", "output: text or json")
	return cmd
}

// planDoc is the JSON form of a plan (--format json).
type planDoc struct {
	Playbook planPlaybook `json:"playbook"`
	Shard    string       `json:"shard,omitempty"`
	Tenants  []planTenant `json:"tenants"`
	Summary  planSummary  `json:"summary"`
}

type planPlaybook struct {
	Name   string `json:"name"`
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

type planTenant struct {
	Name         string     `json:"name"`
	Organization string     `json:"organization,omitempty"`
	TenantID     string     `json:"tenant_id,omitempty"`
	Environment  string     `json:"environment"`
	Auth         string     `json:"auth,omitempty"`
	Groups       []string   `json:"groups,omitempty"`
	Steps        []planStep `json:"steps"`
}

type planStep struct {
	ID         string      `json:"id"`
	Name       string      `json:"name,omitempty"`
	Cmdlet     string      `json:"cmdlet"`
	Service    string      `json:"service"`
	Write      bool        `json:"write"`
	When       *planValue  `json:"when,omitempty"`
	Foreach    *planValue  `json:"foreach,omitempty"`
	Parameters []planParam `json:"parameters,omitempty"`
	Select     []string    `json:"select,omitempty"`
	Register   string      `json:"register,omitempty"`
	Tags       []string    `json:"tags,omitempty"`
	Assertions []string    `json:"assertions,omitempty"`
	// Skipped is true when when resolved to false at plan time.
	Skipped bool `json:"skipped,omitempty"`
}

// planValue is a value resolved at plan time, or its source when it
// depends on run-time results (Resolved false).
type planValue struct {
	Source   string `json:"source"`
	Resolved bool   `json:"resolved"`
	Value    any    `json:"value"` // meaningful only when Resolved (false and 0 included)
	Error    string `json:"error,omitempty"`
}

type planParam struct {
	Name string `json:"name"`
	planValue
}

type planSummary struct {
	Tenants int `json:"tenants"`
	Steps   int `json:"steps"`
	Cells   int `json:"cells"`
	Writes  int `json:"writes"`
	Skipped int `json:"skipped"`
}

func runPlan(s *streams, opts *planOptions) error {
	if opts.format != "text" && opts.format != "json" {
		return exitf(ExitInvalid, "--format must be text or json, not %q", opts.format)
	}
	l, err := opts.sel.load(opts.playbook)
	if err != nil {
		return reportLoadError(s, err)
	}
	doc := buildPlan(l)
	if opts.format == "json" {
		enc := json.NewEncoder(s.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	}
	return writePlanText(s.Out, doc)
}

func buildPlan(l *loaded) *planDoc {
	pb := l.playbook
	steps := l.steps(pb)
	doc := &planDoc{
		Playbook: planPlaybook{Name: pb.Name, Path: pb.Path, SHA256: pb.SHA256},
		Shard:    l.shard.String(),
		Tenants:  []planTenant{},
	}
	doc.Summary.Tenants = len(l.tenants)
	doc.Summary.Steps = len(steps)
	for _, t := range l.tenants {
		scope := pb.Scope(t, l.vars)
		pt := planTenant{Name: t.Name, Organization: t.Organization, TenantID: t.TenantID,
			Environment: t.Environment, Auth: t.Auth, Groups: t.Groups, Steps: []planStep{}}
		for _, st := range steps {
			ps := planStep{ID: st.ID, Name: st.Name, Cmdlet: st.Cmdlet, Service: st.Service, Write: st.Write,
				Select: st.Select, Register: st.Register, Tags: st.Tags}
			if st.When != nil {
				ps.When = resolve(st.When, scope)
				if ps.When.Resolved && ps.When.Value == false {
					ps.Skipped = true
					doc.Summary.Skipped++
				}
			}
			if st.Foreach != nil {
				ps.Foreach = resolve(st.Foreach, scope)
			}
			for _, p := range st.Parameters {
				ps.Parameters = append(ps.Parameters, planParam{Name: p.Name, planValue: *resolve(p.Value, scope)})
			}
			for _, a := range st.Assert {
				ps.Assertions = append(ps.Assertions, a.ID)
			}
			if st.Write && !ps.Skipped {
				doc.Summary.Writes++
			}
			doc.Summary.Cells++
			pt.Steps = append(pt.Steps, ps)
		}
		doc.Tenants = append(doc.Tenants, pt)
	}
	return doc
}

// dependsOnRun reports whether v reads a name the plan scope lacks (a
// register, item or result), known only while running.
func dependsOnRun(v *playbook.Value, scope playbook.Scope) bool {
	for _, r := range v.Refs() {
		if _, known := scope[r]; !known {
			return true
		}
	}
	return false
}

func resolve(v *playbook.Value, scope playbook.Scope) *planValue {
	pv := &planValue{Source: v.Source()}
	if dependsOnRun(v, scope) {
		return pv
	}
	val, err := v.Eval(scope)
	if err != nil {
		pv.Error = err.Error()
		return pv
	}
	pv.Resolved, pv.Value = true, val
	return pv
}

func writePlanText(w io.Writer, doc *planDoc) error {
	fmt.Fprintf(w, "Plan for %s (%s)", doc.Playbook.Name, doc.Playbook.Path)
	if doc.Shard != "" {
		fmt.Fprintf(w, ", shard %s", doc.Shard)
	}
	fmt.Fprintf(w, "\n%d tenants x %d steps = %d cells, %d writes, %d skipped by when\n",
		doc.Summary.Tenants, doc.Summary.Steps, doc.Summary.Cells, doc.Summary.Writes, doc.Summary.Skipped)
	for _, t := range doc.Tenants {
		org := t.Organization
		if org == "" {
			org = t.TenantID
		}
		fmt.Fprintf(w, "\n%s  %s  %s", t.Name, org, t.Environment)
		if t.Auth != "" {
			fmt.Fprintf(w, "  auth=%s", t.Auth)
		}
		fmt.Fprintln(w)
		idW, cmdW := 0, 0
		for _, st := range t.Steps {
			idW, cmdW = max(idW, len(st.ID)), max(cmdW, len(st.Cmdlet))
		}
		for i, st := range t.Steps {
			kind := "read "
			if st.Write {
				kind = "WRITE"
			}
			var notes []string
			if st.Skipped {
				notes = append(notes, "skipped: when is false")
			} else if st.When != nil {
				notes = append(notes, "when "+show(st.When))
			}
			if st.Foreach != nil {
				notes = append(notes, "foreach "+show(st.Foreach))
			}
			if st.Register != "" {
				notes = append(notes, "register "+st.Register)
			}
			if len(st.Assertions) > 0 {
				notes = append(notes, "assert "+strings.Join(st.Assertions, ","))
			}
			num := fmt.Sprintf("%d.", i+1)
			line := fmt.Sprintf("  %-4s %-*s  %-*s  %s  %s", num, idW, st.ID, cmdW, st.Cmdlet, kind, strings.Join(notes, "; "))
			fmt.Fprintln(w, strings.TrimRight(line, " "))
			for _, p := range st.Parameters {
				fmt.Fprintf(w, "  %-4s %-*s    -%s %s\n", "", idW, "", p.Name, show(&p.planValue))
			}
		}
	}
	return nil
}

// show renders a plan value: the resolved value, or the expression marked
// as resolved at run time.
func show(v *planValue) string {
	switch {
	case v.Error != "":
		return v.Source + "  (error: " + v.Error + ")"
	case !v.Resolved:
		return v.Source + "  (at run time)"
	}
	switch x := v.Value.(type) {
	case string:
		return fmt.Sprintf("%q", x)
	case nil:
		return "$null"
	}
	b, err := json.Marshal(v.Value)
	if err != nil {
		return fmt.Sprint(v.Value)
	}
	return string(b)
}
