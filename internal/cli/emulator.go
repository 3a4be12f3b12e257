package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/exoplay/exoplay/internal/emulator"
)

type emulatorOptions struct {
	IO            *streams       // the command's standard streams
	cmd           *cobra.Command // its flags say which were given
	addr          string
	port          int
	tenants       int
	domains       []string
	mailboxes     int
	latency       string
	faults        string
	rate          string
	scenario      string
	caFile        string
	seed          int64
	concurrency   int
	pageSize      int
	tokenLifetime time.Duration
	nextLinkTTL   time.Duration
	earlyExpiry   time.Duration
	retryAfter    time.Duration
	replication   time.Duration
	verbose       bool
	replay        string
	certApps      []string
	fedApps       []string
}

// emulatorInfo is the one JSON line `exoplay emulator` prints on stdout.
type emulatorInfo struct {
	// ConnectTo is the --connect-to rule that dials every host name of the
	// service to the emulator; with CAFile it is all a client needs.
	ConnectTo          string `json:"connect_to"`
	Addr               string `json:"addr"`
	CAFile             string `json:"ca_file"`
	DemoClientID       string `json:"demo_client_id"`
	DemoSecret         string `json:"demo_secret"`
	DemoPublicClientID string `json:"demo_public_client_id"`
	DemoUserPassword   string `json:"demo_user_password"`
	IdentityEndpoint   string `json:"identity_endpoint"`
	IdentityHeader     string `json:"identity_header"`
	// The managed identity a federated app (--app-federated) trusts.
	ManagedIdentityID     string                `json:"managed_identity_client_id"`
	ManagedIdentityObject string                `json:"managed_identity_object_id"`
	Tenants               []emulator.TenantInfo `json:"tenants"`
}

func newEmulatorCmd(ios *streams) *cobra.Command {
	cmd, _ := emulatorCommand(ios)
	return cmd
}

