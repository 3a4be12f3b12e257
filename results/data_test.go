package results

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func readLines(t *testing.T, d *RunDir, rel string) []string {
	t.Helper()
	var out []string
	if err := d.ReadData(rel, func(o json.RawMessage) error { out = append(out, string(o)); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSpoolWritesInInputOrder(t *testing.T) {
	t.Parallel()
	d, err := Create(t.TempDir(), "spool", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// A name that is not already a safe file name is refused, never
	// rewritten: "contoso." would share data/contoso/ with "contoso".
	for _, bad := range [][2]string{{"contoso tenant", "step-1"}, {"contoso.", "step-1"}, {"contoso", "step/1"}, {"contoso", "mbx-"}} {
		if _, err := d.OpenSpool(bad[0], bad[1]); err == nil {
			t.Errorf("OpenSpool(%q, %q) accepted a name Slug would change", bad[0], bad[1])
		}
	}
	sp, err := d.OpenSpool("contoso-tenant", "step-1")
	if err != nil {
		t.Fatal(err)
	}
	// Items finish out of order: 2, 0, 1.
	r2, _ := sp.Append([]byte("{\"i\":2}\n"), 1)
	r0, _ := sp.Append([]byte("{\"i\":0}\n{\"i\":0.5}\n"), 2)
	r1, _ := sp.Append(nil, 0)
	rel, err := sp.Finish([]Range{r0, r1, r2})
	if err != nil {
		t.Fatal(err)
	}
	if rel != "data/contoso-tenant/step-1.jsonl" {
		t.Fatalf("rel = %q", rel)
	}
	got := strings.Join(readLines(t, d, rel), " ")
	if got != `{"i":0} {"i":0.5} {"i":2}` {
		t.Fatalf("data = %s", got)
	}
	if err := sp.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(d.Path(), rel+".spool")); !os.IsNotExist(err) {
		t.Fatalf("spool left behind: %v", err)
	}
}

func TestSpoolStreamAndResume(t *testing.T) {
	t.Parallel()
	d, err := Create(t.TempDir(), "spool", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	sp, err := d.OpenSpool("t", "s")
	if err != nil {
		t.Fatal(err)
	}
	w := sp.Stream()
	for i := range 1000 {
		if err := w.WriteObject(json.RawMessage(`{"n":` + strings.Repeat("1", i%5+1) + `}`)); err != nil {
			t.Fatal(err)
		}
	}
	r, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if r.Objects != 1000 || r.Off != 0 {
		t.Fatalf("range = %+v", r)
	}
	// Interrupted before Finish: the spool is reopened with its content.
	sp.Close()
	sp, err = d.OpenSpool("t", "s")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := sp.ReadRange(r, func(json.RawMessage) error { n++; return nil }); err != nil || n != 1000 {
		t.Fatalf("read back %d objects, err %v", n, err)
	}
	rel, err := sp.Finish([]Range{r})
	if err != nil {
		t.Fatal(err)
	}
	// The process dies after the rename but before step_done: reopening
	// takes the data file back as the spool.
	sp.Close()
	sp, err = d.OpenSpool("t", "s")
	if err != nil {
		t.Fatal(err)
	}
	n = 0
	if err := sp.ReadRange(r, func(json.RawMessage) error { n++; return nil }); err != nil || n != 1000 {
		t.Fatalf("after rename-back: read %d objects, err %v", n, err)
	}
	if _, err := sp.Finish([]Range{r}); err != nil {
		t.Fatal(err)
	}
	sp.Remove()
	if got := len(readLines(t, d, rel)); got != 1000 {
		t.Fatalf("data file has %d objects", got)
	}
}

// Finish reads the spool in windows: ranges in any order, near each other,
// far apart, larger than a window, must come out exactly in the order given.
func TestSpoolFinishCopiesRangesInAnyOrder(t *testing.T) {
	t.Parallel()
	d, err := Create(t.TempDir(), "spool", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	sp, err := d.OpenSpool("t", "many")
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Remove()
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 3000
	ranges := make([]Range, n)
	want := make([]string, n)
	// Spool order: input order with local shuffles (as concurrent cells
	// finish), plus a few huge objects.
	order, key := make([]int, n), make([]int, n)
	for i := range order {
		order[i], key[i] = i, i+rng.IntN(20)
	}
	slices.SortFunc(order, func(a, b int) int { return key[a] - key[b] })
	for _, i := range order {
		size := 20 + rng.IntN(200)
		if i%997 == 0 {
			size = 2*finishWindow + 17
		}
		want[i] = fmt.Sprintf(`{"i":%d,"pad":"%s"}`, i, strings.Repeat("x", size))
		r, err := sp.Append([]byte(want[i]+"\n"), 1)
		if err != nil {
			t.Fatal(err)
		}
		ranges[i] = r
	}
	// A few far jumps back and forth.
	ranges[10], ranges[n-10] = ranges[n-10], ranges[10]
	want[10], want[n-10] = want[n-10], want[10]
	rel, err := sp.Finish(ranges)
	if err != nil {
		t.Fatal(err)
	}
	got := readLines(t, d, rel)
	if len(got) != n {
		t.Fatalf("%d objects, want %d", len(got), n)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("object %d = %.40s…, want %.40s…", i, got[i], want[i])
		}
	}
}

func TestSpoolFinishRefusesARangePastTheEnd(t *testing.T) {
	t.Parallel()
	d, err := Create(t.TempDir(), "spool", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	sp, err := d.OpenSpool("t", "short")
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Remove()
	r, _ := sp.Append([]byte("{}\n"), 1)
	_, err = sp.Finish([]Range{r, {Off: r.Len, Len: 10, Objects: 1}})
	if err == nil || !strings.Contains(err.Error(), "past the end of the spool") {
		t.Fatalf("err = %v", err)
	}
}
