package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/exoplay/exoplay/internal/emulator"
)

// coldSample is one cold start, each time measured from just before cmd.Start.
type coldSample struct {
	firstDisco time.Duration // the authority saw the first openid-configuration request
	firstToken time.Duration // the authority saw the first token request
	firstCall  time.Duration // the Exchange side saw the first InvokeCommand
	tokenRTT   time.Duration // a fresh TLS connection + client_credentials POST
	pollEvery  time.Duration // the achieved interval between counter reads
}

// coldScenario measures, reps times, how long a fresh `exoplay run` takes
// to send its first InvokeCommand, and a bare token round trip to compare.
func coldScenario(ctx context.Context, h *harness, c *config) ([]Figure, error) {
	cmd := fmt.Sprintf("go run ./bench -only cold -cold-reps %d -cold-poll %s", c.coldReps, c.coldPoll)
	e, err := h.startEmulator(emulator.Options{Tenants: benchTenants(1, 25), Seed: 1})
	if err != nil {
		return nil, err
	}
	defer e.emu.Close()
	pb, err := h.writePlaybook(playbookSpec{Name: "bench-cold", Steps: firstCallSteps}, e.emu)
	if err != nil {
		return nil, err
	}
	h.settle(ctx, "cold")
	// One unmeasured run: the binary is in the page cache and the emulator's
	// own code paths are warm, as for any run after the first on a machine.
	if _, err := h.run(ctx, e, pb, ""); err != nil {
		return nil, err
	}
	var samples []coldSample
	var execs, validates []time.Duration
	for i := range c.coldReps {
		rtt, err := tokenRTT(ctx, e.emu)
		if err != nil {
			return nil, err
		}
		s, err := coldStart(ctx, h, e, pb, c.coldPoll, i)
		if err != nil {
			return nil, err
		}
		s.tokenRTT = rtt
		samples = append(samples, s)
		x, err := execTime(ctx, h.bin, "version")
		if err != nil {
			return nil, err
		}
		execs = append(execs, x)
		v, err := execTime(ctx, h.bin, "validate", pb)
		if err != nil {
			return nil, err
		}
		validates = append(validates, v)
		h.log("cold #%d: discovery %s, token request %s, first call %s; token RTT %s", i+1, millis(s.firstDisco), millis(s.firstToken), millis(s.firstCall), millis(rtt))
	}
	call := median(samples, func(s coldSample) time.Duration { return s.firstCall })
	tok := median(samples, func(s coldSample) time.Duration { return s.firstToken })
	disco := median(samples, func(s coldSample) time.Duration { return s.firstDisco })
	rtt := median(samples, func(s coldSample) time.Duration { return s.tokenRTT })
	diff := median(samples, func(s coldSample) time.Duration { return s.firstCall - s.tokenRTT })
	n := fmt.Sprintf("median of %d", len(samples))
	return []Figure{
		{Scenario: "cold", Name: "cold: start → first InvokeCommand (" + n + ")", Value: ms(call), Unit: "ms", Shown: millis(call), Command: cmd,
			Detail: fmt.Sprintf("from just before cmd.Start to the emulator counting the call; counters read every %s (asked %s)",
				median(samples, func(s coldSample) time.Duration { return s.pollEvery }).Round(time.Microsecond), c.coldPoll)},
		{Scenario: "cold", Name: "cold: token round trip (" + n + ")", Value: ms(rtt), Unit: "ms", Shown: millis(rtt), Command: cmd,
			Detail: "fresh TLS connection + client_credentials POST to <authority>/<tenant>/oauth2/v2.0/token"},
		{Scenario: "cold", Name: "cold: start → first call − token RTT (" + n + ")", Value: ms(diff), Unit: "ms", Shown: millis(diff),
			Aim: "< 100 ms", Met: boolPtr(diff < 100*time.Millisecond), Command: cmd},
		{Scenario: "cold", Name: "cold: start → first authority discovery request (" + n + ")", Value: ms(disco), Unit: "ms", Shown: millis(disco), Command: cmd,
			Detail: "GET .../v2.0/.well-known/openid-configuration, MSAL's first request (0 = none was made)"},
		{Scenario: "cold", Name: "cold: start → first token request (" + n + ")", Value: ms(tok), Unit: "ms", Shown: millis(tok), Command: cmd,
			Detail: "process start, playbook load and validation, sign-in set-up before the token POST"},
		{Scenario: "cold", Name: "cold: `exoplay version` exec → exit (" + n + ")", Value: ms(medianD(execs)), Unit: "ms", Shown: millis(medianD(execs)), Command: cmd,
			Detail: "the floor: starting and stopping the binary"},
		{Scenario: "cold", Name: "cold: `exoplay validate PLAYBOOK` exec → exit (" + n + ")", Value: ms(medianD(validates)), Unit: "ms", Shown: millis(medianD(validates)), Command: cmd,
			Detail: "start-up plus loading the playbook and checking it against schema.json and the rules"},
	}, nil
}

