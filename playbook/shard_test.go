package playbook

import (
	"fmt"
	"testing"
)

func fleet(n int) []*Tenant {
	ts := make([]*Tenant, n)
	for i := range ts {
		ts[i] = &Tenant{Name: fmt.Sprintf("t%04d", i), Organization: fmt.Sprintf("org%04d.onmicrosoft.com", i)}
	}
	return ts
}

// shardOfEach runs every shard of n over ts and returns each tenant's shard;
// it fails when a tenant is in no shard or in two.
func shardOfEach(t *testing.T, ts []*Tenant, n int) map[string]int {
	t.Helper()
	pb := &Playbook{Tenants: ts}
	got := map[string]int{}
	for i := 1; i <= n; i++ {
		sel, err := pb.SelectTenants("", Shard{Index: i, Count: n})
		if err != nil {
			t.Fatal(err)
		}
		for _, tn := range sel {
			if prev, dup := got[tn.Name]; dup {
				t.Fatalf("%s is in shards %d and %d of %d", tn.Name, prev, i, n)
			}
			got[tn.Name] = i
		}
	}
	if len(got) != len(ts) {
		t.Fatalf("%d of %d tenants in some shard of %d", len(got), len(ts), n)
	}
	return got
}

func TestShardsPartitionEvenly(t *testing.T) {
	ts := fleet(2000)
	got := shardOfEach(t, ts, 4)
	per := map[int]int{}
	for _, s := range got {
		per[s]++
	}
	// 500 expected per shard; a binomial spread stays well inside ±15%.
	for i := 1; i <= 4; i++ {
		if per[i] < 425 || per[i] > 575 {
			t.Errorf("shard %d/4 holds %d of 2000 tenants: %v", i, per[i], per)
		}
	}
}

func TestShardIgnoresListPosition(t *testing.T) {
	ts := fleet(300)
	before := shardOfEach(t, ts, 5)
	// A new tenant at the top, one removed from the middle, the list
	// reversed: no other tenant changes shard.
	var changed []*Tenant
	changed = append(changed, &Tenant{Name: "newcomer", Organization: "newcomer.onmicrosoft.com"})
	for i := len(ts) - 1; i >= 0; i-- {
		if i != 150 {
			changed = append(changed, ts[i])
		}
	}
	after := shardOfEach(t, changed, 5)
	for name, s := range before {
		if name == ts[150].Name {
			continue
		}
		if after[name] != s {
			t.Errorf("%s moved from shard %d to %d when the list changed", name, s, after[name])
		}
	}
}

func TestShardKeepsAnOrganizationTogether(t *testing.T) {
	const id = "0F9D8C7B-6A5E-4D3C-2B1A-0F9E8D7C6B5A"
	for n := 2; n <= 9; n++ {
		ts := fleet(40)
		// One organization, four entries: by domain with its id, by
		// domain only (another case), by id only, by id as organization.
		ts = append(ts,
			&Tenant{Name: "contoso-ro", Organization: "contoso.onmicrosoft.com", TenantID: id},
			&Tenant{Name: "contoso-rw", Organization: "Contoso.OnMicrosoft.com"},
			&Tenant{Name: "contoso-id", TenantID: id},
			&Tenant{Name: "contoso-guid", Organization: id},
			// Same domain twice without an id: the domain is the identity.
			&Tenant{Name: "fab-a", Organization: "fabrikam.onmicrosoft.com"},
			&Tenant{Name: "fab-b", Organization: "FABRIKAM.onmicrosoft.com"},
		)
		got := shardOfEach(t, ts, n)
		for _, group := range [][]string{{"contoso-ro", "contoso-rw", "contoso-id", "contoso-guid"}, {"fab-a", "fab-b"}} {
			for _, name := range group[1:] {
				if got[name] != got[group[0]] {
					t.Errorf("%d shards: %s in shard %d but %s in shard %d", n, group[0], got[group[0]], name, got[name])
				}
			}
		}
	}
}

func TestShardOfGrowsConsistently(t *testing.T) {
	// Going from n to n+1 shards moves an organization only into the new
	// shard, and about 1/(n+1) of them.
	for n := 1; n < 8; n++ {
		moved := 0
		for i := range 4000 {
			id := fmt.Sprintf("org%d.onmicrosoft.com", i)
			a, b := ShardOf(id, n), ShardOf(id, n+1)
			if a < 1 || a > n || b < 1 || b > n+1 {
				t.Fatalf("ShardOf(%q) = %d of %d, %d of %d", id, a, n, b, n+1)
			}
			if a != b {
				moved++
				if b != n+1 {
					t.Fatalf("%s moved from %d to %d, not to the new shard %d", id, a, b, n+1)
				}
			}
		}
		want := 4000 / (n + 1)
		if moved < want*8/10 || moved > want*12/10 {
			t.Errorf("%d -> %d shards moved %d of 4000, want about %d", n, n+1, moved, want)
		}
	}
}

// TestShardOfIsPinned pins a few assignments: shards of one Job may run
// different builds (a retried pod after an upgrade), and a resumed shard
// must find its tenants where it left them. The figures were checked with
// an independent implementation of FNV-1a and jump hashing (Python).
func TestShardOfIsPinned(t *testing.T) {
	for id, want := range map[string]int{
		"contoso.onmicrosoft.com":              11,
		"fabrikam.onmicrosoft.com":             16,
		"0f9d8c7b-6a5e-4d3c-2b1a-0f9e8d7c6b5a": 16,
	} {
		if got := ShardOf(id, 16); got != want {
			t.Errorf("ShardOf(%q, 16) = %d, want %d", id, got, want)
		}
	}
}
