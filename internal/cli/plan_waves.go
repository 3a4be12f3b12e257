package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/exoplay/exoplay/runner"
)

// planRollout is settings.rollout as the plan resolves it: which tenants
// run in which wave.
type planRollout struct {
	Canary       string     `json:"canary,omitempty"`
	MaxFailRatio float64    `json:"max_fail_ratio"`
	Pause        string     `json:"pause,omitempty"`
	Waves        []planWave `json:"waves"`
}

type planWave struct {
	Name    string   `json:"name"`
	Size    string   `json:"size"`
	Tenants []string `json:"tenants"`
}

func rolloutShown(p *runner.Plan) *planRollout {
	ro := p.Playbook.Settings.Rollout
	if ro == nil || len(p.Waves) == 0 {
		return nil
	}
	out := &planRollout{Canary: ro.Canary, MaxFailRatio: ro.MaxFailRatio}
	if ro.Pause > 0 {
		out.Pause = ro.Pause.String()
	}
	for _, w := range p.Waves {
		pw := planWave{Name: w.Name, Size: w.Size, Tenants: []string{}}
		for _, t := range w.Tenants {
			pw.Tenants = append(pw.Tenants, t.Name)
		}
		out.Waves = append(out.Waves, pw)
	}
	return out
}

func writeRolloutText(w io.Writer, ro *planRollout) {
	if ro == nil {
		return
	}
	fmt.Fprintf(w, "Rollout: %d waves; a wave with more than %g of its tenants failed stops the run", len(ro.Waves), ro.MaxFailRatio)
	if ro.Pause != "" {
		fmt.Fprintf(w, "; %s pause between waves", ro.Pause)
	}
	fmt.Fprintln(w)
	for _, wv := range ro.Waves {
		fmt.Fprintf(w, "  %-8s (%s) %d: %s\n", wv.Name, wv.Size, len(wv.Tenants), strings.Join(wv.Tenants, ", "))
	}
}
