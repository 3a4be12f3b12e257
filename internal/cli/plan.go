package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/spf13/cobra"

	"github.com/exoplay/exoplay/internal/connect"
	"github.com/exoplay/exoplay/runner"
)

type planOptions struct {
	IO       *streams // the command's standard streams
	playbook string
	format   string
	sel      selectionFlags
	out      string // reviewed.go
	// checkReads, network: plan --check-reads (planwrites.go).
	checkReads bool
	network    connect.Network
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
			opts.IO = s
			return runPlan(cmd.Context(), opts)
		},
	}
	opts.sel.addTo(cmd.Flags())
	formatVar(cmd.Flags(), &opts.format, "output: text or json", textOrJSON)
	cmd.Flags().BoolVar(&opts.checkReads, "check-reads", false, "sign in and run the reads (as run --check) and list the exact writes each tenant would receive; with --out, run --plan sends only those")
	addNetworkFlags(cmd.Flags(), &opts.network)
	cmd.Flags().StringVar(&opts.out, "out", "", "also write the plan for review to `FILE` (playbook and inventory hashes, tenants, selection), for run --plan")
	return cmd
}

// planDoc is the JSON form of a plan (--format json).
type planDoc struct {
	Playbook planPlaybook `json:"playbook"`
	Shard    string       `json:"shard,omitempty"`
	Tenants  []planTenant `json:"tenants"`
	Rollout  *planRollout `json:"rollout,omitempty"` // plan_waves.go
	Summary  planSummary  `json:"summary"`
	// With --check-reads: the writes from live reads (planwrites.go).
	WritesChecked bool           `json:"writes_checked,omitempty"`
	Writes        []plannedWrite `json:"writes,omitempty"`
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
	ID      string     `json:"id"`
	Name    string     `json:"name,omitempty"`
	Cmdlet  string     `json:"cmdlet"`
	Service string     `json:"service"`
	Write   bool       `json:"write"`
	When    *planValue `json:"when,omitempty"`
	Foreach *planValue `json:"foreach,omitempty"`
	// ForeachItems counts a resolved foreach's items; the items themselves
	// are not shown (foreachShown).
	ForeachItems *int        `json:"foreach_items,omitempty"`
	Parameters   []planParam `json:"parameters,omitempty"`
	Select       []string    `json:"select,omitempty"`
	Register     string      `json:"register,omitempty"`
	Tags         []string    `json:"tags,omitempty"`
	Assertions   []string    `json:"assertions,omitempty"`
	// Needs lists the earlier steps whose registers this step reads;
	// Unselected those of them the selection leaves out (their registers
	// will be empty).
	Needs      []string `json:"needs,omitempty"`
	Unselected []string `json:"needs_unselected,omitempty"`
	// Skipped is true when when resolved to false at plan time.
	Skipped bool `json:"skipped,omitempty"`
	// EnsureRead is, for an ensure: step, the cmdlet that reads the object
	// first: the write is sent only where the state differs.
	EnsureRead string `json:"ensure_read,omitempty"`
}

// planValue is a value resolved at plan time, or its source when it
// depends on run-time results (Resolved false).
type planValue = runner.PlanValue

type planParam = runner.ResolvedParam

type planSummary struct {
	Tenants int `json:"tenants"`
	Steps   int `json:"steps"`
	Cells   int `json:"cells"`
	Writes  int `json:"writes"`
	Skipped int `json:"skipped"`
}

func runPlan(ctx context.Context, opts *planOptions) error {
	s := opts.IO
	p, err := opts.sel.load(opts.playbook)
	if err != nil {
		return reportLoadError(s, err)
	}
	s = s.scrubbed(commandSecrets(p.Playbook, p.Selection.Vars)) // resolved parameters may hold them
	doc := buildPlan(p)
	var writes []plannedWrite // nil: not checked
	if opts.checkReads {
		if writes, err = checkReads(ctx, opts); err != nil { // planwrites.go
			return err
		}
		doc.WritesChecked, doc.Writes = true, writes
	}
	if opts.out != "" {
		if err := writeReviewedPlan(opts.out, p, doc, writes); err != nil {
			return err
		}
	}
	if opts.format == "json" {
		return writeJSON(s.Out, doc)
	}
	if err := writePlanText(s.Out, doc); err != nil || writes == nil {
		return err
	}
	return writePlannedWrites(s.Out, writes)
}

