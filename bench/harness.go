package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/exoplay/exoplay/internal/emulator"
)

// harness holds what every scenario shares: the built binary, a scratch
// folder, the output folder and the profiling switch.
type harness struct {
	root    string // module root: builds and `go run ./bench` run here
	bin     string // the exoplay binary under test
	launch  string // bench/rusage: starts bin so its peak RSS is its own
	tmp     string // scratch folder for playbooks, run dirs, caches
	out     string // bench/out (reports, profiles)
	profile bool   // bin is bench/profexoplay: write CPU profiles to out
	trace   bool   // and execution traces
	log     func(format string, args ...any)

	quietBusy  float64       // wait before each measured run until others use less than this % ...
	quietWait  time.Duration // ... for at most this long each time
	waitLeft   time.Duration // ... and this long in all (a full run stays within minutes)
	conditions []Condition   // how busy the machine was before each measured run
	maxOthers  float64       // a timed run during which others used more than this % is measured again ...
	retries    int           // ... up to this many times
}

// settle waits for a quiet machine before the measured run named label and
// records how busy it was.
func (h *harness) settle(ctx context.Context, label string) {
	c := awaitQuiet(ctx, label, h.quietBusy, min(h.quietWait, h.waitLeft))
	h.waitLeft = max(0, h.waitLeft-time.Duration(c.Waited*float64(time.Second)))
	h.conditions = append(h.conditions, c)
	h.log("%s: machine %.0f%% busy before start (load %.2f, waited %.0f s)", label, c.Busy, c.Load1, c.Waited)
}

// moduleRoot is the folder of the go.mod that `go env GOMOD` names.
func moduleRoot() (string, error) {
	b, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("bench: go env GOMOD: %w (run from inside the exoplay module)", err)
	}
	mod := strings.TrimSpace(string(b))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("bench: not inside a Go module; run `go run ./bench` from the exoplay repository")
	}
	return filepath.Dir(mod), nil
}

// build compiles the binary under test once: ./cmd/exoplay, or the
// profiling wrapper when profile is set (same code, plus the pprof hook).
func (h *harness) build(ctx context.Context) error {
	pkg := "./cmd/exoplay"
	if h.profile {
		pkg = "./bench/profexoplay"
	}
	h.launch = filepath.Join(h.tmp, "rusage")
	builds := map[string]string{h.launch: "./bench/rusage"}
	if h.bin == "" { // -bin names a binary built elsewhere (before/after)
		h.bin = filepath.Join(h.tmp, "exoplay")
		builds[h.bin] = pkg
	}
	for out, pkg := range builds {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
		cmd.Dir = h.root
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("bench: go build %s: %w\n%s", pkg, err, b)
		}
	}
	return nil
}

// scratch makes a fresh folder under the harness's scratch folder.
func (h *harness) scratch(prefix string) (string, error) {
	return os.MkdirTemp(h.tmp, prefix+"-")
}

// env is an emulator the harness hosts, with its CA written to disk.
type env struct {
	emu *emulator.Emulator
	ca  string
}

func (h *harness) startEmulator(opts emulator.Options) (*env, error) {
	start := time.Now()
	emu, err := emulator.Start(opts)
	if err != nil {
		return nil, err
	}
	dir, err := h.scratch("ca")
	if err != nil {
		emu.Close()
		return nil, err
	}
	ca, err := emu.WriteCAFile(dir)
	if err != nil {
		emu.Close()
		return nil, err
	}
	h.log("emulator up in %s (%d tenants)", time.Since(start).Round(time.Millisecond), len(opts.Tenants))
	return &env{emu: emu, ca: ca}, nil
}

// startOneTenant starts an emulator with one tenant of n mailboxes for a
// memory scenario. stop closes it and returns its heap to the OS: the next
// size's child should not share the machine with this emulator's heap.
func (h *harness) startOneTenant(mailboxes int) (e *env, stop func(), err error) {
	e, err = h.startEmulator(emulator.Options{Tenants: benchTenants(1, mailboxes), Seed: 1})
	if err != nil {
		return nil, nil, err
	}
	return e, func() {
		e.emu.Close()
		runtime.GC()
		debug.FreeOSMemory()
	}, nil
}

// childResult is what one `exoplay run` child left behind.
type childResult struct {
	Wall       time.Duration
	User, Sys  time.Duration
	MaxRSSKiB  int64
	HarnessCPU time.Duration // this process (the emulator) during the run
	OthersCPU  time.Duration // every other process on the machine during the run (-1: unknown)
	TCPOpens   int64         // TCP connections opened machine-wide during the run (-1: unknown)
	Results    *resultsDoc
	Stderr     string
}

