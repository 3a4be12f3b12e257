package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/exoplay/exoplay/internal/connect"
	"github.com/exoplay/exoplay/playbook"
)

// authOptions are the flags of `exoplay auth login|status`.
type authOptions struct {
	IO       *streams // the command's standard streams
	playbook string
	tenants  []string
	vars     []string
	cacheDir string
	format   string
	network  connect.Network // --ca-file, --connect-to

	// Set by tests: whether a terminal is attached.
	interactive *bool
}

func newAuthCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth",
		Short: "Sign in ahead of a run, and inspect the delegated token cache",
		Long: `Delegated credentials (device_code, interactive, username_password) sign in
as a user. 'exoplay auth login' does that ahead of time, at a terminal, and
keeps the result in the token cache so that later runs, including ones
without a terminal (cron, CI), renew tokens silently. One sign-in usually
covers every tenant the account can reach (GDAP, guest access).

The cache is in $EXOPLAY_CACHE_DIR, else the user cache folder
(~/.cache/exoplay on Linux): folder 0700, files 0600. It holds refresh
tokens, which are as good as the account's sign-in: protect it like a
password, and prefer app-only methods (certificate) on shared machines.

App-only methods (certificate, client_secret, managed_identity,
workload_identity) and
access_token / refresh_token need no sign-in ahead of a run.`,
	}
	cmd.AddCommand(newAuthLoginCmd(s), newAuthStatusCmd(s))
	return cmd
}

func (o *authOptions) addCommon(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringArrayVar(&o.tenants, "tenant", nil, "only these tenants: names, organizations, groups or globs (comma-separated or repeated; !pattern excludes)")
	fs.StringArrayVarP(&o.vars, "var", "e", nil, "a variable NAME=VALUE the playbook expects from --var (repeatable)")
	fs.StringVar(&o.cacheDir, "cache-dir", "", "token cache folder (default $EXOPLAY_CACHE_DIR, else the user cache folder)")
	addNetworkFlags(fs, &o.network)
}

