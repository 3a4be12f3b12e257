package cli

import (
	"context"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/exoplay/exoplay/cmdlet"
	"github.com/exoplay/exoplay/playbook"
)

type cmdletOptions struct {
	IO      *streams // the command's standard streams
	name    string   // show
	pattern string   // list
	service string
	format  string
}

func newCmdletCmd(ios *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cmdlet",
		Short: "Look up cmdlets in the catalog validate checks playbooks against",
		Long: `The cmdlet catalog holds, for every cmdlet Microsoft's cmdlet reference marks as
available in Exchange Online or Security & Compliance, its parameter sets and
each parameter's type, required-ness, position, aliases and accepted values,
and whether it reads or writes. validate, plan and run check steps against it.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newCmdletShowCmd(ios), newCmdletListCmd(ios))
	return cmd
}

func newCmdletShowCmd(ios *streams) *cobra.Command {
	opts := &cmdletOptions{}
	cmd := &cobra.Command{
		Use:     "show NAME",
		Short:   "Print one cmdlet's facts: services, parameter sets, parameters",
		Example: "  exoplay cmdlet show Set-CASMailbox\n  exoplay cmdlet show get-mailbox --format json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.name = args[0]
			opts.IO = ios
			return runCmdletShow(cmd.Context(), opts)
		},
	}
	formatVar(cmd.Flags(), &opts.format, "text|json", textOrJSON)
	return cmd
}

func newCmdletListCmd(ios *streams) *cobra.Command {
	opts := &cmdletOptions{}
	cmd := &cobra.Command{
		Use:   "list [PATTERN]",
		Short: "List the cmdlets whose names match PATTERN (a glob, or a part of the name)",
		Example: `  exoplay cmdlet list '*CASMailbox'
  exoplay cmdlet list retention --service compliance`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.pattern = args[0]
			}
			opts.IO = ios
			return runCmdletList(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.service, "service", "", "only cmdlets of exchange or compliance")
	formatVar(cmd.Flags(), &opts.format, "text|json", textOrJSON)
	return cmd
}

func catalogOrExit() (*cmdlet.Catalog, error) {
	cat, err := cmdlet.Default()
	if err != nil {
		return nil, exitf(ExitStepFailed, "%v", err)
	}
	return cat, nil
}

func runCmdletShow(_ context.Context, opts *cmdletOptions) error {
	ios := opts.IO
	cat, err := catalogOrExit()
	if err != nil {
		return err
	}
	in, ok := cat.Lookup(opts.name)
	if !ok {
		return exitf(ExitInvalid, "no cmdlet %q in the catalog%s (docs commit %.7s); exoplay cmdlet list PATTERN searches it", opts.name, playbook.SuggestCmdlet(opts.name), cat.Commit)
	}
	if opts.format == "json" {
		return writeJSON(ios.Out, cmdletView(in, cat))
	}
	return printCmdlet(ios.Out, in, cat)
}

// cmdletJSON is cmdlet show --format json: the catalog's facts with
// spelled-out names.
type cmdletJSON struct {
	Name       string      `json:"name"`
	Services   []string    `json:"services"`
	Write      bool        `json:"write"`
	Effect     string      `json:"effect"`
	URL        string      `json:"url"`
	Sets       []string    `json:"parameter_sets,omitempty"`
	Default    string      `json:"default_set,omitempty"`
	Params     []paramJSON `json:"parameters"`
	OnPremOnly []string    `json:"on_premises_only,omitempty"`
	Catalog    string      `json:"catalog"`
}

type paramJSON struct {
	Name     string       `json:"name"`
	Type     string       `json:"type"`
	Switch   bool         `json:"switch,omitempty"`
	Aliases  []string     `json:"aliases,omitempty"`
	Values   []string     `json:"accepted_values,omitempty"`
	Listed   []string     `json:"listed_values,omitempty"` // from the text, not enforced
	Services []string     `json:"services"`
	In       []setUseJSON `json:"sets"`
}

type setUseJSON struct {
	Set      string `json:"set,omitempty"`
	Required bool   `json:"required"`
	Position *int   `json:"position,omitempty"`
}

func cmdletView(in *cmdlet.Info, cat *cmdlet.Catalog) cmdletJSON {
	v := cmdletJSON{Name: in.Name, Services: in.Services.Names(), Write: cmdlet.IsWrite(in.Name), Effect: effectText(in.Name),
		URL: in.URL, Sets: in.Sets, Default: in.Default, OnPremOnly: in.OnPremOnly, Catalog: cat.Source + " @ " + cat.Commit,
		Params: []paramJSON{}}
	for _, p := range in.Params {
		pj := paramJSON{Name: p.Name, Type: p.Type, Switch: p.IsSwitch(), Aliases: p.Aliases, Values: p.Values, Services: p.Services.Names()}
		if p.ValuesFromText {
			pj.Values, pj.Listed = nil, p.Values
		}
		for _, u := range p.Uses(in) {
			pj.In = append(pj.In, setUseJSON{Set: u.Set, Required: u.Required, Position: u.Position})
		}
		v.Params = append(v.Params, pj)
	}
	return v
}

func effectText(name string) string {
	switch {
	case !cmdlet.IsWrite(name):
		return "read"
	case cmdlet.Classify(name, nil) == cmdlet.Idempotent:
		return "write; sent again after an unknown outcome unless a parameter is {Add, Remove}"
	}
	return "write; never sent again after an unknown outcome"
}

func printCmdlet(w io.Writer, in *cmdlet.Info, cat *cmdlet.Catalog) error {
	fmt.Fprintf(w, "%s\n", in.Name)
	fmt.Fprintf(w, "  service:  %s\n", strings.Join(in.Services.Names(), ", "))
	fmt.Fprintf(w, "  effect:   %s\n", effectText(in.Name))
	fmt.Fprintf(w, "  docs:     %s\n", in.URL)
	if len(in.Sets) > 0 {
		sets := make([]string, len(in.Sets))
		for i, s := range in.Sets {
			sets[i] = s
			if s == in.Default {
				sets[i] += " (default)"
			}
		}
		fmt.Fprintf(w, "  sets:     %s\n", strings.Join(sets, ", "))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	named := len(in.Sets) > 1
	if named {
		fmt.Fprint(tw, "PARAMETER\tTYPE\tSETS\tREQUIRED IN\tPOSITION\tALIASES\tVALUES\n")
	} else {
		fmt.Fprint(tw, "PARAMETER\tTYPE\tREQUIRED\tPOSITION\tALIASES\tVALUES\n")
	}
	for _, p := range in.Params {
		var req, pos, sets []string
		for _, u := range p.Uses(in) {
			set := u.Set
			if set == "" {
				set = "all"
			}
			sets = append(sets, set)
			if u.Required {
				req = append(req, set)
			}
			if u.Position != nil {
				pos = append(pos, fmt.Sprint(*u.Position))
			}
		}
		if p.All != nil {
			sets = []string{"all"}
			if p.All.Required {
				req = []string{"all"}
			}
		}
		if !named && len(req) > 0 {
			req = []string{"yes"}
		}
		typ := p.Type
		if len(in.Services.Names()) > 1 && p.Services != in.Services {
			typ += " (" + strings.Join(p.Services.Names(), ", ") + " only)"
		}
		if named {
			typ += "\t" + strings.Join(sets, ", ")
		}
		values := strings.Join(p.Values, ", ")
		if p.ValuesFromText {
			values += " (listed in the text; not enforced)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, typ, dash(strings.Join(req, ", ")), dash(strings.Join(slices.Compact(pos), ", ")),
			dash(strings.Join(p.Aliases, ", ")), dash(values))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(in.OnPremOnly) > 0 {
		fmt.Fprintf(w, "\nOn-premises Exchange only (refused by validate): %s\n", strings.Join(in.OnPremOnly, ", "))
	}
	_, err := fmt.Fprintf(w, "\nFrom %s at %.7s.\n", cat.Source, cat.Commit)
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// cmdletEntry is one row of cmdlet list --format json.
type cmdletEntry struct {
	Name     string   `json:"name"`
	Services []string `json:"services"`
	Write    bool     `json:"write"`
	URL      string   `json:"url"`
}

func runCmdletList(_ context.Context, opts *cmdletOptions) error {
	ios := opts.IO
	var svc cmdlet.Service
	if opts.service != "" {
		if svc = cmdlet.ServiceNamed(opts.service); svc == 0 {
			return exitf(ExitInvalid, "--service must be exchange or compliance, not %q", opts.service)
		}
	}
	cat, err := catalogOrExit()
	if err != nil {
		return err
	}
	glob := strings.ToLower(opts.pattern)
	if glob != "" && !strings.ContainsAny(glob, "*?[") {
		glob = "*" + glob + "*"
	}
	if _, err := path.Match(glob, ""); err != nil {
		return exitf(ExitInvalid, "pattern %q: %v", opts.pattern, err)
	}
	var rows []cmdletEntry
	all, err := cat.All()
	if err != nil {
		return exitf(ExitStepFailed, "%v", err)
	}
	for _, in := range all {
		if svc != 0 && in.Services&svc == 0 {
			continue
		}
		if ok, _ := path.Match(glob, strings.ToLower(in.Name)); glob != "" && !ok {
			continue
		}
		rows = append(rows, cmdletEntry{Name: in.Name, Services: in.Services.Names(), Write: cmdlet.IsWrite(in.Name), URL: in.URL})
	}
	if len(rows) == 0 {
		return exitf(ExitInvalid, "no cmdlet in the catalog matches %q%s", opts.pattern, playbook.SuggestCmdlet(opts.pattern))
	}
	if opts.format == "json" {
		return writeJSON(ios.Out, rows)
	}
	tw := tabwriter.NewWriter(ios.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CMDLET\tSERVICE\tEFFECT")
	for _, r := range rows {
		eff := "read"
		if r.Write {
			eff = "write"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Name, strings.Join(r.Services, ", "), eff)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(ios.Err, "%d of %d cmdlets (%s at %.7s)\n", len(rows), cat.Len(), cat.Source, cat.Commit)
	return nil
}
