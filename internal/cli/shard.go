package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/exoplay/exoplay/playbook"
)

// Environment variables of --shard auto. Kubernetes sets
// JOB_COMPLETION_INDEX (0-based) in every pod of an Indexed Job; the
// manifest sets the count, so a static image needs no shell arithmetic.
const (
	envCompletionIndex = "JOB_COMPLETION_INDEX"
	envShardCount      = "EXOPLAY_SHARD_COUNT"
)

// resolveShard turns --shard (I/N, auto or empty) and --shard-count into a
// shard; getenv reads the environment (tests pass their own).
func (s *selectionFlags) resolveShard(getenv func(string) string) (playbook.Shard, error) {
	if !strings.EqualFold(strings.TrimSpace(s.shard), "auto") {
		if s.shardCount != 0 {
			return playbook.Shard{}, fmt.Errorf("--shard-count goes with --shard auto; with --shard I/N the count is N")
		}
		return playbook.ParseShard(s.shard)
	}
	count := s.shardCount
	if count == 0 {
		v := strings.TrimSpace(getenv(envShardCount))
		if v == "" {
			return playbook.Shard{}, fmt.Errorf("--shard auto: the shard count is unknown: pass --shard-count N or set %s (in an Indexed Job, to its completions)", envShardCount)
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return playbook.Shard{}, fmt.Errorf("--shard auto: %s=%q is not a number", envShardCount, v)
		}
		count = n
	}
	if count < 1 {
		return playbook.Shard{}, fmt.Errorf("--shard auto: the shard count must be at least 1, not %d", count)
	}
	v := strings.TrimSpace(getenv(envCompletionIndex))
	if v == "" {
		return playbook.Shard{}, fmt.Errorf("--shard auto: %s is not set (Kubernetes sets it in the pods of a Job with completionMode: Indexed); outside one, use --shard I/N", envCompletionIndex)
	}
	i, err := strconv.Atoi(v)
	if err != nil || i < 0 || i >= count {
		return playbook.Shard{}, fmt.Errorf("--shard auto: %s=%q is not an index from 0 to %d (the shard count)", envCompletionIndex, v, count-1)
	}
	return playbook.Shard{Index: i + 1, Count: count}, nil
}