func newAuthLoginCmd(s *streams) *cobra.Command {
	o := &authOptions{}
	cmd := &cobra.Command{
		Use:   "login --playbook PLAYBOOK",
		Short: "Sign in for the playbook's delegated credentials and cache the tokens",
		Long: `login signs in, tenant by tenant, for every selected tenant whose auth uses a
delegated method (device_code, interactive, username_password), and stores
the tokens in the cache. A tenant the cached sign-in already covers is not
asked again. Other methods are listed and skipped.

Exit codes: 0 every sign-in succeeded, 2 invalid invocation or playbook,
4 a sign-in failed.`,
		Example: `  exoplay auth login --playbook msp.yaml
  exoplay auth login --playbook msp.yaml --tenant contoso
  EXOPLAY_CACHE_DIR=/srv/exoplay/cache exoplay auth login -p msp.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.IO = s
			return runAuthLogin(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVarP(&o.playbook, "playbook", "p", "", "the playbook whose tenants to sign in to (required)")
	_ = cmd.MarkFlagRequired("playbook")
	o.addCommon(cmd)
	return cmd
}

func newAuthStatusCmd(s *streams) *cobra.Command {
	o := &authOptions{}
	cmd := &cobra.Command{
		Use:   "status [--playbook PLAYBOOK]",
		Short: "Show which tenants have a usable cached sign-in, and until when",
		Long: `status reads the delegated token cache; no token or secret is printed.
With --playbook it lists each selected tenant: whether a cached access token
is valid (until when), whether a refresh token can renew it without a
sign-in, or what to run. A tenant given by domain is resolved to its id with
one anonymous request to its authority. Without --playbook it lists the
cached accounts and access tokens.

Exit codes: 0 every delegated tenant can get a token without a sign-in,
2 invalid invocation or playbook, 4 some delegated tenant needs
'exoplay auth login'.`,
		Example: `  exoplay auth status
  exoplay auth status --playbook msp.yaml || exoplay auth login --playbook msp.yaml
  exoplay auth status --playbook msp.yaml --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.IO = s
			return runAuthStatus(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVarP(&o.playbook, "playbook", "p", "", "report the tenants of this playbook")
	formatVar(cmd.Flags(), &o.format, "output: text or json", textOrJSON)
	o.addCommon(cmd)
	return cmd
}

// authTarget is one selected tenant and how it signs in.
type authTarget struct {
	tenant *playbook.Tenant
	method string
	target *connect.Target // nil when the tenant is skipped
	skip   string          // why no sign-in applies
}

// authTargets loads the playbook and resolves the selected tenants through
// internal/connect, as a run does (cloud, overrides, credential), so a
// tenant signs in here exactly where `exoplay run` will ask for its tokens.
// The caller closes the returned Connector.
func authTargets(s *streams, o *authOptions) ([]*authTarget, *connect.Connector, error) {
	vars, err := playbook.ParseVars(o.vars)
	if err != nil {
		return nil, nil, exitf(ExitInvalid, "%v", err)
	}
	pb, err := playbook.Load(o.playbook, auditSource{}.loadOptions(vars))
	if err != nil {
		return nil, nil, reportLoadError(s, err)
	}
	tenants, err := pb.SelectTenants(strings.Join(o.tenants, ","), playbook.Shard{})
	if err != nil {
		return nil, nil, exitf(ExitInvalid, "%v", err)
	}
	if len(tenants) == 0 {
		return nil, nil, exitf(ExitInvalid, "no tenant of %s matches --tenant %s", o.playbook, strings.Join(o.tenants, ","))
	}
	conn, err := o.connector(s, pb)
	if err != nil {
		return nil, nil, err
	}
	var out []*authTarget
	for _, t := range tenants {
		tg := &authTarget{tenant: t}
		out = append(out, tg)
		if isEmulated(t) {
			tg.method, tg.skip = "emulator", "emulator tenant: each run starts its own emulator and signs in there"
			continue
		}
		a := pb.Auth[t.Auth]
		if a == nil {
			tg.skip = fmt.Sprintf("auth %q is not defined", t.Auth)
			continue
		}
		tg.method = a.Method
		if !connect.CachesSignIn(a.Method) {
			tg.skip = "method " + a.Method + " needs no sign-in ahead of a run"
			continue
		}
		if tg.target, err = conn.Resolve(t); err != nil {
			conn.Close()
			return nil, nil, exitf(ExitInvalid, "%v", err)
		}
	}
	return out, conn, nil
}

// connector signs in for an auth command (pb may be nil: the cache listing
// resolves no tenant): its HTTP client trusts and dials as --ca-file and
// --connect-to say, like a run's.
func (o *authOptions) connector(s *streams, pb *playbook.Playbook) (*connect.Connector, error) {
	interactive := isTerminal(s.In) && isTerminal(s.Err)
	if o.interactive != nil {
		interactive = *o.interactive
	}
	client, err := o.network.Client()
	if err != nil {
		return nil, exitf(ExitInvalid, "%v", err)
	}
	return connect.New(connect.Options{
		Playbook:    pb,
		HTTPClient:  client,
		SignIn:      connect.SignIn{CacheDir: o.cacheDir, Stderr: s.Err, Interactive: interactive},
		Environment: environmentOf,
	}), nil
}

func runAuthLogin(ctx context.Context, o *authOptions) error {
	s := o.IO
	targets, conn, err := authTargets(s, o)
	if err != nil {
		return err
	}
	defer conn.Close()
	failed, done := 0, 0
	// One tenant at a time: a sign-in may need the user, and once it is
	// done the next tenants usually renew silently from it. A line per
	// tenant as it finishes (device code prompts go to stderr between them).
	for _, tg := range targets {
		if tg.target == nil {
			fmt.Fprintf(s.Out, "%s (%s): skipped: %s\n", tg.tenant.Name, tg.method, tg.skip)
			continue
		}
		id, err := conn.SignIn(ctx, tg.target)
		if err != nil {
			failed++
			fmt.Fprintf(s.Out, "%s (%s): failed: %v\n", tg.tenant.Name, tg.method, err)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		done++
		fmt.Fprintf(s.Out, "%s (%s): signed in as %s (tenant %s), token valid until %s\n",
			tg.tenant.Name, tg.method, id.UPN, id.TenantID, id.ExpiresOn.Local().Format(time.DateTime))
	}
	if dir, err := conn.CacheDir(); err == nil && done > 0 {
		fmt.Fprintf(s.Err, "exoplay: tokens cached in %s\n", dir)
	}
	if failed > 0 {
		return &ExitError{Code: ExitAuthFailed, Err: fmt.Errorf("%d sign-in(s) failed", failed)}
	}
	return nil
}

// authStatusRow is one tenant of `auth status --playbook` (JSON field names
// are part of the CLI's output contract).
type authStatusRow struct {
	Tenant       string     `json:"tenant"`
	Organization string     `json:"organization"`
	Auth         string     `json:"auth,omitempty"`
	Method       string     `json:"method"`
	TenantID     string     `json:"tenant_id,omitempty"`
	Username     string     `json:"username,omitempty"`
	ExpiresOn    *time.Time `json:"access_token_expires_on,omitempty"`
	RefreshToken bool       `json:"refresh_token"`
	SignedIn     bool       `json:"signed_in"`
	Usable       bool       `json:"usable"`
	Note         string     `json:"note"`
}

func runAuthStatus(ctx context.Context, o *authOptions) error {
	s := o.IO
	if o.playbook == "" {
		if len(o.tenants) > 0 {
			return exitf(ExitInvalid, "--tenant needs --playbook")
		}
		return authCacheListing(s, o)
	}
	targets, conn, err := authTargets(s, o)
	if err != nil {
		return err
	}
	defer conn.Close()
	// A tenant named by its domain costs one request to resolve its id:
	// ask for a few at once, so a playbook of hundreds does not wait for
	// each in turn. Rows keep the playbook's order.
	rows := make([]authStatusRow, len(targets))
	var g errgroup.Group
	g.SetLimit(authStatusParallel)
	for i, tg := range targets {
		g.Go(func() error {
			rows[i] = authStatusOf(ctx, conn, tg, o.playbook)
			return nil
		})
	}
	_ = g.Wait()
	missing := 0
	for _, r := range rows {
		if !r.Usable {
			missing++
		}
	}
	if o.format == "json" {
		if err := writeJSON(s.Out, rows); err != nil {
			return exitf(ExitStepFailed, "writing status: %v", err)
		}
	} else {
		w := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "TENANT\tMETHOD\tUSER\tSTATUS")
		for _, r := range rows {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", r.Tenant, r.Method, authDash(r.Username), r.Note)
		}
		w.Flush()
	}
	if missing > 0 {
		return &ExitError{Code: ExitAuthFailed, Err: fmt.Errorf("%d tenant(s) need exoplay auth login", missing)}
	}
	return nil
}

// authStatusParallel bounds the tenants `auth status` resolves at once.
const authStatusParallel = 8

// authStatusOf is the status row of one tenant.
func authStatusOf(ctx context.Context, conn *connect.Connector, tg *authTarget, playbookPath string) authStatusRow {
	r := authStatusRow{Tenant: tg.tenant.Name, Organization: tg.tenant.Organization, Auth: tg.tenant.Auth, Method: tg.method}
	if tg.target == nil {
		r.Usable, r.Note = true, tg.skip
		return r
	}
	st, err := conn.Status(ctx, tg.target)
	r.TenantID, r.Username, r.RefreshToken, r.SignedIn, r.Usable = st.TenantID, st.Username, st.RefreshToken, st.SignedIn, st.Usable
	if !st.ExpiresOn.IsZero() {
		exp := st.ExpiresOn
		r.ExpiresOn = &exp
	}
	switch {
	case err != nil:
		r.Note = "cannot tell: " + err.Error()
	case !st.ExpiresOn.IsZero() && st.SignedIn:
		r.Note = "access token valid until " + st.ExpiresOn.Local().Format(time.DateTime) + "; renewable"
	case !st.ExpiresOn.IsZero():
		r.Note = "access token valid until " + st.ExpiresOn.Local().Format(time.DateTime) + "; no refresh token"
	case st.SignedIn:
		r.Note = "renewable from the cached sign-in of " + st.Username
	case st.RefreshToken:
		r.Note = "not signed in to this tenant yet (the cached sign-in of " + st.Username + " may reach it): run exoplay auth login --playbook " + playbookPath
	default:
		r.Note = "no cached sign-in: run exoplay auth login --playbook " + playbookPath
	}
	return r
}

// authCacheListing prints what the cache holds, without a playbook.
func authCacheListing(s *streams, o *authOptions) error {
	conn, err := o.connector(s, nil)
	if err != nil {
		return err
	}
	defer conn.Close()
	st, err := conn.CacheStatus()
	if err != nil {
		return exitf(ExitStepFailed, "reading the token cache: %v", err)
	}
	if o.format == "json" {
		if err := writeJSON(s.Out, st); err != nil {
			return exitf(ExitStepFailed, "writing status: %v", err)
		}
		return nil
	}
	fmt.Fprintf(s.Out, "Token cache: %s\n", st.Dir)
	if len(st.Accounts) == 0 {
		fmt.Fprintln(s.Out, "No cached sign-in. Run: exoplay auth login --playbook PLAYBOOK")
		return nil
	}
	w := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "\nACCOUNT\tAUTHORITY\tCLIENT\tREFRESH TOKEN")
	for _, a := range st.Accounts {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", a.Username, a.Authority, authDash(a.ClientID), authYesNo(a.RefreshToken))
	}
	fmt.Fprintln(w, "\nTENANT\tACCOUNT\tSCOPES\tACCESS TOKEN")
	now := time.Now()
	for _, t := range st.Tokens {
		state := "valid until " + t.ExpiresOn.Local().Format(time.DateTime)
		if !t.ExpiresOn.After(now) {
			state = "expired"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", t.TenantID, t.Username, authFirstScope(t.Scopes), state)
	}
	return w.Flush()
}

func authDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func authYesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// authFirstScope shows the resource scope, not MSAL's openid/profile extras.
func authFirstScope(scopes string) string {
	for _, f := range strings.Fields(scopes) {
		if strings.Contains(f, "/") {
			return f
		}
	}
	return authDash(scopes)
}
