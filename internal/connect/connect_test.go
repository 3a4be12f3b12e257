package connect_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/exoplay/exoplay/auth"
	"github.com/exoplay/exoplay/internal/connect"
	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/runner"
	"github.com/exoplay/exoplay/transport"
)

// anchors records the X-AnchorMailbox of every request, by host.
type anchors struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen map[string][]string
}

func (a *anchors) RoundTrip(r *http.Request) (*http.Response, error) {
	if v := r.Header.Get("X-AnchorMailbox"); v != "" {
		a.mu.Lock()
		a.seen[r.URL.Hostname()] = append(a.seen[r.URL.Hostname()], v)
		a.mu.Unlock()
	}
	return a.next.RoundTrip(r)
}

func (a *anchors) of(host string) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.seen[host]...)
}

// setup starts an emulator and a Connector that reaches it the production
// way: O365Default URLs, dialled there by a --connect-to rule.
func setup(t *testing.T, yaml string) (*emulator.Emulator, *connect.Connector, *playbook.Playbook, *anchors) {
	t.Helper()
	emu, err := emulator.Start(emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso", Mailboxes: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	t.Setenv("CONNECT_TEST_SECRET", emu.DemoSecret)
	hc, err := connect.Network{ConnectTo: []string{emu.ConnectTo}, CAs: [][]byte{emu.CACertPEM}, NoSystemRoots: true,
		Getenv: func(string) string { return "" }}.Client()
	if err != nil {
		t.Fatal(err)
	}
	rec := &anchors{next: hc.Transport, seen: map[string][]string{}}
	hc.Transport = rec
	pb, err := playbook.Parse("pb.yaml", []byte(yaml), playbook.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	am := auth.NewManager(auth.Options{HTTPClient: hc, CacheDir: t.TempDir(), Stderr: io.Discard, Logger: zerolog.Nop()})
	t.Cleanup(func() { am.Close() })
	c := connect.New(connect.Options{Playbook: pb, Auth: am, Transport: transport.New(transport.Options{HTTPClient: hc})})
	return emu, c, pb, rec
}

const appPlaybook = `version: 1
name: t
auth:
  app: {method: client_secret, client_id: 0e0e0e0e-de30-4a99-8c1e-00000000a001, client_secret: "${{ env.CONNECT_TEST_SECRET }}"}
tenants:
  - {name: by-domain, organization: contoso.onmicrosoft.com, auth: app}
  - {name: by-id, tenant_id: %s, auth: app}
  - {name: pinned, organization: contoso.onmicrosoft.com, auth: app, anchor: "UPN:admin@contoso.onmicrosoft.com"}
steps:
  - cmdlet: Get-AcceptedDomain
`

// countingLimiter counts the slots a call takes.
type countingLimiter struct{ n int }

func (l *countingLimiter) Acquire(context.Context) error { l.n++; return nil }
func (l *countingLimiter) Release()                      {}
func (l *countingLimiter) Throttled(time.Duration)       {}

func call(t *testing.T, s runner.Session, service, cmdlet string) int {
	t.Helper()
	return callWith(t, s, service, cmdlet, nil)
}

func callWith(t *testing.T, s runner.Session, service, cmdlet string, lim runner.Limiter) int {
	t.Helper()
	n := 0
	if _, err := s.Invoke(context.Background(), runner.Call{Service: service, Cmdlet: cmdlet}, lim, func(json.RawMessage) error { n++; return nil }); err != nil {
		t.Fatalf("%s %s: %v", service, cmdlet, err)
	}
	return n
}

// App-only compliance calls anchor on the system mailbox at the initial
// domain (§10.6): from the organization when it is that domain, else from
// one Get-AcceptedDomain per session; Exchange calls keep APP:…@<GUID>.
func TestComplianceAnchorIsTheInitialDomain(t *testing.T) {
	tid := emulator.TenantID("contoso")
	emu, c, pb, rec := setup(t, strings.Replace(appPlaybook, "%s", tid, 1))
	want := transport.ComplianceAnchor("contoso.onmicrosoft.com")
	const regional = "eur02b.ps.compliance.protection.outlook.com"

	s, err := c.Connect(context.Background(), pb.Tenants[0])
	if err != nil {
		t.Fatal(err)
	}
	if s.TenantID() != tid {
		t.Errorf("TenantID %s, want %s from the token", s.TenantID(), tid)
	}
	call(t, s, "exchange", "Get-OrganizationConfig")
	call(t, s, "compliance", "Get-DlpCompliancePolicy")
	call(t, s, "compliance", "Get-DlpCompliancePolicy")
	if got := rec.of("outlook.office365.com"); len(got) != 1 || got[0] != transport.AppAnchor(tid) {
		t.Errorf("Exchange anchors %v", got)
	}
	for _, a := range append(rec.of("ps.compliance.protection.outlook.com"), rec.of(regional)...) {
		if a != want {
			t.Errorf("compliance anchor %q, want %q", a, want)
		}
	}
	reads := func() int { return emu.Counters().Tenants[tid].ByCmdlet["Get-AcceptedDomain"] }
	if reads() != 0 {
		t.Errorf("Get-AcceptedDomain was read although the organization is the initial domain")
	}

	// Known only by GUID: one read, then remembered.
	s, err = c.Connect(context.Background(), pb.Tenants[1])
	if err != nil {
		t.Fatal(err)
	}
	// The read is not sent through the call's limiter (a write's send gate
	// journals the write at its first slot): the first call takes as many
	// slots as the second.
	first, second := &countingLimiter{}, &countingLimiter{}
	callWith(t, s, "compliance", "Get-DlpCompliancePolicy", first)
	callWith(t, s, "compliance", "Get-DlpCompliancePolicy", second)
	if first.n != second.n || first.n == 0 {
		t.Errorf("slots taken: %d by the call that looked the domain up, %d by the next", first.n, second.n)
	}
	if reads() != 1 {
		t.Errorf("Get-AcceptedDomain read %d times, want once", reads())
	}
	if got := rec.of(regional); got[len(got)-1] != want {
		t.Errorf("compliance anchor of a GUID tenant %q, want %q", got[len(got)-1], want)
	}

	// anchor: wins everywhere.
	s, err = c.Connect(context.Background(), pb.Tenants[2])
	if err != nil {
		t.Fatal(err)
	}
	call(t, s, "compliance", "Get-DlpCompliancePolicy")
	if got := rec.of(regional); got[len(got)-1] != "UPN:admin@contoso.onmicrosoft.com" {
		t.Errorf("anchor: override lost on compliance: %q", got[len(got)-1])
	}
}

// The Emulator environment has no endpoints: connect knows nothing of the
// emulator and says so plainly; internal/cli maps it (Options.Environment).
func TestEmulatorEnvironmentNeedsTheCLI(t *testing.T) {
	_, c, pb, _ := setup(t, `version: 1
name: t
tenants:
  - {name: emu, organization: contoso.onmicrosoft.com, environment: Emulator}
steps:
  - cmdlet: Get-AcceptedDomain
`)
	_, err := c.Connect(context.Background(), pb.Tenants[0])
	if err == nil || !strings.Contains(err.Error(), "emulate") {
		t.Errorf("Connect of an Emulator tenant without the CLI's mapping: %v", err)
	}
}
