// Command profexoplay is exoplay with a CPU / heap profile hook for the
// benchmark harness (go run ./bench -profile). The hook lives here, not in
// the product: BENCH_CPUPROFILE=FILE writes a CPU profile of the whole run,
// BENCH_MEMPROFILE=FILE a heap profile at exit, BENCH_TRACE=FILE an execution
// trace (go tool trace -pprof=sync|net|sched FILE shows where time waits).
package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"

	"github.com/exoplay/exoplay/internal/cli"
)

func main() {
	os.Exit(run())
}

func run() int {
	if p := os.Getenv("BENCH_CPUPROFILE"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			fmt.Fprintf(os.Stderr, "profexoplay: %v\n", err)
			return 2
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(os.Stderr, "profexoplay: %v\n", err)
			return 2
		}
		defer pprof.StopCPUProfile()
	}
	if p := os.Getenv("BENCH_TRACE"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			fmt.Fprintf(os.Stderr, "profexoplay: %v\n", err)
			return 2
		}
		defer f.Close()
		if err := trace.Start(f); err != nil {
			fmt.Fprintf(os.Stderr, "profexoplay: %v\n", err)
			return 2
		}
		defer trace.Stop()
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
