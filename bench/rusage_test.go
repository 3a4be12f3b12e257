package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// The launcher exists because a child started straight from a big parent
// reports the parent's peak RSS (vfork + exec fold it into ru_maxrss). With
// the parent holding 256 MiB, a child started through the launcher must
// still report a few MiB.
func TestLauncherReportsTheChildsOwnPeak(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("ru_maxrss accounting is Linux's")
	}
	dir := t.TempDir()
	launcher := filepath.Join(dir, "rusage")
	if out, err := exec.Command("go", "build", "-o", launcher, "./rusage").CombinedOutput(); err != nil {
		t.Fatalf("go build ./rusage: %v\n%s", err, out)
	}
	ballast := make([]byte, 256<<20)
	for i := 0; i < len(ballast); i += 4096 {
		ballast[i] = 1 // touch every page: resident, not just reserved
	}
	usageFile := filepath.Join(dir, "usage.json")
	cmd := exec.Command(launcher, usageFile, launcher) // the launcher without arguments: a tiny process that exits 2
	if err := cmd.Run(); err == nil {
		t.Fatal("the inner launcher should exit 2 (usage)")
	}
	u, err := readUsage(usageFile)
	if err != nil {
		t.Fatal(err)
	}
	runtime.KeepAlive(ballast)
	if u.ExitCode != 2 {
		t.Errorf("exit code = %d, want the command's 2", u.ExitCode)
	}
	if u.MaxRSSKiB <= 0 || u.MaxRSSKiB > 64<<10 {
		t.Errorf("child peak RSS = %d KiB; want a few MiB, not the 256 MiB parent's", u.MaxRSSKiB)
	}
	if _, err := os.Stat(usageFile); err != nil {
		t.Fatal(err)
	}
}