// emulatorCommand builds the command and returns the options its flags fill.
func emulatorCommand(ios *streams) (*cobra.Command, *emulatorOptions) {
	opts := &emulatorOptions{}
	cmd := &cobra.Command{
		Use:   "emulator",
		Short: "Serve a local Exchange Online + Entra ID emulator until interrupted",
		Long: `Start a local, stateful Exchange Online and Entra ID emulator over TLS on
loopback. It answers the service's own host names on ONE port, routed by
host name: the authorities (login.microsoftonline.com and the other clouds'),
the Exchange REST hosts (outlook.office365.com, outlook.office365.us, ...:
/adminapi/beta/{tenant}/InvokeCommand and $batch), and the Security &
Compliance front doors that redirect to a regional
<region>.ps.compliance.protection.outlook.com. Tokens are asked for the real
resources (https://outlook.office365.com/.default, ...).

A client reaches it unchanged except for dialling and trust: connect every
host to the emulator's port and trust its CA, e.g.
  exoplay run pb.yaml --connect-to ::127.0.0.1:PORT --ca-file CA
  curl --connect-to ::127.0.0.1:PORT --cacert CA https://login.microsoftonline.com/...

It prints ONE JSON line on stdout with connect_to (the rule above), the CA
file, its tenants and the demo app's client id and secret; it logs to stderr
and stops on SIGINT/SIGTERM. Every tenant has the user admin@<domain> with
the password in demo_user_password.

Sign-in methods: the demo app signs in with its client secret; the demo
public client (the Exchange module's id) with device code, interactive,
username/password and refresh tokens; certificate apps are registered with
--app-cert CLIENT_ID=CERT.pem and managed-identity federated apps with
--app-federated CLIENT_ID (or apps: in a --scenario file); the managed
identity endpoint is identity_endpoint with identity_header. Apps that trust
an external issuer's tokens (workload_identity: a Kubernetes service account
token) are registered in a --scenario file, with federated_credentials:
[{issuer, subject, audience, issuer_key_file}] (the issuer's PEM public key).

Faults (--faults) are a comma-separated list of KIND[:WHEN[:ARG]][@TENANT][/CMDLET]
with KIND one of 429, 429-bare, 429-frac, 500, 400-proxy, 400-busy, reset,
html, empty, truncated, slow, expired; WHEN a probability (0.1) or firstN.`,
		Example: `  exoplay emulator --tenants 3 --mailboxes 200 --ca-file /tmp/emu-ca.pem
  exoplay emulator --tenant contoso --tenant fabrikam --latency 20ms..80ms --faults "429:0.1,500:0.05,reset:0.01"
  exoplay emulator --scenario scenario.yaml --port 8440
  exoplay emulator --replay cassettes/ --tenant contoso --tenant fabrikam
  exoplay emulator --app-cert 11111111-2222-3333-4444-555555555555=certs/msp.pem --ca-file ca.pem`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.IO, opts.cmd = ios, cmd
			return runEmulator(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.addr, "addr", "127.0.0.1", "`HOST` to listen on")
	f.IntVar(&opts.port, "port", 0, "the one port every host name is served on; 0 = a free port")
	f.IntVar(&opts.tenants, "tenants", 0, "number of generated tenants (contoso, fabrikam, northwind, ...); default 2")
	f.StringArrayVar(&opts.domains, "tenant", nil, "tenant `DOMAIN` (repeatable; a bare name gets .onmicrosoft.com)")
	f.IntVar(&opts.mailboxes, "mailboxes", 0, "mailboxes per tenant (default 25)")
	f.StringVar(&opts.latency, "latency", "", "service time per call: `D`, MIN..MAX or normal:MEAN,STDDEV")
	f.StringVar(&opts.faults, "faults", "", "fault injection `SPEC`, e.g. \"429:0.1,500:0.05,reset:0.01\"")
	f.StringVar(&opts.rate, "rate", "", "per-tenant rate budget `N/WINDOW`, e.g. 100/10s")
	f.StringVar(&opts.scenario, "scenario", "", "scenario `FILE` (YAML or JSON) with all knobs; flags override it")
	f.StringVar(&opts.caFile, "ca-file", "", "write the CA certificate to `PATH` (default: a temporary file removed on exit)")
	f.Int64Var(&opts.seed, "seed", 0, "seed of generated data, latency and faults")
	f.IntVar(&opts.concurrency, "concurrency-cap", 0, "per-tenant requests in flight before 429 (default 3; -1 = unlimited)")
	f.IntVar(&opts.pageSize, "page-size", 0, "page size without a Prefer header (default 1000)")
	f.DurationVar(&opts.tokenLifetime, "token-lifetime", 0, "access token lifetime (default 1h)")
	f.DurationVar(&opts.nextLinkTTL, "nextlink-ttl", 0, "lifetime of @odata.nextLink continuations (default 30m)")
	f.DurationVar(&opts.earlyExpiry, "token-early-expiry", 0, "tokens expire this much before their expires_in says (fault knob)")
	f.DurationVar(&opts.retryAfter, "retry-after", 0, "Retry-After of the concurrency cap's and rate budget's 429s (default 1s)")
	f.DurationVar(&opts.replication, "replication-delay", 0, "objects created by New-* answer 404 for this long")
	f.StringArrayVar(&opts.certApps, "app-cert", nil, "register a certificate app in every tenant: `CLIENT_ID=CERT_FILE` (PEM; its CERTIFICATE blocks are trusted for client assertions, a key in the file is ignored); repeatable")
	f.StringArrayVar(&opts.fedApps, "app-federated", nil, "register an app whose federated credential trusts a managed identity: `CLIENT_ID[=OBJECT_ID]` (default: the emulator's own managed identity); repeatable")
	f.StringVar(&opts.replay, "replay", "", "answer every InvokeCommand (alone, paged or in a $batch) from the cassettes in `DIR` (exoplay run --record): matched by tenant, cmdlet, parameters and page; a call not recorded answers 501 naming it; tokens are still the emulator's (recordings hold none), so serve the recorded tenants (--tenant)")
	f.BoolVar(&opts.verbose, "verbose", false, "log every request (listener, method, path, status, duration) and the servers' own errors to stderr")
	return cmd, opts
}

// sampleTenants names the tenants of --tenants N.
var sampleTenants = []string{"contoso", "fabrikam", "northwind", "tailspin", "adatum", "litware", "woodgrove", "fourthcoffee"}

func emulatorOptionsFrom(cmd *cobra.Command, o *emulatorOptions, stderr io.Writer) (emulator.Options, error) {
	var eo emulator.Options
	var err error
	if o.scenario != "" {
		if eo, err = emulator.LoadScenario(o.scenario); err != nil {
			return eo, err
		}
	}
	changed := cmd.Flags().Changed
	eo.Addr, eo.Port = o.addr, o.port
	eo.Replay = o.replay
	if o.verbose {
		eo.ErrorLog, eo.AccessLog = stderr, stderr
	}
	switch {
	case len(o.domains) > 0 && o.tenants > 0:
		return eo, fmt.Errorf("use --tenants N or --tenant DOMAIN, not both")
	case changed("tenants") && o.tenants < 1:
		return eo, fmt.Errorf("--tenants must be at least 1, not %d", o.tenants)
	case len(o.domains) > 0:
		eo.Tenants = nil
		for _, d := range o.domains {
			eo.Tenants = append(eo.Tenants, emulator.TenantSpec{Domain: d})
		}
	case o.tenants > 0:
		eo.Tenants = nil
		for i := range o.tenants {
			name := fmt.Sprintf("tenant%03d", i+1)
			if i < len(sampleTenants) {
				name = sampleTenants[i]
			}
			eo.Tenants = append(eo.Tenants, emulator.TenantSpec{Domain: name})
		}
	}
	if changed("mailboxes") {
		if o.mailboxes < 0 {
			return eo, fmt.Errorf("--mailboxes must not be negative")
		}
		if len(eo.Tenants) == 0 {
			eo.Tenants = emulator.DefaultTenants()
		}
		for i := range eo.Tenants {
			eo.Tenants[i].Mailboxes = o.mailboxes
		}
	}
	if err := errors.Join(
		overrideParsed(changed, "latency", &eo.Latency, o.latency, emulator.ParseLatency),
		overrideParsed(changed, "faults", &eo.Faults, o.faults, emulator.ParseFaults),
		overrideParsed(changed, "rate", &eo.RateBudget, o.rate, emulator.ParseRate),
	); err != nil {
		return eo, err
	}
	for _, a := range o.certApps {
		spec, err := emulator.ParseCertApp(a)
		if err != nil {
			return eo, err
		}
		eo.AppSpecs = append(eo.AppSpecs, spec)
	}
	for _, a := range o.fedApps {
		spec, err := emulator.ParseFederatedApp(a)
		if err != nil {
			return eo, err
		}
		eo.AppSpecs = append(eo.AppSpecs, spec)
	}
	override(changed, "seed", &eo.Seed, o.seed)
	override(changed, "concurrency-cap", &eo.ConcurrencyCap, o.concurrency)
	override(changed, "page-size", &eo.PageSize, o.pageSize)
	override(changed, "token-lifetime", &eo.TokenLifetime, o.tokenLifetime)
	override(changed, "nextlink-ttl", &eo.NextLinkTTL, o.nextLinkTTL)
	override(changed, "token-early-expiry", &eo.TokenEarlyExpiry, o.earlyExpiry)
	override(changed, "retry-after", &eo.RetryAfter, o.retryAfter)
	override(changed, "replication-delay", &eo.ReplicationDelay, o.replication)
	return eo, nil
}

// override sets *dst to v when the flag was given, so a scenario's value
// stands unless the command line names the knob.
func override[T any](changed func(string) bool, flag string, dst *T, v T) {
	if changed(flag) {
		*dst = v
	}
}

// overrideParsed is override for a knob given in a syntax parse reads.
func overrideParsed[T any](changed func(string) bool, flag string, dst *T, s string, parse func(string) (T, error)) error {
	if !changed(flag) {
		return nil
	}
	v, err := parse(s)
	if err == nil {
		*dst = v
	}
	return err
}

func runEmulator(ctx context.Context, o *emulatorOptions) error {
	cmd, ios := o.cmd, o.IO
	eo, err := emulatorOptionsFrom(cmd, o, ios.Err)
	if err != nil {
		return exitf(ExitInvalid, "emulator: %v", err)
	}
	log := zerolog.New(zerolog.ConsoleWriter{Out: ios.Err, TimeFormat: time.TimeOnly, NoColor: true}).With().Timestamp().Logger()

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	e, err := emulator.Start(eo)
	if errors.Is(err, emulator.ErrReplay) {
		return exitf(ExitInvalid, "%v", err)
	}
	if err != nil {
		return exitf(ExitStepFailed, "%v", err)
	}
	defer e.Close()

	caFile := o.caFile
	if caFile == "" {
		dir, err := os.MkdirTemp("", "exoplay-emulator-")
		if err != nil {
			return exitf(ExitStepFailed, "emulator: %v", err)
		}
		defer os.RemoveAll(dir)
		if caFile, err = e.WriteCAFile(dir); err != nil {
			return exitf(ExitStepFailed, "%v", err)
		}
	} else if err := os.WriteFile(caFile, e.CACertPEM, 0o644); err != nil {
		return exitf(ExitInvalid, "emulator: write --ca-file: %v", err)
	}

	line, _ := json.Marshal(emulatorInfo{
		ConnectTo: e.ConnectTo, Addr: e.Addr, CAFile: caFile,
		DemoClientID: e.DemoClientID, DemoSecret: e.DemoSecret, DemoPublicClientID: e.DemoPublicClientID,
		DemoUserPassword: emulator.DemoUserPassword, IdentityEndpoint: e.IdentityEndpoint, IdentityHeader: e.IdentityHeader,
		ManagedIdentityID: e.ManagedIdentityClientID, ManagedIdentityObject: e.ManagedIdentityObjectID,
		Tenants: e.Tenants(),
	})
	if _, err := fmt.Fprintf(ios.Out, "%s\n", line); err != nil {
		return exitf(ExitStepFailed, "emulator: write stdout: %v", err)
	}
	domains := make([]string, 0, len(e.Tenants()))
	for _, t := range e.Tenants() {
		domains = append(domains, t.Domain)
	}
	log.Info().Str("addr", e.Addr).Str("connect_to", e.ConnectTo).Str("ca_file", caFile).Str("tenants", strings.Join(domains, ",")).Msg("emulator listening; Ctrl-C to stop")

	<-ctx.Done()
	c := e.Counters()
	log.Info().Int("requests", c.Requests).Int("throttled", c.Throttled).Int("violations", len(c.Violations)).Msg("emulator stopping")
	if err := e.Close(); err != nil {
		return exitf(ExitStepFailed, "emulator: stop: %v", err)
	}
	return nil
}
