package cli

import (
	"os"

	"github.com/exoplay/exoplay/playbook"
	"github.com/spf13/pflag"
)

// selectionFlags are the flags that pick tenants, steps and vars; plan and
// run share them so both select exactly the same cells.
type selectionFlags struct {
	limit, tags, skipTags, shard string
	vars                         []string
	shardCount                   int
}

func (s *selectionFlags) addTo(fs *pflag.FlagSet) {
	fs.StringVarP(&s.limit, "limit", "l", "", "tenants to run: comma-separated names, groups or globs; !pattern excludes (e.g. 'eu,!contoso')")
	fs.StringVarP(&s.tags, "tags", "t", "", "run only steps with one of these comma-separated tags (always/never/tagged/untagged as in Ansible)")
	fs.StringVar(&s.skipTags, "skip-tags", "", "skip steps with any of these comma-separated tags")
	fs.StringVar(&s.shard, "shard", "", "run shard I of N (I/N, 1-based) of the organizations, or auto: I from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job), N from --shard-count or EXOPLAY_SHARD_COUNT")
	fs.IntVar(&s.shardCount, "shard-count", 0, "with --shard auto: the number of shards (default: env EXOPLAY_SHARD_COUNT)")
	fs.StringArrayVarP(&s.vars, "var", "e", nil, "set a variable NAME=VALUE (YAML-typed; repeatable); wins over playbook and tenant vars")
}

// selection is what the flags picked in a loaded playbook.
type selection struct {
	tenants        []*playbook.Tenant
	shard          playbook.Shard
	tags, skipTags []string
	vars           map[string]any
}

// steps returns the steps selected by --tags / --skip-tags, in order.
func (s *selection) steps(pb *playbook.Playbook) []*playbook.Step {
	var out []*playbook.Step
	for _, st := range pb.Steps {
		if st.Selected(s.tags, s.skipTags) {
			out = append(out, st)
		}
	}
	return out
}

// resolve applies --limit, --shard and --tags to a loaded playbook; vars
// are the --var values the playbook was loaded with. Errors are ExitError
// with ExitInvalid.
func (s *selectionFlags) resolve(pb *playbook.Playbook, vars map[string]any) (*selection, error) {
	shard, err := s.resolveShard(os.Getenv)
	if err != nil {
		return nil, exitf(ExitInvalid, "%v", err)
	}
	tenants, err := pb.SelectTenants(s.limit, shard)
	if err != nil {
		return nil, exitf(ExitInvalid, "%v", err)
	}
	return &selection{
		tenants:  tenants,
		shard:    shard,
		tags:     playbook.SplitList(s.tags),
		skipTags: playbook.SplitList(s.skipTags),
		vars:     vars,
	}, nil
}

// loaded is a playbook and what the selection flags picked in it.
type loaded struct {
	playbook *playbook.Playbook
	*selection
}

// load parses --var, loads the playbook at path (so expressions may name the
// --var variables) and applies the selection. A playbook error is
// playbook.Diagnostics; show it with reportLoadError.
func (s *selectionFlags) load(path string) (*loaded, error) {
	vars, err := playbook.ParseVars(s.vars)
	if err != nil {
		return nil, exitf(ExitInvalid, "%v", err)
	}
	pb, err := playbook.Load(path, playbook.LoadOptions{Vars: vars})
	if err != nil {
		return nil, err
	}
	sel, err := s.resolve(pb, vars)
	if err != nil {
		return nil, err
	}
	return &loaded{playbook: pb, selection: sel}, nil
}
