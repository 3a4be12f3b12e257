package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/exoplay/exoplay/cmdlet"
	"github.com/exoplay/exoplay/internal/cassette"
	"github.com/exoplay/exoplay/internal/connect"
	"github.com/exoplay/exoplay/results"
	"github.com/exoplay/exoplay/runner"
)

// openConnector sets up what signing in needs for the plan's tenants (the
// network here; the token manager and transport in internal/connect): run
// and preflight share it.
func openConnector(ios *streams, plan *runner.Plan, network connect.Network, rec *cassette.Recorder, secrets *results.Secrets, logger zerolog.Logger) (*connect.Connector, func(), error) {
	pb := plan.Playbook
	network.InFlight, network.Record = pb.Settings.MaxParallelTenants*pb.Settings.MaxSessionsPerOrg, rec
	nw, err := openNetwork(network, plan.Tenants, logger)
	if err != nil {
		return nil, nil, err
	}
	conn := connect.New(connect.Options{
		Playbook:    pb,
		HTTPClient:  nw.client,
		SignIn:      connect.SignIn{Stderr: ios.Err, Interactive: isTerminal(ios.Err) && isTerminal(ios.In)},
		Logger:      logger,
		OnSecret:    secrets.Add,
		Environment: environmentOf,
		DefaultApp:  nw.demoApp,
	})
	return conn, func() { conn.Close(); nw.close() }, nil
}

// readiness is the preflight matrix: a row per selected tenant, and the
// playbook's cmdlets the catalog does not know.
type readiness struct {
	Tenants        []*connect.Readiness `json:"tenants"`
	UnknownCmdlets []string             `json:"unknown_cmdlets,omitempty"`
	Ready          int                  `json:"ready"`
	Blocked        int                  `json:"blocked"`
}

// blocked maps each blocked tenant to its reason (runner.Options.Blocked).
func (r *readiness) blocked() map[string]string {
	m := map[string]string{}
	for _, t := range r.Tenants {
		if t.Blocked {
			m[t.Tenant] = "blocked by preflight: " + t.BlockedReason
		}
	}
	return m
}

// preflight checks every tenant of the plan (at most max_parallel_tenants
// at once).
func preflight(ctx context.Context, plan *runner.Plan, conn *connect.Connector, now time.Time) *readiness {
	var services, unknown []string
	cat, _ := cmdlet.Default()
	for _, ps := range plan.Steps {
		if !ps.Selected {
			continue
		}
		if !slices.Contains(services, ps.Service) {
			services = append(services, ps.Service)
		}
		if cat != nil {
			if _, ok := cat.Lookup(ps.Cmdlet); !ok && !slices.Contains(unknown, ps.Cmdlet) {
				unknown = append(unknown, ps.Cmdlet)
			}
		}
	}
	slices.Sort(services)
	r := &readiness{Tenants: make([]*connect.Readiness, len(plan.Tenants)), UnknownCmdlets: unknown}
	sem := make(chan struct{}, max(1, plan.Playbook.Settings.MaxParallelTenants))
	var wg sync.WaitGroup
	for i, t := range plan.Tenants {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r.Tenants[i] = conn.Preflight(ctx, t, services, now)
		}()
	}
	wg.Wait()
	for _, t := range r.Tenants {
		if t.Blocked {
			r.Blocked++
		} else {
			r.Ready++
		}
	}
	return r
}

func writeReadiness(w io.Writer, r *readiness) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TENANT\tSTATUS\tTENANT ID\tAUTH\tROLES/SCOPES\tCERT DAYS\tREADS\tREASON / WARNINGS")
	for _, t := range r.Tenants {
		perms := strings.Join(append(append([]string{}, t.Roles...), t.Scopes...), ",")
		days := "-"
		if t.CertDaysLeft != nil {
			days = fmt.Sprint(*t.CertDaysLeft)
		}
		var reads []string
		for _, p := range t.Reads {
			mark := "ok"
			if !p.OK {
				mark = "FAILED"
			}
			reads = append(reads, p.Cmdlet+" "+mark)
		}
		note := strings.Join(t.Warnings, "; ")
		if t.Blocked {
			note = strings.TrimSuffix(t.BlockedReason+"; "+note, "; ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.Tenant, t.Status, dash(t.TenantID), dash(t.AuthMethod), dash(perms), days, dash(strings.Join(reads, ", ")), note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.UnknownCmdlets) > 0 {
		fmt.Fprintf(w, "Cmdlets the catalog does not know (check the spelling): %s\n", strings.Join(r.UnknownCmdlets, ", "))
	}
	_, err := fmt.Fprintf(w, "%d ready, %d blocked\n", r.Ready, r.Blocked)
	return err
}

type preflightOptions struct {
	IO       *streams
	playbook string
	sel      selectionFlags
	format   string
	network  connect.Network // --ca-file, --connect-to
}

func newPreflightCmd(ios *streams) *cobra.Command {
	opts := &preflightOptions{}
	cmd := &cobra.Command{
		Use:   "preflight PLAYBOOK",
		Short: "Check each tenant is ready before a run: sign-in, token, certificate, one harmless read per service",
		Long: `preflight signs in to each selected tenant as run does and shows a readiness
matrix: the token's tenant id, its app roles (or user scopes), the
certificate's days left (a warning under 30), one harmless read on each
service the playbook uses (Get-AcceptedDomain on Exchange,
Get-DlpCompliancePolicy on Security & Compliance), and the cmdlets the
catalog does not know. Nothing is written. A tenant that cannot sign in or
read is blocked, with the reason; run --preflight gives blocked tenants no
call at all.

Exit codes: 0 at least one tenant ready, 2 invalid playbook or selection,
4 no tenant ready.`,
		Example: `  exoplay preflight msp.yaml
  exoplay preflight msp.yaml --limit eu --format json | jq '.tenants[] | select(.status=="blocked")'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.playbook, opts.IO = args[0], ios
			return runPreflight(cmd.Context(), opts)
		},
	}
	opts.sel.addTo(cmd.Flags())
	formatVar(cmd.Flags(), &opts.format, "output: text or json", textOrJSON)
	addNetworkFlags(cmd.Flags(), &opts.network)
	return cmd
}

func runPreflight(ctx context.Context, opts *preflightOptions) error {
	ios := opts.IO
	plan, err := opts.sel.load(opts.playbook)
	if err != nil {
		return reportLoadError(ios, err)
	}
	secrets := commandSecrets(plan.Playbook, plan.Selection.Vars)
	ios = ios.scrubbed(secrets)
	logger := newLogger(ios.Err, io.Discard, zerolog.WarnLevel, "console")
	conn, closeConn, err := openConnector(ios, plan, opts.network, nil, secrets, logger)
	if err != nil {
		return err
	}
	defer closeConn()
	r := preflight(ctx, plan, conn, time.Now())
	if opts.format == "json" {
		err = writeJSON(ios.Out, r)
	} else {
		err = writeReadiness(ios.Out, r)
	}
	if err != nil {
		return exitf(ExitStepFailed, "writing the readiness matrix: %v", err)
	}
	if r.Ready == 0 {
		return exitf(ExitAuthFailed, "no tenant is ready (%d blocked)", r.Blocked)
	}
	return nil
}
