package results

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Merged records the shard runs that `exoplay merge` combined.
type Merged struct {
	Count  int           `json:"count"` // N of the shards' I/N
	Shards []MergedShard `json:"shards"`
}

// MergedShard is one shard of a merged run.
type MergedShard struct {
	Shard  string `json:"shard"` // I/N
	ID     string `json:"id,omitempty"`
	Dir    string `json:"dir,omitempty"`
	Status string `json:"status"` // complete | incomplete | missing
	Reason string `json:"reason,omitempty"`
}

// Shard statuses in a merged run.
const (
	ShardComplete   = "complete"
	ShardIncomplete = "incomplete"
	ShardMissing    = "missing"
)

// ErrMergeRefused wraps every reason Merge refuses its input (not a run
// directory, another playbook, a shard given twice, ...): bad input, not a
// failure of the merge.
var ErrMergeRefused = errors.New("cannot merge")

func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMergeRefused, fmt.Sprintf(format, args...))
}

// MergeOptions tune Merge.
type MergeOptions struct {
	// Order lists tenant names in playbook order; merged tenants follow it
	// (names it lacks come after, by name). Without it tenants are sorted
	// by name.
	Order []string
	// OrderFor, when set, gives Order once the shards' playbook is known.
	OrderFor func(Playbook) []string
	// Argv is the merge's own command line (redacted here).
	Argv []string
}

// shardRun is one shard's run directory as read for a merge.
type shardRun struct {
	dir    string
	index  int // I of the shard's I/N
	run    Run
	res    *Results        // nil when results.json is missing
	inputs []ManifestInput // from the shard's manifest.json
	reason string          // why the shard is incomplete ("" = complete)
}

// Merge combines the run directories of the shards of one sharded run (one
// playbook, same sha256, --shard I/N with one N) into a new run directory
// out, from which every reader works as for a single run: results.json over
// every tenant, data/ of every shard, and every JSON-lines file of the run
// (events.jsonl, a ledger, exoplay.log) concatenated in shard order.
//
// A shard that is absent, or whose run did not finish, is named in
// run.merged and makes the merged run interrupted (exit code 130), so
// nothing reads a partial merge as a whole one. out must not exist, be
// empty, or hold an earlier merge (which is replaced).
func Merge(out string, dirs []string, opts MergeOptions) (*Results, error) {
	if len(dirs) == 0 {
		return nil, refuse("no run directory given")
	}
	shards := make([]*shardRun, 0, len(dirs))
	for _, d := range dirs {
		s, err := readShard(d)
		if err != nil {
			return nil, err
		}
		if err := verifyShard(s); err != nil {
			return nil, err
		}
		shards = append(shards, s)
	}
	merged, err := checkShards(shards)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(shards, func(a, b *shardRun) int { return cmp.Compare(a.index, b.index) })
	if opts.OrderFor != nil {
		opts.Order = opts.OrderFor(shards[0].run.Playbook)
	}
	if err := prepareOut(out); err != nil {
		return nil, err
	}
	res := mergeResults(out, shards, merged, opts)
	for _, s := range shards {
		if err := copyData(s.dir, out); err != nil {
			return nil, err
		}
	}
	if err := concatLines(out, shards); err != nil {
		return nil, err
	}
	if err := (&RunDir{path: out}).WriteResults(res); err != nil {
		return nil, err
	}
	if _, err := WriteManifest(out, res, mergedInputs(shards), time.Now()); err != nil {
		return nil, fmt.Errorf("writing the merged run's %s: %w", ManifestFile, err)
	}
	return res, nil
}