// CPU is the child's user + system time.
func (c *childResult) CPU() time.Duration { return c.User + c.Sys }

// runCmd prepares `exoplay run playbook` against e: a fresh out and token
// cache folder, the secret in BENCH_SECRET, a CPU profile when profiling.
// With usage != "", the child is started through the rusage launcher, which
// writes the child's own CPU and peak RSS to that file.
func (h *harness) runCmd(ctx context.Context, e *env, playbook, profileName, usage string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer, error) {
	dir, err := h.scratch("run")
	if err != nil {
		return nil, nil, nil, err
	}
	args := []string{"run", playbook, "--out", filepath.Join(dir, "runs"),
		"--progress", "none", "--format", "json", "--ca-file", e.ca, "--connect-to", e.emu.ConnectTo}
	cmd := exec.CommandContext(ctx, h.bin, args...)
	if usage != "" {
		cmd = exec.CommandContext(ctx, h.launch, append([]string{usage, h.bin}, args...)...)
	}
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"BENCH_SECRET="+e.emu.DemoSecret,
		"EXOPLAY_CACHE_DIR="+filepath.Join(dir, "cache"),
		"XDG_CACHE_HOME="+filepath.Join(dir, "xdg-cache"),
	)
	if h.profile && profileName != "" {
		if err := os.MkdirAll(h.out, 0o755); err != nil {
			return nil, nil, nil, err
		}
		cmd.Env = append(cmd.Env, "BENCH_CPUPROFILE="+filepath.Join(h.out, profileName+".cpu.pprof"),
			"BENCH_MEMPROFILE="+filepath.Join(h.out, profileName+".heap.pprof"),
			"BENCH_PEAKHEAP="+filepath.Join(h.out, profileName+".peakheap.pprof"))
		if h.trace {
			cmd.Env = append(cmd.Env, "BENCH_TRACE="+filepath.Join(h.out, profileName+".trace"))
		}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr, nil
}

// run runs the child to completion and collects its resource usage.
func (h *harness) run(ctx context.Context, e *env, playbook, profileName string) (*childResult, error) {
	dir, err := h.scratch("usage")
	if err != nil {
		return nil, err
	}
	usageFile := filepath.Join(dir, "usage.json")
	cmd, stdout, stderr, err := h.runCmd(ctx, e, playbook, profileName, usageFile)
	if err != nil {
		return nil, err
	}
	r, err := measure(cmd, usageFile)
	r.Stderr = stderr.String()
	if err != nil {
		return r, fmt.Errorf("exoplay run %s: %w\n%s", filepath.Base(playbook), err, tail(r.Stderr, 2000))
	}
	if r.Results, err = parseResults(stdout.Bytes()); err != nil {
		return r, err
	}
	return r, nil
}

// measure runs cmd, a command started through the rusage launcher that
// writes to usageFile, and collects the command's CPU and peak RSS, this
// process's CPU meanwhile (the emulator's), other processes' CPU and the TCP
// connections opened.
func measure(cmd *exec.Cmd, usageFile string) (*childResult, error) {
	self0, meter, opens0 := selfCPU(), startMeter(), tcpActiveOpens()
	start := time.Now()
	err := cmd.Run()
	r := &childResult{Wall: time.Since(start), HarnessCPU: selfCPU() - self0, OthersCPU: -1, TCPOpens: -1}
	if opens1 := tcpActiveOpens(); opens0 >= 0 && opens1 >= 0 {
		r.TCPOpens = opens1 - opens0
	}
	if u, uerr := readUsage(usageFile); uerr == nil {
		r.User, r.Sys, r.MaxRSSKiB = time.Duration(u.UserNS), time.Duration(u.SysNS), u.MaxRSSKiB
	} else if err == nil {
		err = uerr
	}
	if all, ok := meter.used(); ok {
		r.OthersCPU = max(0, all-r.CPU()-r.HarnessCPU)
	}
	return r, err
}

// tail keeps the end of s, where a failing child says why.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// usage is what bench/rusage writes (its Usage type; a main package cannot
// be imported).
type usage struct {
	UserNS    int64 `json:"user_ns"`
	SysNS     int64 `json:"sys_ns"`
	MaxRSSKiB int64 `json:"maxrss_kib"`
	ExitCode  int   `json:"exit_code"`
}

func readUsage(path string) (usage, error) {
	var u usage
	b, err := os.ReadFile(path)
	if err != nil {
		return u, fmt.Errorf("bench: the rusage launcher left no usage: %w", err)
	}
	if err := json.Unmarshal(b, &u); err != nil {
		return u, fmt.Errorf("bench: usage file %s: %w", path, err)
	}
	return u, nil
}
