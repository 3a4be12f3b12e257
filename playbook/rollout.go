package playbook

import (
	"strconv"
	"strings"
	"time"
)

// Rollout runs the tenants wave by wave (settings.rollout): the canary
// tenants first, then waves that grow to all tenants; a wave whose share
// of failed tenants passes MaxFailRatio stops the run.
type Rollout struct {
	// Canary is a --limit pattern: the selected tenants it matches run
	// first (without Waves: as a wave of their own).
	Canary string
	// Waves are cumulative sizes: each wave runs tenants until this many
	// (Count) or this share (Percent, 1..100, rounded up) of the selected
	// tenants have run; a wave covers at least one more tenant, and the
	// last one runs every tenant left.
	Waves []WaveSize
	// MaxFailRatio: a wave with failed/started above it stops the run
	// (0 = any failure stops it).
	MaxFailRatio float64
	// Pause between two waves.
	Pause time.Duration
	Pos   Pos
}

// WaveSize is a count or a percentage of the selected tenants.
type WaveSize struct {
	Count   int
	Percent float64
}

func (w WaveSize) String() string {
	if w.Percent > 0 {
		return strconv.FormatFloat(w.Percent, 'g', -1, 64) + "%"
	}
	return strconv.Itoa(w.Count)
}

// Upto is how many of total tenants have run once this wave is done.
func (w WaveSize) Upto(total int) int {
	if w.Percent > 0 {
		n := int(w.Percent * float64(total) / 100)
		if float64(n)*100 < w.Percent*float64(total) {
			n++ // round up: 10% of 5 tenants is 1, not 0
		}
		return min(n, total)
	}
	return min(w.Count, total)
}

var rolloutKeys = []string{"canary", "waves", "max_fail_ratio", "pause"}

func (l *loader) rollout(n *node) *Rollout {
	f := l.fields(n, "settings.rollout", rolloutKeys...)
	if f == nil {
		return nil
	}
	r := &Rollout{Pos: n.pos}
	r.Canary, _ = f.str("canary")
	if w := f.get("waves"); w != nil {
		if w.kind != seqNode || len(w.items) == 0 {
			l.d.add(w.pos, "waves must be a non-empty list of counts (1) or percentages (\"10%%\"), not %s", describeNode(w))
		} else {
			for _, it := range w.items {
				if ws, ok := l.waveSize(it); ok {
					r.Waves = append(r.Waves, ws)
				}
			}
		}
	}
	if v, ok := f.number("max_fail_ratio", 0, 1); ok {
		r.MaxFailRatio = v
	}
	if p := f.get("pause"); p != nil {
		d, err := time.ParseDuration(p.value)
		if p.kind != scalarNode || !durationRE.MatchString(p.value) || err != nil {
			l.d.add(p.pos, "pause must be a duration such as 0s, 90s or 5m, not %q", p.value)
		} else {
			r.Pause = d
		}
	}
	if r.Canary == "" && len(r.Waves) == 0 {
		l.d.add(n.pos, "settings.rollout needs canary or waves (or both)")
	}
	return r
}

func (l *loader) waveSize(n *node) (WaveSize, bool) {
	if n.kind == scalarNode {
		if n.tag == "!!int" {
			if c, err := strconv.Atoi(n.value); err == nil && c >= 1 {
				return WaveSize{Count: c}, true
			}
		}
		if s, ok := strings.CutSuffix(n.value, "%"); ok && n.tag == "!!str" {
			if p, err := strconv.ParseFloat(s, 64); err == nil && p > 0 && p <= 100 {
				return WaveSize{Percent: p}, true
			}
		}
	}
	l.d.add(n.pos, "a wave is a count of tenants (1 or more) or a percentage (\"10%%\", up to 100%%), not %s", describeNode(n))
	return WaveSize{}, false
}
