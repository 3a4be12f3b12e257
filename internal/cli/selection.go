package cli

import (
	"github.com/exoplay/exoplay/playbook"
	"github.com/spf13/pflag"
)

// selectionFlags are the flags that pick tenants, steps and vars; plan and
// run share them so both select exactly the same cells.
type selectionFlags struct {
	limit, tags, skipTags, shard string
	vars                         []string
}

func (s *selectionFlags) addTo(fs *pflag.FlagSet) {
	fs.StringVarP(&s.limit, "limit", "l", "", "tenants to run: comma-separated names, groups or globs; !pattern excludes (e.g. 'eu,!contoso')")
	fs.StringVarP(&s.tags, "tags", "t", "", "run only steps with one of these comma-separated tags (always/never/tagged/untagged as in Ansible)")
	fs.StringVar(&s.skipTags, "skip-tags", "", "skip steps with any of these comma-separated tags")
	fs.StringVar(&s.shard, "shard", "", "run shard I of N (I/N, 1-based) of the tenant list, e.g. for a Kubernetes Indexed Job")
	fs.StringArrayVarP(&s.vars, "var", "e", nil, "set a variable NAME=VALUE (YAML-typed; repeatable); wins over playbook and tenant vars")
}

// selection is what the flags picked in a loaded playbook.
type selection struct {
	tenants        []*playbook.Tenant
	shard          playbook.Shard
	tags, skipTags []string
	vars           map[string]any
}

// steps returns the steps selected by --tags / --skip-tags, in order
// (resolve has checked the tags, so this cannot fail).
func (s *selection) steps(pb *playbook.Playbook) []*playbook.Step {
	out, _ := pb.SelectSteps(s.tags, s.skipTags)
	return out
}

// resolve applies --limit, --shard and --tags to a loaded playbook; vars
// are the --var values the playbook was loaded with. Errors are ExitError
// with ExitInvalid.
func (s *selectionFlags) resolve(pb *playbook.Playbook, vars map[string]any) (*selection, error) {
	shard, err := playbook.ParseShard(s.shard)
	if err != nil {
		return nil, exitf(ExitInvalid, "%v", err)
	}
	tenants, err := pb.SelectTenants(s.limit, shard)
	if err != nil {
		return nil, exitf(ExitInvalid, "%v", err)
	}
	if err := pb.CheckVars(vars); err != nil {
		return nil, exitf(ExitInvalid, "%v", err)
	}
	sel := &selection{
		tenants:  tenants,
		shard:    shard,
		tags:     playbook.SplitList(s.tags),
		skipTags: playbook.SplitList(s.skipTags),
		vars:     vars,
	}
	if _, err := pb.SelectSteps(sel.tags, sel.skipTags); err != nil {
		return nil, exitf(ExitInvalid, "%v", err)
	}
	return sel, nil
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
