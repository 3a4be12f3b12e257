package cli

import (
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/runner"
)

// selectionFlags are the flags that pick tenants, steps and vars; plan and
// run share them, and both turn them into one runner.Plan, so they select
// exactly the same cells.
type selectionFlags struct {
	limit, tags, skipTags, shard string
	vars                         []string
	shardCount                   int
	fs                           *pflag.FlagSet // to tell which were given
	audit                        auditSource    // baseline.go: waivers, controls, and what exoplay audit adds
}

// given reports whether the selection flag named flag was on the command line.
func (s *selectionFlags) given(flag string) bool {
	return s.fs != nil && s.fs.Changed(flag)
}

func (s *selectionFlags) addTo(fs *pflag.FlagSet) {
	s.fs = fs
	fs.StringVarP(&s.limit, "limit", "l", "", "tenants to run: comma-separated names, groups or globs; !pattern excludes (e.g. 'eu,!contoso')")
	fs.StringVarP(&s.tags, "tags", "t", "", "run only steps with one of these comma-separated tags (always/never/tagged/untagged as in Ansible)")
	fs.StringVar(&s.skipTags, "skip-tags", "", "skip steps with any of these comma-separated tags")
	fs.StringVar(&s.shard, "shard", "", "run shard I of N (I/N, 1-based) of the organizations, or auto: I from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job), N from --shard-count or EXOPLAY_SHARD_COUNT")
	fs.IntVar(&s.shardCount, "shard-count", 0, "with --shard auto: the number of shards (default: env EXOPLAY_SHARD_COUNT)")
	fs.StringArrayVarP(&s.vars, "var", "e", nil, "set a variable NAME=VALUE (YAML-typed; repeatable); wins over playbook and tenant vars")
	s.audit.addTo(fs)
}

// selection parses the flags. Errors are ExitError with ExitInvalid.
func (s *selectionFlags) selection() (runner.Selection, error) {
	vars, err := playbook.ParseVars(s.vars)
	if err != nil {
		return runner.Selection{}, exitf(ExitInvalid, "%v", err)
	}
	shard, err := s.resolveShard(os.Getenv)
	if err != nil {
		return runner.Selection{}, exitf(ExitInvalid, "%v", err)
	}
	return runner.Selection{
		Limit:    s.limit,
		Shard:    shard,
		Tags:     playbook.SplitList(s.tags),
		SkipTags: playbook.SplitList(s.skipTags),
		Vars:     vars,
	}, nil
}

// load parses the flags, loads the playbook at path (so expressions may name
// the --var variables) and plans the selection. A playbook error is
// playbook.Diagnostics; show it with reportLoadError.
func (s *selectionFlags) load(path string) (*runner.Plan, error) {
	sel, err := s.selection()
	if err != nil {
		return nil, err
	}
	return s.audit.loadPlan(path, sel)
}

// planOf applies sel to a loaded playbook. A playbook whose tenants: and
// inventory files list no tenant is refused: a run of it would do nothing
// and exit 0. (An empty shard of a playbook with tenants is no mistake:
// an Indexed Job may have more shards than organizations.)
func planOf(pb *playbook.Playbook, sel runner.Selection) (*runner.Plan, error) {
	if len(pb.Tenants) == 0 {
		where := pb.Path
		if len(pb.Inventory) > 0 {
			where = strings.Join(pb.Inventory, ", ")
		}
		return nil, exitf(ExitInvalid, "%s: no tenant to run on: list them under tenants: or in an inventory: file", where)
	}
	plan, err := runner.NewPlan(pb, sel)
	if err != nil {
		return nil, exitf(ExitInvalid, "%v", err)
	}
	return plan, nil
}