// buildPlan renders a runner.Plan, the one the run would execute, with
// each step resolved for each tenant where possible.
func buildPlan(p *runner.Plan) *planDoc {
	pb := p.Playbook
	doc := &planDoc{
		Playbook: planPlaybook{Name: pb.Name, Path: pb.Path, SHA256: pb.SHA256},
		Shard:    p.Selection.Shard.String(),
		Tenants:  []planTenant{},
	}
	doc.Summary.Tenants = len(p.Tenants)
	doc.Rollout = rolloutShown(p)
	doc.Summary.Steps = len(p.Selected())
	for _, t := range p.Tenants {
		pt := planTenant{Name: t.Name, Organization: t.Organization, TenantID: t.TenantID,
			Environment: t.Environment, Auth: t.Auth, Groups: t.Groups, Steps: []planStep{}}
		for _, ts := range p.Resolve(t) {
			ps := planStep{ID: ts.ID, Name: ts.Name, Cmdlet: ts.Cmdlet, Service: ts.Service, Write: ts.Write,
				Select: ts.Select, Register: ts.Register, Tags: ts.Tags,
				When: ts.When, Parameters: ts.Parameters, Skipped: ts.Skipped}
			ps.Foreach, ps.ForeachItems = foreachShown(ts.Foreach)
			if ts.Ensure != nil {
				ps.EnsureRead = ts.Ensure.Read
			}
			for _, a := range ts.Assert {
				ps.Assertions = append(ps.Assertions, a.ID)
			}
			for _, d := range ts.Needs {
				ps.Needs = append(ps.Needs, d.ID)
			}
			for _, d := range ts.Unselected() {
				ps.Unselected = append(ps.Unselected, d.ID)
			}
			if ps.Skipped {
				doc.Summary.Skipped++
			}
			if ts.Write && !ps.Skipped {
				doc.Summary.Writes++
			}
			doc.Summary.Cells++
			pt.Steps = append(pt.Steps, ps)
		}
		doc.Tenants = append(doc.Tenants, pt)
	}
	return doc
}

func writePlanText(w io.Writer, doc *planDoc) error {
	fmt.Fprintf(w, "Plan for %s (%s)", doc.Playbook.Name, doc.Playbook.Path)
	if doc.Shard != "" {
		fmt.Fprintf(w, ", shard %s", doc.Shard)
	}
	fmt.Fprintf(w, "\n%d tenants x %d steps = %d cells, %d writes, %d skipped by when\n",
		doc.Summary.Tenants, doc.Summary.Steps, doc.Summary.Cells, doc.Summary.Writes, doc.Summary.Skipped)
	writeRolloutText(w, doc.Rollout)
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
			switch {
			case st.ForeachItems != nil:
				notes = append(notes, fmt.Sprintf("foreach %s (%d items)", st.Foreach.Source, *st.ForeachItems))
			case st.Foreach != nil:
				notes = append(notes, "foreach "+show(st.Foreach))
			}
			if st.Register != "" {
				notes = append(notes, "register "+st.Register)
			}
			if st.EnsureRead != "" {
				notes = append(notes, "ensure: reads "+st.EnsureRead+" first, writes only what differs")
			}
			if len(st.Unselected) > 0 {
				notes = append(notes, "reads the register of "+strings.Join(st.Unselected, ",")+", which the selection leaves out")
			}
			if len(st.Assertions) > 0 {
				notes = append(notes, "assert "+strings.Join(st.Assertions, ","))
			}
			num := fmt.Sprintf("%d.", i+1)
			line := fmt.Sprintf("  %-4s %-*s  %-*s  %s  %s", num, idW, st.ID, cmdW, st.Cmdlet, kind, strings.Join(notes, "; "))
			fmt.Fprintln(w, strings.TrimRight(line, " "))
			for _, p := range st.Parameters {
				fmt.Fprintf(w, "  %-4s %-*s    -%s %s\n", "", idW, "", p.Name, show(&p.PlanValue))
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

// foreachShown is how the plan shows a foreach: a resolved list by its item
// count, never by its items. The list can be far larger than its source
// (`map(1..200000, m)` over a nested map printed 9.4 MB per tenant, and
// gigabytes for a larger map), and run --check never renders it either, so
// plan does no more work than the run it describes.
func foreachShown(v *planValue) (*planValue, *int) {
	if v == nil || !v.Resolved {
		return v, nil
	}
	n := 0
	if rv := reflect.ValueOf(v.Value); rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		n = rv.Len()
	} else if v.Value != nil {
		n = 1 // EvalList makes a single mapping a list of one
	}
	return &planValue{Source: v.Source, Resolved: true}, &n
}
