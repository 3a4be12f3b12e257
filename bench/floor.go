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
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/internal/emulator/directory"
)

// measureFloor sends the sched scenario's writes from a minimal in-process
// Go client (one token per tenant, cap workers per tenant, each sending its
// share of Set-Mailbox calls back to back) against a fresh emulator with the
// same knobs. Its makespan is what the emulator and this machine allow at
// all: exoplay's ratio can only be judged against it.
func measureFloor(ctx context.Context, h *harness, tenants, mailboxes int, latency time.Duration, cap int) (*schedRun, error) {
	e, err := h.startEmulator(emulator.Options{
		Tenants: benchTenants(tenants, mailboxes), Seed: 1,
		Latency: emulator.LatencySpec{Fixed: latency}, ConcurrencyCap: cap,
	})
	if err != nil {
		return nil, err
	}
	defer e.emu.Close()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(e.emu.CACertPEM) {
		return nil, errors.New("floor: the emulator's CA is not PEM")
	}
	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool},
		MaxIdleConns:        tenants*cap + 8,
		MaxIdleConnsPerHost: tenants*cap + 8,
	}}
	defer client.CloseIdleConnections()

	type job struct{ tenant, token string }
	var jobs []job
	ids := map[string][]string{}
	for _, t := range e.emu.Tenants() {
		tok, err := clientToken(ctx, client, e.emu, t.ID)
		if err != nil {
			return nil, err
		}
		ids[t.ID], err = mailboxIDs(ctx, e.emu, t.ID)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, job{t.ID, tok})
	}
	h.log("floor: %d tenants × %d writes from a minimal client", tenants, mailboxes)
	var wg sync.WaitGroup
	errs := make(chan error, tenants*cap)
	child := &childResult{}
	self0 := selfCPU()
	start := time.Now()
	for _, j := range jobs {
		for w := range cap {
			wg.Go(func() {
				for i := w; i < len(ids[j.tenant]); i += cap {
					if err := invokeSet(ctx, client, e.emu, j.tenant, j.token, ids[j.tenant][i]); err != nil {
						errs <- err
						return
					}
				}
			})
		}
	}
	wg.Wait()
	child.Wall, child.HarnessCPU = time.Since(start), selfCPU()-self0
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	r := &schedRun{tenants: tenants, mailboxes: mailboxes, latency: latency, cap: cap, child: child,
		ideal: time.Duration(math.Ceil(float64(mailboxes)/float64(cap))) * latency}
	if err := r.fromCounters(e.emu.Counters()); err != nil {
		return nil, fmt.Errorf("floor: %w", err)
	}
	return r, nil
}

// clientToken gets an app-only Exchange token for tenant from the emulator.
func clientToken(ctx context.Context, c *http.Client, emu *emulator.Emulator, tenant string) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {emu.DemoClientID},
		"client_secret": {emu.DemoSecret}, "scope": {emu.ExchangeURL + "/.default"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, emu.AuthorityURL+"/"+tenant+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
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

func invokeSet(ctx context.Context, c *http.Client, emu *emulator.Emulator, tenant, token, identity string) error {
	body, _ := json.Marshal(map[string]any{"CmdletInput": map[string]any{"CmdletName": "Set-Mailbox",
		"Parameters": map[string]any{"Identity": identity, "RetainDeletedItemsFor": "30.00:00:00"}}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, emu.ExchangeURL+"/adminapi/beta/"+tenant+"/InvokeCommand", bytes.NewReader(body))
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