// readShard reads a shard's run: results.json when it has one, else the
// run_started event of its journal.
func readShard(dir string) (*shardRun, error) {
	events, err := readEventsFile(filepath.Join(dir, EventsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, refuse("%s is not an exoplay run directory: it has no %s", dir, EventsFile)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	s := &shardRun{dir: dir}
	finished := false
	var selected []TenantInput // what the shard set out to do
	for _, ev := range events {
		switch ev.Type {
		case EventRunStarted, EventRunResumed:
			if ev.Run != nil && s.run.ID == "" {
				s.run = *ev.Run
			}
			if ev.Type == EventRunStarted && ev.Inputs != nil {
				selected = ev.Inputs.Tenants
			}
			finished = false
		case EventRunFinished:
			finished = true
		}
	}
	if s.run.ID == "" {
		return nil, refuse("%s: its journal has no run_started event", dir)
	}
	r, err := (&RunDir{path: dir}).ReadResults()
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s: %w", dir, err)
	case r == nil:
		s.reason = "no results.json: the run was stopped before it finished; resume it with exoplay run --resume " + dir
		// Its tenants are in the merged run as incomplete, so no report
		// reads the merge as covering fewer organizations than it should.
		s.res = &Results{Run: s.run}
		for _, t := range selected {
			s.res.Tenants = append(s.res.Tenants, &Tenant{Name: t.Name, Organization: t.Organization, TenantID: t.TenantID, Status: StatusIncomplete, Steps: []*Step{}})
		}
	default:
		s.res, s.run = r, r.Run
		switch {
		case !finished:
			s.reason = "its journal shows a run that did not finish after results.json was written; resume it with exoplay run --resume " + dir
		case r.Summary.Interrupted:
			s.reason = "the run was interrupted; resume it with exoplay run --resume " + dir
		}
	}
	return s, nil
}

// checkShards refuses shards of different playbooks, modes or shard
// counts, unsharded runs and a shard given twice, and lists every shard of
// the count with its status.
func checkShards(shards []*shardRun) (*Merged, error) {
	first := shards[0]
	count := 0
	byIndex := map[int]*shardRun{}
	for _, s := range shards {
		if s.run.Playbook.SHA256 != first.run.Playbook.SHA256 {
			return nil, refuse("%s ran another playbook than %s (sha256 %.12s…, not %.12s…): merge only the shards of one run", s.dir, first.dir, s.run.Playbook.SHA256, first.run.Playbook.SHA256)
		}
		if s.run.Mode != first.run.Mode {
			return nil, refuse("%s is a %s-mode run but %s is a %s-mode run", s.dir, s.run.Mode, first.dir, first.run.Mode)
		}
		if s.run.FailOn != first.run.FailOn {
			return nil, refuse("%s ran with --fail-on %q but %s with %q: the exit codes would not agree", s.dir, s.run.FailOn, first.dir, first.run.FailOn)
		}
		var i, n int
		if _, err := fmt.Sscanf(s.run.Shard, "%d/%d", &i, &n); err != nil || i < 1 || i > n {
			return nil, refuse("%s is not a shard (it ran without --shard): there is nothing to merge it with", s.dir)
		}
		if count == 0 {
			count = n
		}
		if n != count {
			return nil, refuse("%s is shard %s but %s is shard %s: the shard counts differ", s.dir, s.run.Shard, first.dir, first.run.Shard)
		}
		if prev, dup := byIndex[i]; dup {
			return nil, refuse("shard %s is given twice (%s and %s): pass one run directory per shard", s.run.Shard, prev.dir, s.dir)
		}
		byIndex[i], s.index = s, i
	}
	seen := map[string]string{}
	for _, s := range shards {
		if s.res == nil {
			continue
		}
		for _, t := range s.res.Tenants {
			key := strings.ToLower(t.Name)
			if prev, dup := seen[key]; dup {
				return nil, refuse("tenant %s is in %s and in %s: the shards overlap", t.Name, prev, s.dir)
			}
			seen[key] = s.dir
		}
	}
	m := &Merged{Count: count}
	for i := 1; i <= count; i++ {
		ms := MergedShard{Shard: fmt.Sprintf("%d/%d", i, count), Status: ShardMissing, Reason: "no run directory of this shard was given"}
		if s := byIndex[i]; s != nil {
			ms.ID, ms.Dir, ms.Status, ms.Reason = s.run.ID, s.dir, ShardComplete, s.reason
			if s.reason != "" {
				ms.Status = ShardIncomplete
			}
		}
		m.Shards = append(m.Shards, ms)
	}
	return m, nil
}

// Incomplete lists the shards that are missing or did not finish.
func (m *Merged) Incomplete() []MergedShard {
	var out []MergedShard
	for _, s := range m.Shards {
		if s.Status != ShardComplete {
			out = append(out, s)
		}
	}
	return out
}

func mergeResults(out string, shards []*shardRun, merged *Merged, opts MergeOptions) *Results {
	first := shards[0].run
	run := Run{
		ID:          filepath.Base(out),
		Dir:         out,
		Playbook:    first.Playbook,
		ToolVersion: first.ToolVersion,
		Mode:        first.Mode,
		FailOn:      first.FailOn,
		Argv:        RedactArgv(opts.Argv),
		Merged:      merged,
	}
	var tenants []*Tenant
	for _, s := range shards {
		run.Resumes += s.run.Resumes
		if run.Started.IsZero() || !s.run.Started.IsZero() && s.run.Started.Before(run.Started) {
			run.Started = s.run.Started
		}
		if s.run.Finished.After(run.Finished) {
			run.Finished = s.run.Finished
		}
		if s.res != nil {
			tenants = append(tenants, s.res.Tenants...)
		}
	}
	if run.Finished.IsZero() {
		run.Finished = time.Now().UTC()
	}
	pos := make(map[string]int, len(opts.Order))
	for i, n := range opts.Order {
		pos[n] = i + 1
	}
	slices.SortStableFunc(tenants, func(a, b *Tenant) int {
		pa, pb := pos[a.Name], pos[b.Name]
		switch {
		case pa != 0 && pb != 0:
			return cmp.Compare(pa, pb)
		case pa != 0:
			return -1
		case pb != 0:
			return 1
		}
		return cmp.Compare(a.Name, b.Name)
	})
	if tenants == nil {
		tenants = []*Tenant{}
	}
	res := &Results{SchemaVersion: SchemaVersion, Run: run, Tenants: tenants}
	res.Summarize(len(merged.Incomplete()) > 0)
	return res
}

// prepareOut makes sure out can take the merge: absent, empty, or an
// earlier merge (whose files are removed).
func prepareOut(out string) error {
	entries, err := os.ReadDir(out)
	if errors.Is(err, fs.ErrNotExist) {
		return os.MkdirAll(out, 0o750)
	}
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	prev, err := (&RunDir{path: out}).ReadResults()
	if err != nil || prev == nil || prev.Run.Merged == nil {
		return refuse("%s is not empty and holds no earlier merge: give a new folder to --out", out)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(out, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// ShardProgress reads shard run directories as a waiting merge does: the
// shard count they recorded (0 when none has started) and which shards
// (by I of I/N) have finished. A directory that cannot be read yet (a
// shard just starting) counts as not finished.
func ShardProgress(dirs []string) (count int, finished map[int]bool) {
	finished = map[int]bool{}
	for _, d := range dirs {
		s, err := readShard(d)
		if err != nil {
			continue
		}
		var i, n int
		if _, err := fmt.Sscanf(s.run.Shard, "%d/%d", &i, &n); err != nil || i < 1 || i > n {
			continue
		}
		count = max(count, n)
		if s.reason == "" {
			finished[i] = true
		}
	}
	return count, finished
}
