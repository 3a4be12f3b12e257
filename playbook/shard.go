package playbook

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// Shard is one of Count parts of the tenant list (Index is 1-based). The
// zero Shard selects everything.
//
// A tenant's shard follows from its organization's identity alone (see
// OrgIdentity), never from its position in the list: adding or removing a
// tenant moves no other tenant, and every entry of one organization lands
// in the same shard, so the per-organization cap (max_sessions_per_org)
// still holds when shards run as separate processes.
type Shard struct {
	Index int // 1-based
	Count int
}

// String renders the shard as I/N ("" for the zero Shard).
func (s Shard) String() string {
	if s.Count == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// ParseShard parses "I/N" (1 <= I <= N); "" gives the zero Shard. The CLI
// resolves "auto" from the environment before calling it.
func ParseShard(s string) (Shard, error) {
	if strings.TrimSpace(s) == "" {
		return Shard{}, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return Shard{}, fmt.Errorf("--shard %q: want I/N with 1 <= I <= N (e.g. 2/4), or auto", s)
	}
	return Shard{Index: i, Count: n}, nil
}

// Members reports, for each tenant of ts, whether it belongs to the shard.
// ts must be the whole tenant list: an entry that names an organization by
// domain only is placed with an entry that gives that domain's tenant id.
func (s Shard) Members(ts []*Tenant) []bool {
	in := make([]bool, len(ts))
	ids := OrgIdentities(ts)
	for i := range ts {
		in[i] = s.Count <= 1 || ShardOf(ids[i], s.Count) == s.Index
	}
	return in
}

// ShardOf is the 1-based shard of n that an organization identity belongs
// to. It uses jump consistent hashing (Lamping and Veach, 2014) over the
// identity's FNV-1a hash: when n grows to n+1, only about 1/(n+1) of the
// organizations move, all of them to the new shard.
func ShardOf(identity string, n int) int {
	h := fnv.New64a()
	h.Write([]byte(identity))
	key := h.Sum64()
	b, j := int64(-1), int64(0)
	for j < int64(n) {
		b = j
		key = key*2862933555777941757 + 1
		j = int64(float64(b+1) * (float64(int64(1)<<31) / float64((key>>33)+1)))
	}
	return int(b) + 1
}

// OrgIdentities returns, for each tenant of ts, the identity of the
// organization it signs in to: its tenant id when the playbook gives one,
// else the lower-cased organization — unless another entry gives that
// organization together with a tenant id, whose id it then shares. Two
// entries that point at one organization therefore get one identity.
func OrgIdentities(ts []*Tenant) []string {
	idOf := map[string]string{} // lower-cased organization -> tenant id
	for _, t := range ts {
		if t.TenantID != "" && t.Organization != "" {
			idOf[strings.ToLower(t.Organization)] = strings.ToLower(t.TenantID)
		}
	}
	out := make([]string, len(ts))
	for i, t := range ts {
		org := strings.ToLower(t.Organization)
		switch {
		case t.TenantID != "":
			out[i] = strings.ToLower(t.TenantID)
		case idOf[org] != "":
			out[i] = idOf[org]
		default:
			out[i] = org
		}
	}
	return out
}
