// Command profexoplay is exoplay with a CPU / heap profile hook for the
// benchmark harness (go run ./bench -profile). The hook lives here, not in
// the product: BENCH_CPUPROFILE=FILE writes a CPU profile of the whole run,
// BENCH_MEMPROFILE=FILE a heap profile at exit, BENCH_PEAKHEAP=FILE a heap
// profile taken when the live heap was largest (sampled every 50 ms),
// BENCH_TRACE=FILE an execution trace (go tool trace -pprof=sync|net|sched
// FILE shows where time waits).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"runtime/trace"
	"time"

	"github.com/exoplay/exoplay/internal/cli"
)

func main() {
	os.Exit(run())
}

func run() int {
	for _, r := range []struct {
		env   string
		start func(io.Writer) error
		stop  func()
	}{
		{"BENCH_CPUPROFILE", pprof.StartCPUProfile, pprof.StopCPUProfile},
		{"BENCH_TRACE", trace.Start, trace.Stop},
	} {
		stop, err := record(os.Getenv(r.env), r.start, r.stop)
		if err != nil {
			fmt.Fprintf(os.Stderr, "profexoplay: %v\n", err)
			return 2
		}
		defer stop()
	}
	if p := os.Getenv("BENCH_PEAKHEAP"); p != "" {
		stop := watchPeakHeap(p)
		defer stop()
	}
	code := cli.Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	if p := os.Getenv("BENCH_MEMPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil {
			runtime.GC()
			pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
	return code
}

// watchPeakHeap rewrites path with a heap profile each time the live heap
// grows 10 % past its largest sample so far.
func watchPeakHeap(path string) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak uint64
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak+peak/10 {
				peak = v
				if f, err := os.Create(path); err == nil {
					pprof.Lookup("heap").WriteTo(f, 0)
					f.Close()
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}

// record starts a recorder (CPU profile, execution trace) writing to the file
// path names, and returns what stops it and closes the file. An empty path
// records nothing.
func record(path string, start func(io.Writer) error, stop func()) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { stop(); f.Close() }, nil
}
