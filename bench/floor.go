package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/internal/emulator/directory"
)

// floorEnv names the spec file that turns this binary into the floor client.
const floorEnv = "BENCH_FLOOR_SPEC"

// The service's URLs the floor client calls.
const (
	floorExchange  = "https://outlook.office365.com"
	floorAuthority = "https://login.microsoftonline.com"
)

// floorSpec tells the floor client what to send; the secret comes from
// BENCH_SECRET, as for exoplay.
type floorSpec struct {
	// Addr is where every host name is dialled (the emulator): the
	// client uses the service's URLs, as exoplay does.
	Addr, CAFile, ClientID string
	Cap                    int
	Tenants                []floorTenant
}

type floorTenant struct {
	ID         string
	Identities []string
}

// measureFloor sends the sched scenario's writes from a minimal Go client
// (this binary re-executed: one token per tenant, cap workers per tenant,
// each sending its share of Set-Mailbox calls back to back) in its own
// process, against a fresh emulator with the same knobs. Its makespan and CPU
// are what the emulator, TLS + HTTP/1.1 and this machine allow at all:
// exoplay's figures are judged against them.
func measureFloor(ctx context.Context, h *harness, tenants, mailboxes int, latency time.Duration, cap int) (*schedRun, error) {
	return quietest(h, "floor", func(r *schedRun) *childResult { return r.child },
		func() (*schedRun, error) { return measureFloorOnce(ctx, h, tenants, mailboxes, latency, cap) })
}

func measureFloorOnce(ctx context.Context, h *harness, tenants, mailboxes int, latency time.Duration, cap int) (*schedRun, error) {
	e, err := h.startEmulator(emulator.Options{
		Tenants: benchTenants(tenants, mailboxes), Seed: 1,
		Latency: emulator.LatencySpec{Fixed: latency}, ConcurrencyCap: cap,
	})
	if err != nil {
		return nil, err
	}
	defer e.emu.Close()
	spec := floorSpec{Addr: e.emu.Addr, CAFile: e.ca, ClientID: e.emu.DemoClientID, Cap: cap}
	for _, t := range e.emu.Tenants() {
		ids, err := mailboxIDs(ctx, e.emu, t.ID)
		if err != nil {
			return nil, err
		}
		spec.Tenants = append(spec.Tenants, floorTenant{ID: t.ID, Identities: ids})
	}
	dir, err := h.scratch("floor")
	if err != nil {
		return nil, err
	}
	specFile, usageFile := filepath.Join(dir, "spec.json"), filepath.Join(dir, "usage.json")
	b, _ := json.Marshal(spec)
	if err := os.WriteFile(specFile, b, 0o600); err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	h.settle(ctx, fmt.Sprintf("floor %d×%d", tenants, mailboxes))
	h.log("floor: %d tenants × %d writes from a minimal client", tenants, mailboxes)
	cmd := exec.CommandContext(ctx, h.launch, usageFile, self)
	cmd.Env = append(os.Environ(), floorEnv+"="+specFile, "BENCH_SECRET="+e.emu.DemoSecret)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	child, err := measure(cmd, usageFile)
	if err != nil {
		return nil, fmt.Errorf("floor client: %w\n%s", err, tail(stderr.String(), 2000))
	}
	r := &schedRun{tenants: tenants, mailboxes: mailboxes, latency: latency, cap: cap, child: child,
		ideal: time.Duration(math.Ceil(float64(mailboxes)/float64(cap))) * latency}
	if err := r.fromCounters(e.emu.Counters()); err != nil {
		return nil, fmt.Errorf("floor: %w", err)
	}
	return r, nil
}

// mailboxIDs lists a tenant's mailbox identities straight from the directory.
func mailboxIDs(ctx context.Context, emu *emulator.Emulator, tenant string) ([]string, error) {
	t, ok := emu.Directory().Tenant(tenant)
	if !ok {
		return nil, fmt.Errorf("floor: tenant %s missing", tenant)
	}
	res, err := t.Invoke(ctx, directory.Exchange, "Get-Mailbox", map[string]any{"ResultSize": "Unlimited"})
	if err != nil {
		return nil, fmt.Errorf("floor: list mailboxes: %w", err)
	}
	out := make([]string, 0, res.Len)
	for i := range res.Len {
		if v, ok := res.Object(i).Get("Identity"); ok {
			out = append(out, fmt.Sprint(v))
		}
	}
	return out, nil
}

// floorMain is the floor client: the process this binary becomes when
// BENCH_FLOOR_SPEC is set.
func floorMain(specFile string) int {
	if err := runFloorClient(context.Background(), specFile, os.Getenv("BENCH_SECRET")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func runFloorClient(ctx context.Context, specFile, secret string) error {
	b, err := os.ReadFile(specFile)
	if err != nil {
		return err
	}
	var spec floorSpec
	if err := json.Unmarshal(b, &spec); err != nil {
		return err
	}
	ca, err := os.ReadFile(spec.CAFile)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return errors.New("floor: the CA file is not PEM")
	}
	conns := len(spec.Tenants)*spec.Cap + 8
	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool}, MaxIdleConns: conns, MaxIdleConnsPerHost: conns,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, spec.Addr)
		},
	}}
	tokens := make([]string, len(spec.Tenants))
	for i, t := range spec.Tenants {
		if tokens[i], err = clientToken(ctx, client, spec, secret, t.ID); err != nil {
			return err
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(spec.Tenants)*spec.Cap)
	for i, t := range spec.Tenants {
		for w := range spec.Cap {
			wg.Go(func() {
				for j := w; j < len(t.Identities); j += spec.Cap {
					if err := invokeSet(ctx, client, floorExchange, t.ID, tokens[i], t.Identities[j]); err != nil {
						errs <- err
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// clientToken gets an app-only Exchange token for tenant.
func clientToken(ctx context.Context, c *http.Client, spec floorSpec, secret, tenant string) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {spec.ClientID},
		"client_secret": {secret}, "scope": {floorExchange + "/.default"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, floorAuthority+"/"+tenant+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("floor: token: %w", err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("floor: token request answered %s", resp.Status)
	}
	return tok.AccessToken, nil
}

func invokeSet(ctx context.Context, c *http.Client, exchangeURL, tenant, token, identity string) error {
	body, _ := json.Marshal(map[string]any{"CmdletInput": map[string]any{"CmdletName": "Set-Mailbox",
		"Parameters": map[string]any{"Identity": identity, "RetainDeletedItemsFor": "30.00:00:00"}}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, exchangeURL+"/adminapi/beta/"+tenant+"/InvokeCommand", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-AnchorMailbox", "APP:"+emulator.SystemMailboxAnchor+"@"+tenant)
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("floor: Set-Mailbox: %w", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("floor: Set-Mailbox answered %s: %s", resp.Status, tail(string(b), 300))
	}
	return nil
}