// coldStart runs the child once, polling the emulator's counters from just
// before cmd.Start until the first InvokeCommand arrives. Polling sleeps
// between reads instead of spinning: on a 2-core machine a spinning poller
// would take a core from the child it is timing.
func coldStart(ctx context.Context, h *harness, e *env, pb string, poll time.Duration, rep int) (coldSample, error) {
	tenant := e.emu.Tenants()[0].ID
	c0 := e.emu.Counters()
	calls0, tokens0, disco0 := c0.Tenant(tenant).Requests, c0.Tokens.Requests(tenant, ""), c0.Tokens.Discovery
	cmd, _, stderr, err := h.runCmd(ctx, e, pb, fmt.Sprintf("cold-%d", rep), "")
	if err != nil {
		return coldSample{}, err
	}
	done := make(chan error, 1)
	var s coldSample
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return s, err
	}
	go func() { done <- cmd.Wait() }()
	polls := 0
	for s.firstCall == 0 {
		polls++
		c := e.emu.Counters()
		now := time.Since(start)
		if s.firstDisco == 0 && c.Tokens.Discovery > disco0 {
			s.firstDisco = now
		}
		if s.firstToken == 0 && c.Tokens.Requests(tenant, "") > tokens0 {
			s.firstToken = now
		}
		if c.Tenant(tenant).Requests > calls0 {
			s.firstCall = now
			if s.firstToken == 0 {
				s.firstToken = now
			}
			break
		}
		select {
		case err := <-done:
			return s, fmt.Errorf("cold: exoplay exited (%v) before any InvokeCommand reached the emulator\n%s", err, tail(stderr.String(), 2000))
		default:
		}
		if poll > 0 {
			time.Sleep(poll)
		}
	}
	s.pollEvery = s.firstCall / time.Duration(polls)
	if err := <-done; err != nil {
		return s, fmt.Errorf("cold: exoplay run: %w\n%s", err, tail(stderr.String(), 2000))
	}
	return s, nil
}

// tokenRTT times one client_credentials token request on a new TLS connection.
func tokenRTT(ctx context.Context, emu *emulator.Emulator) (time.Duration, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(emu.CACertPEM) {
		return 0, errors.New("cold: the emulator's CA is not PEM")
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, emu.Addr)
		}}
	defer tr.CloseIdleConnections()
	form := url.Values{
		"grant_type": {"client_credentials"}, "client_id": {emu.DemoClientID},
		"client_secret": {emu.DemoSecret}, "scope": {floorExchange + "/.default"},
	}
	tenant := emu.Tenants()[0].ID
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, floorAuthority+"/"+tenant+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	start := time.Now()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return 0, fmt.Errorf("cold: token request: %w", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("cold: token response: %w", err)
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "access_token") {
		// The body of a refusal carries no secret, only the AADSTS error.
		return 0, fmt.Errorf("cold: token request answered %s: %s", resp.Status, tail(string(body), 300))
	}
	return d, nil
}

// execTime runs the binary with args and times exec to exit.
func execTime(ctx context.Context, bin string, args ...string) (time.Duration, error) {
	start := time.Now()
	if out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("cold: %s %v: %w\n%s", bin, args, err, out)
	}
	return time.Since(start), nil
}

func median[T any](xs []T, f func(T) time.Duration) time.Duration {
	ds := make([]time.Duration, len(xs))
	for i, x := range xs {
		ds[i] = f(x)
	}
	return medianD(ds)
}

func medianD(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
