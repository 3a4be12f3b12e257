package playbook

import "time"

// Defaults applied by the loader (the one place they live).
const (
	DefaultMaxSessionsPerOrg  = 3
	DefaultMaxParallelTenants = 50
	DefaultRetries            = 3
	DefaultTimeout            = 15 * time.Minute
	DefaultPageSize           = 1000
	// DefaultMaxAnswerMiB bounds one answer of the service after
	// decompression (transport.Options.MaxAnswerBytes).
	DefaultMaxAnswerMiB = 1024
	// DefaultRegisterMemoryMiB is the in-memory size past which a
	// registered list stays in its data file (runner/disklist.go).
	DefaultRegisterMemoryMiB = 64
	// SafeSessionsPerOrg is the most concurrent requests per organization
	// Exchange Online tolerates; more needs allow_more_sessions: true.
	SafeSessionsPerOrg = 3
)

var settingsKeys = []string{"max_sessions_per_org", "allow_more_sessions", "max_parallel_tenants", "retries", "timeout", "fail_fast", "max_fail_percentage", "page_size", "allow_unknown_cmdlets", "max_answer_mib", "register_memory_mib", "rollout", "require_plan_over"}

func (l *loader) settings(n *node) {
	s := &l.pb.Settings
	*s = Settings{
		MaxSessionsPerOrg:  DefaultMaxSessionsPerOrg,
		MaxParallelTenants: DefaultMaxParallelTenants,
		Retries:            DefaultRetries,
		Timeout:            DefaultTimeout,
		PageSize:           DefaultPageSize,
		MaxAnswerMiB:       DefaultMaxAnswerMiB,
		RegisterMemoryMiB:  DefaultRegisterMemoryMiB,
	}
	if n == nil {
		return
	}
	s.Pos = n.pos
	f := l.fields(n, "settings", settingsKeys...)
	if f == nil {
		return
	}
	s.AllowOverSessions = f.boolean("allow_more_sessions")
	if v, ok := f.integer("max_sessions_per_org", 1, 100); ok {
		s.MaxSessionsPerOrg = v
		if v > SafeSessionsPerOrg && !s.AllowOverSessions {
			l.d.add(f.get("max_sessions_per_org").pos, "max_sessions_per_org %d is above %d, the concurrency Exchange Online allows per organization; set allow_more_sessions: true to insist", v, SafeSessionsPerOrg)
		}
	}
	if v, ok := f.integer("max_parallel_tenants", 1, 10000); ok {
		s.MaxParallelTenants = v
	}
	if v, ok := f.integer("retries", 0, 100); ok {
		s.Retries = v
	}
	if v, ok := f.duration("timeout"); ok {
		s.Timeout = v
	}
	if v, ok := f.integer("page_size", 1, 10000); ok {
		s.PageSize = v
	}
	if v, ok := f.integer("register_memory_mib", 0, 65536); ok {
		s.RegisterMemoryMiB = v
	}
	if v, ok := f.integer("max_answer_mib", 1, 65536); ok {
		s.MaxAnswerMiB = v
	}
	s.FailFast = f.boolean("fail_fast")
	s.AllowUnknownCmdlets = f.boolean("allow_unknown_cmdlets")
	if v, ok := f.number("max_fail_percentage", 0, 100); ok {
		s.MaxFailPercentage = v
	}
	s.Rollout = l.rollout(f.get("rollout")) // rollout.go
	if v, ok := f.integer("require_plan_over", 0, 1000000); ok {
		s.RequirePlanOver = v
	}
}
