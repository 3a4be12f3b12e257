package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

const rssAimKiB = 64 * 1024

// rssScenario exports every mailbox of one tenant (Get-Mailbox -ResultSize
// Unlimited, all properties, streamed to data/) at each size and reads the
// child's peak RSS from its rusage.
func rssScenario(ctx context.Context, h *harness, c *config) ([]Figure, error) {
	return peakSweep{
		scenario: "rss", doing: "exporting", step: "export", done: "objects in",
		aim: "< 64 MiB", aimKiB: rssAimKiB,
		cmd:     "go run ./bench -only rss -rss-sizes " + joinInts(c.rssSizes),
		measure: func(n int) (*childResult, error) { return measureExport(ctx, h, n) },
	}.run(c.rssSizes)
}

// peakSweep is what both memory scenarios do: measure the child's peak RSS
// at each size, a figure per size against the aim, then peakRatio.
type peakSweep struct {
	scenario string // "rss", "register"
	doing    string // what the child does with the mailboxes, for the figure's name
	step     string // the step whose objects the detail counts
	done     string // the detail's words after that count
	aim      string
	aimKiB   int64
	cmd      string
	measure  func(mailboxes int) (*childResult, error)
}

func (s peakSweep) run(sizes []int) ([]Figure, error) {
	var figs []Figure
	var peaks []int64
	for _, n := range sizes {
		r, err := s.measure(n)
		if err != nil {
			return figs, err
		}
		peaks = append(peaks, r.MaxRSSKiB)
		figs = append(figs, Figure{
			Scenario: s.scenario, Name: fmt.Sprintf("%s: peak RSS %s %s mailboxes", s.scenario, s.doing, thousands(n)), Value: float64(r.MaxRSSKiB) / 1024, Unit: "MiB",
			Shown: mib(r.MaxRSSKiB), Aim: s.aim, Met: boolPtr(r.MaxRSSKiB < s.aimKiB), Command: s.cmd,
			Detail: fmt.Sprintf("%d %s %s wall, client CPU %s", r.Results.stepObjects(s.step), s.done, secs(r.Wall), secs(r.CPU())),
		})
	}
	return append(figs, peakRatio(s.scenario, sizes, peaks, s.cmd)...), nil
}

// peakRatio is the figure both memory scenarios aim at: the peak RSS of the
// largest size measured over the smallest's, flat memory meaning ≤ 1.30.
// It is empty when fewer than two sizes were measured.
func peakRatio(scenario string, sizes []int, peaks []int64, cmd string) []Figure {
	if len(peaks) < 2 {
		return nil
	}
	ratio := float64(peaks[len(peaks)-1]) / float64(peaks[0])
	return []Figure{{
		Scenario: scenario, Name: fmt.Sprintf("%s: peak RSS %s ÷ %s mailboxes", scenario, thousands(sizes[len(peaks)-1]), thousands(sizes[0])),
		Value: ratio, Unit: "ratio", Shown: fmt.Sprintf("%.2f", ratio), Aim: "≤ 1.30", Met: boolPtr(ratio <= 1.30), Command: cmd,
	}}
}

func measureExport(ctx context.Context, h *harness, mailboxes int) (*childResult, error) {
	e, stop, err := h.startOneTenant(mailboxes)
	if err != nil {
		return nil, err
	}
	defer stop()
	pb, err := h.writePlaybook(playbookSpec{Name: "bench-export", Steps: exportSteps}, e.emu)
	if err != nil {
		return nil, err
	}
	h.settle(ctx, fmt.Sprintf("rss %d", mailboxes))
	h.log("rss: exporting %d mailboxes", mailboxes)
	r, err := h.run(ctx, e, pb, fmt.Sprintf("rss-%d", mailboxes))
	if err != nil {
		return nil, err
	}
	if got := r.Results.stepObjects("export"); got < mailboxes {
		return nil, fmt.Errorf("rss: the export returned %d objects, want at least %d", got, mailboxes)
	}
	return r, nil
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}

// thousands writes 200000 as 200,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
