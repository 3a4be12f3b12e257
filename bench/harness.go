package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/exoplay/exoplay/internal/emulator"
)

// harness holds what every scenario shares: the built binary, a scratch
// folder, the output folder and the profiling switch.
type harness struct {
	root    string // module root: builds and `go run ./bench` run here
	bin     string // the exoplay binary under test
	tmp     string // scratch folder for playbooks, run dirs, caches
	out     string // bench/out (reports, profiles)
	profile bool   // bin is bench/profexoplay: write CPU profiles to out
	trace   bool   // and execution traces
	log     func(format string, args ...any)
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
	h.bin = filepath.Join(h.tmp, "exoplay")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", h.bin, pkg)
	cmd.Dir = h.root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("bench: go build %s: %w\n%s", pkg, err, out)
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

// childResult is what one `exoplay run` child left behind.
type childResult struct {
	Wall       time.Duration
	User, Sys  time.Duration
	MaxRSSKiB  int64
	HarnessCPU time.Duration // this process (the emulator) during the run
	Results    *resultsDoc
	Stderr     string
}

// CPU is the child's user + system time.
func (c *childResult) CPU() time.Duration { return c.User + c.Sys }

// runCmd prepares `exoplay run playbook` against e: a fresh out and token
// cache folder, the secret in BENCH_SECRET, a CPU profile when profiling.
func (h *harness) runCmd(ctx context.Context, e *env, playbook, profileName string, extra ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer, error) {
	dir, err := h.scratch("run")
	if err != nil {
		return nil, nil, nil, err
	}
	args := append([]string{"run", playbook, "--out", filepath.Join(dir, "runs"),
		"--progress", "none", "--format", "json", "--ca-file", e.ca}, extra...)
	cmd := exec.CommandContext(ctx, h.bin, args...)
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
			"BENCH_MEMPROFILE="+filepath.Join(h.out, profileName+".heap.pprof"))
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
	cmd, stdout, stderr, err := h.runCmd(ctx, e, playbook, profileName)
	if err != nil {
		return nil, err
	}
	self0 := selfCPU()
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	r := &childResult{Wall: wall, HarnessCPU: selfCPU() - self0, Stderr: stderr.String()}
	if cmd.ProcessState != nil {
		r.User, r.Sys = cmd.ProcessState.UserTime(), cmd.ProcessState.SystemTime()
		r.MaxRSSKiB = maxRSS(cmd.ProcessState)
	}
	if err != nil {
		return r, fmt.Errorf("exoplay run %s: %w\n%s", filepath.Base(playbook), err, tail(stderr.String(), 2000))
	}
	if r.Results, err = parseResults(stdout.Bytes()); err != nil {
		return r, err
	}
	return r, nil
}

// tail keeps the end of s, where a failing child says why.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
